"""Demo data for ``flask --app wsgi demo``: three custody agencies per tenant and one submitted enrollment
for enterprise1. Running it again adds nothing (agencies are found by USCC, the enrollment by enterprise)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ipservice import forms
from ipservice.accounts.services import enterprise_of
from ipservice.accounts.demo import demo_uscc
from ipservice.core import audit
from ipservice.core.types import today_china
from ipservice.custody import services
from ipservice.custody.models import CustodyAgency, CustodyEnrollment
from ipservice.custody.schemas import offered_services
from ipservice.extensions import db

AGENCIES = (
    ("智汇知识产权托管服务有限公司", "王经理 13600000003"),
    ("创新知识产权代理事务所", "李主任 13700000001"),
    ("科信知识产权运营服务中心", "赵老师 13900000002"),
)


def agency_uscc(slug: str, n: int) -> str:
    return demo_uscc(slug, "MB", n)


def _example_value(field):
    if field.type == "choice":
        return field.choices[0]["value"]
    if field.type == "multi_choice":
        return [field.choices[0]["value"]]
    if field.type == "date":
        return today_china().isoformat()
    if field.type == "integer":
        return 1
    if field.type == "boolean":
        return False
    return "示例"


def load_demo(tenant, users: dict) -> None:
    for n, (name, contact) in enumerate(AGENCIES, start=1):
        code = agency_uscc(tenant.slug, n)
        if db.session.scalar(select(CustodyAgency.id).where(CustodyAgency.uscc == code)) is None:
            agency = CustodyAgency(name=f"{tenant.name_zh}{name}", uscc=code, contact=contact, approved=True)
            db.session.add(agency)
            db.session.flush()
            audit.record("custody_agency.created", "custody_agency", agency.id,
                         {"name": agency.name, "uscc": code, "demo": True}, actor=users.get("bureau"))

    user = users.get("enterprise1")
    enterprise = enterprise_of(user) if user is not None else None
    if enterprise is None or db.session.scalar(
            select(CustodyEnrollment.id).where(CustodyEnrollment.enterprise_id == enterprise.id)) is not None:
        return
    today = today_china()
    payload = {
        "enterprise_scale": "small",
        "agency_id": services.list_agencies()[0].id,
        "services": list(offered_services(tenant)[:3]),
        "start_date": dt.date(today.year, 1, 1).isoformat(),
        "end_date": dt.date(today.year + 1, 12, 31).isoformat(),
        "government_purchased": True,
    }
    for field in tenant.forms.fields_for("custody"):
        if field.required:
            payload[field.name] = _example_value(field)
    data = forms.schema_for(tenant, "custody")().load(payload)
    services.submit(user, data)
