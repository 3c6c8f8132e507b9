"""Demo data for ``flask --app wsgi demo``: one submitted subsidy application of ``enterprise1`` under the
tenant's first applicable rule that names its amount, with a basis date inside the rule's period. Running it
again adds nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ipservice import forms
from ipservice.accounts.demo import demo_uscc
from ipservice.accounts.services import enterprise_of
from ipservice.core.identifiers import patent_check_character
from ipservice.core.types import today_china
from ipservice.extensions import db
from ipservice.policy.services import rule_by_code
from ipservice.subsidy import services
from ipservice.subsidy.config import settings
from ipservice.subsidy.models import SubsidyApplication


def _value(field, basis: dt.date, years: int):
    if field.type == "choice":
        return field.choices[0]["value"]
    if field.type == "multi_choice":
        return [field.choices[0]["value"]]
    if field.type == "date":
        return basis.replace(year=basis.year - years - 1).isoformat()
    if field.type == "integer":
        return 1
    if field.type == "boolean":
        return False
    if field.type == "uscc":
        return demo_uscc("subsidy-demo", "MA", 1)
    return "示例"


def _claimed_object(tenant, cfg, basis: dt.date) -> dict:
    """What the demo application claims: a patent of the first kind the rule accepts, a PCT application or
    a document, by the rule's object (nothing for a rule claimed once per applicant)."""
    if cfg.object == "patent":
        kind = {"invention": "1", "utility_model": "2", "design": "3", "pct_invention": "8",
                "pct_utility_model": "9"}[cfg.patent_kinds[0]]
        body = f"{basis.year}{kind}0000001"
        return {"patent_numbers": [body + patent_check_character(body)]}
    if cfg.object == "pct_application":
        return {"pct_numbers": [f"PCT/CN{basis.year}/000001"]}
    if cfg.object == "document":
        return {"object_no": f"DEMO-{tenant.slug.upper()}-0001"}
    return {}


def load_demo(tenant, users: dict) -> None:
    user = users.get("enterprise1")
    enterprise = enterprise_of(user) if user is not None else None
    if enterprise is None or not settings(tenant).rules or db.session.scalar(
            select(SubsidyApplication.id).where(SubsidyApplication.enterprise_id == enterprise.id)):
        return
    # a rule that names its amount shows the estimate best; else the first
    cfg = next((c for c in settings(tenant).rules if rule_by_code(tenant, c.rule).amount_cny),
               settings(tenant).rules[0])
    rule = rule_by_code(tenant, cfg.rule)
    basis = min(rule.effective_from + dt.timedelta(days=60), rule.effective_to, today_china())
    payload = {"rule": cfg.rule, "org_type": (cfg.org_types or rule.org_types or ("enterprise",))[0],
               "basis_date": basis.isoformat()}
    if cfg.base is not None:
        payload["base_amount_cny"] = 100000
    payload.update(_claimed_object(tenant, cfg, basis))
    years = cfg.min_years.years if cfg.min_years else 0
    for field in tuple(tenant.forms.fields_for("subsidy")) + cfg.fields:
        if field.required:
            payload[field.name] = _value(field, basis, years)
    services.submit(user, forms.schema_for(tenant, "subsidy")().load(payload))
