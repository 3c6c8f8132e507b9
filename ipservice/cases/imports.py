"""How cases come in from a protection center's existing ledger (``flask import cases``): the columns, how a
historical status is reached (the same moves the bureau makes on the page, each with its note and audit
event), and the duplicate rule (same applicant, case type, right number and counterparty)."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ipservice.cases import config
from ipservice.cases.models import CASE_TYPES, IP_TYPES, Case
from ipservice.cases.rights import parse_right_number
from ipservice.cases.schemas import offered_ip_types
from ipservice.extensions import db
from ipservice.importing.cells import Column, as_choice, labels_table, status_column, tenant_columns
from ipservice.importing.spec import ImportSpec

NOTE = None  # filled from the row's 说明 column
# A historical status → the moves that reach it from "submitted".
DECISIONS = {
    "accepted": [{"to": "accepted", "note": NOTE}],
    "declined": [{"to": "declined", "note": NOTE}],
    "in_progress": [{"to": "accepted"}, {"to": "in_progress", "note": NOTE}],
    "mediated": [{"to": "accepted"}, {"to": "in_progress"}, {"to": "mediated", "note": NOTE}],
    "resolved": [{"to": "accepted"}, {"to": "in_progress"}, {"to": "resolved", "note": NOTE}],
    "closed": [{"to": "accepted"}, {"to": "in_progress"}, {"to": "resolved", "note": NOTE}, {"to": "closed"}],
}
ENDED_WITHOUT_CASE = ("declined", "withdrawn")  # such a case does not block the same matter filed again


def columns(tenant) -> list[Column]:
    case_types = labels_table(CASE_TYPES, config.of(tenant).case_types)
    ip_types = labels_table(IP_TYPES, offered_ip_types(tenant))
    centers = [{"value": c.code, "label_zh": c.name_zh, "label_en": c.name_en}
               for c in config.of(tenant).centers]
    return [
        Column("enterprise_name", ("申请人", "申请人名称", "企业名称", "单位名称", "enterprise_name"),
               "Applicant"),
        Column("uscc", ("统一社会信用代码", "申请人统一社会信用代码", "uscc"), "USCC"),
        Column("case_type", ("类型", "案件类型", "case_type"), "Case type",
               convert=lambda raw: as_choice(raw, case_types)),
        Column("center", ("中心", "受理中心", "center"), "Center", False,
               convert=lambda raw: as_choice(raw, centers)),
        Column("ip_type", ("知识产权类型", "ip_type"), "IP type",
               convert=lambda raw: as_choice(raw, ip_types)),
        Column("right_number", ("权利号", "right_number"), "Right number"),
        Column("counterparty_name", ("对方当事人", "对方当事人名称", "counterparty_name"), "Counterparty"),
        Column("counterparty_uscc", ("对方统一社会信用代码", "counterparty_uscc"), "Counterparty USCC",
               False),
        Column("summary", ("案情简介", "summary"), "Summary of the facts"),
        Column("request", ("请求事项", "request"), "Request"),
        *tenant_columns(tenant.forms.fields_for("case")),
        status_column(("submitted", *DECISIONS)),
        Column("reason", ("说明", "办理说明", "理由", "note", "reason"), "Note", False),
    ]


def existing(values, enterprise, context, row_status):
    if enterprise is None or not values.get("right_number") or not values.get("case_type"):
        return None
    try:
        right = parse_right_number(values.get("ip_type") or "", values["right_number"]).normalized
    except (ValidationError, KeyError, ValueError):
        return None
    found = db.session.execute(select(Case.number, Case.status).where(
        Case.enterprise_id == enterprise.id, Case.case_type == values["case_type"],
        Case.right_number_normalized == right,
        Case.counterparty_name == (values.get("counterparty_name") or ""))).all()
    for number, status in found:
        if status not in ENDED_WITHOUT_CASE or status == row_status:
            return _("已存在：案件 %(number)s", number=number)
    return None


SPEC = ImportSpec(
    command="cases", help="Import protection-center cases (维权案件) from a case ledger FILE.xlsx.",
    columns=columns, existing=existing, decisions=DECISIONS, error_keys={"note": "reason"},
)
