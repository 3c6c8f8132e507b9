"""Demo cases for ``flask --app wsgi demo``: two cases of enterprise1 in each tenant that takes cases.

Idempotent: nothing is added when enterprise1 has cases already.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ipservice import forms
from ipservice.accounts.services import enterprise_of
from ipservice.cases import config, services
from ipservice.cases.models import Case
from ipservice.cases.schemas import offered_ip_types
from ipservice.extensions import db

# Real application numbers (published) with correct check digits.
_PATENT = "202010566088.9"
_UTILITY_MODEL = "ZL202322865413.3"


def _body(tenant, case_type: str, n: int) -> dict:
    patent_only = case_type in ("pre_exam_filing", "pre_exam")
    trademark = n == 2 and not patent_only and "trademark" in offered_ip_types(tenant)
    ip_type = "trademark" if trademark else "patent"
    center = next(c.code for c in config.of(tenant).centers if case_type in c.case_types)
    return {
        "case_type": case_type, "center": center, "ip_type": ip_type,
        "right_number": {"trademark": "12345678"}.get(ip_type, _PATENT if n == 1 else _UTILITY_MODEL),
        "counterparty_name": "某某贸易有限公司" if n == 1 else "某某电子商务有限公司",
        "summary": "【演示】对方在电商平台销售的产品落入我方权利保护范围，已完成证据保全。",
        "request": "请求中心提供维权援助，协助调解并出具意见。",
    }


def load_demo_cases(tenant, users: dict) -> None:
    user, bureau = users.get("enterprise1"), users.get("bureau")
    if user is None or not config.of(tenant).case_types:
        return
    enterprise = enterprise_of(user)
    if enterprise is None:
        return
    if db.session.scalar(select(func.count(Case.id)).where(Case.enterprise_id == enterprise.id)):
        return
    schema = forms.schema_for(tenant, "case")()
    types = list(config.of(tenant).case_types)
    first = types[0]
    second = next((t for t in types if t not in (first, "pre_exam")), first)
    if first == "pre_exam_filing" and "pre_exam" in types and bureau is not None:
        second = "pre_exam"  # needs the 备案 accepted below
    case = services.submit(user, enterprise=enterprise, data=schema.load(_body(tenant, first, 1)))
    if bureau is not None:
        services.move(bureau, case.id, {"to": "accepted", "note": "材料齐全，予以受理。"})
        if first != "pre_exam_filing":
            services.move(bureau, case.id, {"to": "in_progress"})
    services.submit(user, enterprise=enterprise, data=schema.load(_body(tenant, second, 2)))
