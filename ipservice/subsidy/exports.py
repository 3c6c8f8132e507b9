"""Subsidy applications as a table: the export (XLSX or CSV) and the texts its cells and the pages share."""
from __future__ import annotations

from flask_babel import gettext as _

from ipservice.core.exports import table_response
from ipservice.core.i18n import listing, pick
from ipservice.core.labels import ORG_TYPES, label, status_label
from ipservice.core.tenancy import current_tenant
from ipservice.core.types import china_time, today_china
from ipservice.extensions import db
from ipservice.forms.render import tenant_field_value
from ipservice.subsidy.rules import rule_name, rule_pair
from ipservice.subsidy.services import listed_query

def objects_text(app) -> str:
    return listing(app.objects or [])


def own_fields_text(app) -> str:
    """The tenant's and the rule's own fields as "label：value" text (exports)."""
    tenant = current_tenant()
    cfg, _rule = rule_pair(tenant, app.rule_code)
    own = tuple(tenant.forms.fields_for("subsidy")) + (cfg.fields if cfg else ())
    extra = app.extra or {}
    return _("；").join(f"{pick(f.label_zh, f.label_en)}{_('：')}{tenant_field_value(f, extra.get(f.name))}"
                    for f in own if extra.get(f.name) not in (None, "", []))


def export_headers() -> list[str]:
    return [_("序号"), _("申请编号"), _("单位名称"), _("统一社会信用代码"), _("单位类型"), _("政策"),
            _("依据日期"), _("申请对象"), _("数量"), _("基数金额（元）"), _("估算金额（元）"),
            _("核定金额（元）"), _("状态"), _("提交时间"), _("决定时间"), _("决定理由"), _("其他信息")]


def export(fmt: str, user, filters: dict | None = None):
    """The applications (same filters as the list) as XLSX or CSV, in the user's language (what the
    organizations typed stays as it is)."""
    from ipservice.core.exports import filename_stem

    tenant = current_tenant()
    rows = []
    for n, a in enumerate(db.session.scalars(listed_query(user, filters)).unique(), start=1):
        rows.append([n, a.number, a.enterprise.name, a.enterprise.uscc, label(ORG_TYPES, a.org_type),
                     rule_name(a.rule_code), a.basis_date, objects_text(a), a.quantity, a.base_amount_cny,
                     a.estimate_cny, a.granted_cny, status_label(a.status), china_time(a.submitted_at),
                     china_time(a.decided_at), a.decision_reason or "", own_fields_text(a)])
    today = today_china()
    title = _("资助申请")
    caption = _("%(tenant)s资助/奖励申请表（导出日期：%(date)s）",
                tenant=pick(tenant.name_zh, tenant.name_en), date=today.isoformat())
    return table_response(fmt, title, export_headers(), rows, filename_stem(tenant, title, today),
                          caption=caption)
