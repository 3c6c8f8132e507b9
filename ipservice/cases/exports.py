"""The export of a tenant's cases (``.xlsx`` / ``.csv``, in the reader's language): the list's filters, one
row per case with its deadlines and whether it is overdue."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from ipservice.cases.models import case_type_label, ip_type_label
from ipservice.core import labels
from ipservice.core.exports import filename_stem, table_response
from ipservice.core.i18n import pick
from ipservice.core.types import CHINA

EXPORT_LIMIT = 100_000


def export_headers() -> list[str]:
    return [_("案件编号"), _("类型"), _("中心"), _("申请人"), _("统一社会信用代码"), _("知识产权类型"),
            _("权利号"),
            _("对方当事人"), _("状态"), _("提交时间"), _("受理期限"), _("受理时间"), _("办结期限"),
            _("结案时间"), _("是否超期")]


def china_moment(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as a China-time cell: an Excel date-time (XLSX), ``2026-11-25 17:30`` text in CSV."""
    return moment.astimezone(CHINA).replace(tzinfo=None, second=0, microsecond=0) if moment else None


def export_rows(tenant, user, filters: dict) -> list[list]:
    from ipservice.cases.services import center_name, is_overdue, page  # (it re-exports ``export``)

    cases, _total = page(user, filters, 1, EXPORT_LIMIT)
    yes, no = _("是"), _("否")
    return [[c.number, case_type_label(c.case_type), center_name(tenant, c.center), c.applicant_name,
             c.applicant_uscc, ip_type_label(c.ip_type), c.right_number, c.counterparty_name,
             labels.status_label(c.status), china_moment(c.submitted_at), c.accept_due_on,
             china_moment(c.accepted_at), c.close_due_on, china_moment(c.closed_at),
             yes if is_overdue(c) else no] for c in cases]


def export(tenant, fmt: str, user, filters: dict):
    from ipservice.cases.services import today  # looked up when called: the tests move the clock

    title = _("维权案件")
    caption = _("%(tenant)s %(title)s（%(date)s）", tenant=pick(tenant.name_zh, tenant.name_en), title=title,
                date=today().isoformat())
    stem = filename_stem(tenant, title, today())
    return table_response(fmt, title, export_headers(), export_rows(tenant, user, filters), stem,
                          caption=caption if fmt == "xlsx" else None)
