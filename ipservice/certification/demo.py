"""Demo data of the 贯标 certification records (``flask demo``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ipservice.certification.models import CertificationRecord
from ipservice.certification.services import submit
from ipservice.certification.standards import add_years
from ipservice.core.types import today_china
from ipservice.extensions import db


def load_demo(tenant, users) -> None:
    """One submitted record for ``enterprise1`` of the tenant (once: a rerun finds it and adds nothing)."""
    user = users.get("enterprise1")
    if user is None:
        return
    number = f"DEMO-{tenant.slug.upper()}-0001"
    if db.session.scalar(select(CertificationRecord.id).where(CertificationRecord.certificate_no == number)):
        return
    today = today_china()
    issued = today - dt.timedelta(days=30)
    # Inside the period of the tenant's certification rule where it has one, so the demo shows an estimate.
    rule = next((r for r in tenant.rules if r.applies_to == "certification" and r.kind != "target"), None)
    if rule is not None and rule.effective_from <= today:
        issued = min(rule.effective_from + dt.timedelta(days=60), rule.effective_to, today)
    data = {"org_type": "enterprise", "standard_edition": None, "certificate_no": number,
            "certification_body": "中知（北京）认证有限公司", "issued_on": issued,
            "expires_on": add_years(issued, 3) - dt.timedelta(days=1), "consulting_agency": None,
            "scope": "与研发、生产和销售相关的知识产权管理", "extra": _demo_extra(tenant, issued)}
    submit(user, data)


def _demo_extra(tenant, issued) -> dict:
    """A plausible value for each required field of the tenant's own (none of the four has one yet)."""
    out = {}
    for f in tenant.forms.fields_for("certification"):
        if not f.required:
            continue
        first = f.choices[0]["value"] if f.choices else None
        out[f.name] = {"choice": first, "multi_choice": [first], "date": issued.isoformat(), "integer": 0,
                       "boolean": False}.get(f.type, "示例")
    return out
