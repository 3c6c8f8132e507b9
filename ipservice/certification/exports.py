"""The export of 贯标 certification records (``.xlsx`` / ``.csv``, in the reader's language), for
``core.exports`` and the API's list export."""
from __future__ import annotations

from flask_babel import gettext as _

from ipservice.certification.estimate import _rule, estimate_of
from ipservice.core.i18n import pick
from ipservice.core.labels import status_label
from ipservice.core.tenancy import current_tenant
from ipservice.core.types import china_time, today_china
from ipservice.extensions import db
from ipservice.forms.render import tenant_field_value
from ipservice.policy import services as policy


def export_headers(tenant) -> list[str]:
    """The export's column headers in the user's language, the tenant's own fields last."""
    return [_("序号"), _("单位名称"), _("统一社会信用代码"), _("单位类型"), _("标准"), _("标准版本"),
            _("证书编号"), _("认证机构"), _("发证日期"), _("有效期至"), _("辅导机构"), _("认证范围"),
            _("状态"), _("资助估算(元)"),
            _("依据"), _("估算说明"), _("提交时间"), _("审核时间"), _("审核意见")] + [
        pick(f.label_zh, f.label_en) for f in tenant.forms.fields_for("certification")]


def export_table(tenant, user, filters: dict) -> tuple[list[str], list[list]]:
    """Headers and rows of the filtered records (all of them), for core.exports — in the user's language,
    the estimate's explanation too (re-rendered from what was stored, as the pages show it); what the
    organizations typed stays as it is."""
    from ipservice.certification.services import _select, org_type_label  # (it re-exports ``export``)

    extras = tenant.forms.fields_for("certification")
    rows = []
    for n, r in enumerate(db.session.scalars(_select(user, filters)), start=1):
        est = {"amount_cny": r.subsidy_amount_cny, "rule_code": r.subsidy_rule_code}
        rule = _rule(tenant, est["rule_code"])
        basis = policy.citation(tenant, rule) if rule is not None else None
        enterprise = r.enterprise
        row = [n, enterprise.name if enterprise else None, enterprise.uscc if enterprise else None,
               org_type_label(r.org_type), r.standard, r.standard_edition, r.certificate_no,
               r.certification_body, r.issued_on, r.expires_on, r.consulting_agency, r.scope,
               status_label(r.status), est["amount_cny"], basis, estimate_of(r)["explanation"],
               china_time(r.submitted_at), china_time(r.decided_at), r.decision_reason]
        row += [tenant_field_value(f, (r.extra or {}).get(f.name)) for f in extras]
        rows.append(row)
    return export_headers(tenant), rows


def export_name(tenant) -> tuple[str, str, str]:
    """(sheet title, caption, file name stem) of the export, in the user's language."""
    from ipservice.core.exports import filename_stem

    today = today_china()
    title = _("贯标认证备案")
    caption = _("%(tenant)s贯标认证备案表（导出日期：%(date)s）", tenant=pick(tenant.name_zh, tenant.name_en),
                date=today.isoformat())
    return title, caption, filename_stem(tenant, title, today)


def export(fmt: str, user, filters: dict):
    """The filtered records as an ``.xlsx`` or ``.csv`` download, in the reader's language."""
    from ipservice.core.exports import table_response

    tenant = current_tenant()
    headers, rows = export_table(tenant, user, filters)
    title, caption, stem = export_name(tenant)
    return table_response(fmt, title, headers, rows, stem, caption=caption)
