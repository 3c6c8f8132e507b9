"""How custody enrollments come in from a bureau's ledger (``flask import custody``): the columns, the
agency lookup and the duplicate rule (same enterprise, agency and contract period)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ipservice.custody.models import CustodyAgency, CustodyEnrollment
from ipservice.custody.schemas import CUSTODY_SERVICES, ENTERPRISE_SCALES, offered_services
from ipservice.extensions import db
from ipservice.importing.cells import (
    Column,
    as_bool,
    as_choice,
    as_choices,
    as_date,
    labels_table,
    status_column,
    tenant_columns,
)
from ipservice.importing.spec import BOOKKEEPING, ImportSpec, blocks

SCALE_ALIASES = {"微型企业": "micro", "小型企业": "small", "中型企业": "medium", "微": "micro", "小": "small",
                 "中": "medium"}


def columns(tenant) -> list[Column]:
    scales = labels_table(ENTERPRISE_SCALES)
    services = labels_table(CUSTODY_SERVICES, offered_services(tenant))
    return [
        Column("enterprise_name", ("企业名称", "enterprise_name", "name", "单位名称"), "Enterprise name"),
        Column("uscc", ("统一社会信用代码", "uscc", "enterprise_uscc"), "USCC"),
        Column("enterprise_scale", ("企业规模", "enterprise_scale", "scale"), "Enterprise scale",
               convert=lambda raw: as_choice(raw, scales, SCALE_ALIASES)),
        Column("agency", ("托管服务机构", "agency", "agency_id", "agency_name", "agency_uscc"),
               "Custody service agency"),
        Column("services", ("服务内容", "托管服务内容", "services"), "Services",
               convert=lambda raw: as_choices(raw, services)),
        Column("start_date", ("开始日期", "托管合同开始日期", "合同开始日期", "start_date"),
               "Contract start date", convert=as_date),
        Column("end_date", ("结束日期", "托管合同结束日期", "合同结束日期", "end_date"), "Contract end date",
               convert=as_date),
        Column("government_purchased", ("政府购买", "政府购买服务", "government_purchased"),
               "Paid by the government", False, as_bool),
        *tenant_columns(tenant.forms.fields_for("custody")),
        status_column(("submitted", "approved", "rejected")),
        Column("reason", ("驳回理由", "决定理由", "理由", "reason", "decision_reason"), "Reason", False),
    ]


def resolve(values, errors):
    """The agency named by the row (its name or USCC, any agency of the tenant: the service refuses one
    that is not approved)."""
    from ipservice.core.validators import normalize_uscc

    text = values.get("agency")
    if not text:
        return None
    agency = db.session.scalar(select(CustodyAgency).where(CustodyAgency.uscc == normalize_uscc(text)))
    if agency is not None:
        return agency
    named = list(db.session.scalars(select(CustodyAgency).where(CustodyAgency.name == text)))
    if len(named) > 1:
        named = [a for a in named if a.approved] or named
    if len(named) == 1:
        return named[0]
    if named:
        errors["agency"] = [_("本地区有多个名为“%(name)s”的托管服务机构，请填写其统一社会信用代码。",
                              name=text)]
    else:
        errors["agency"] = [_("本地区没有名称或统一社会信用代码为“%(value)s”的托管服务机构。", value=text)]
    return None


def existing(values, enterprise, agency, row_status):
    try:
        start = dt.date.fromisoformat(values.get("start_date") or "")
        end = dt.date.fromisoformat(values.get("end_date") or "")
    except (TypeError, ValueError):
        return None
    if enterprise is None or agency is None:
        return None
    statuses = db.session.scalars(select(CustodyEnrollment.status).where(
        CustodyEnrollment.enterprise_id == enterprise.id, CustodyEnrollment.agency_id == agency.id,
        CustodyEnrollment.start_date == start, CustodyEnrollment.end_date == end)).all()
    if any(blocks(s, row_status) for s in statuses):
        return _("已存在：该企业同一托管服务机构、同一合同期的托管申请")
    return None


def payload(values, agency):
    body = {k: v for k, v in values.items() if k not in (*BOOKKEEPING, "agency")}
    if values.get("agency"):
        # The resolved agency; an unknown one keeps its text so that the schema does not call it missing.
        body["agency_id"] = agency.id if agency is not None else str(values["agency"])[:36]
    return body


SPEC = ImportSpec(
    command="custody", help="Import custody enrollments (托管申请) from FILE.xlsx.",
    columns=columns, existing=existing, resolve=resolve, payload=payload,
    decisions={"approved": [{"decision": "approve", "reason": None}],
               "rejected": [{"decision": "reject", "reason": None}]},
    error_keys={"agency_id": "agency"},
)
