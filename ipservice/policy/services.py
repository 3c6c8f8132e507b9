"""Dated policy rules: which rules apply to a kind of filing on a date, and the subsidy estimate."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from ipservice.core.i18n import pick
from ipservice.core.types import today_china
from ipservice.tenants.config import Rule, Tenant


def rules_in_force(tenant: Tenant, applies_to: str, on: dt.date) -> list[Rule]:
    """Rules of ``tenant`` for ``applies_to`` whose effective period contains ``on``."""
    return [r for r in tenant.rules if r.applies_to == applies_to and r.in_force(on)]


def split_by_date(tenant: Tenant, on: dt.date | None = None) -> tuple[list[Rule], list[Rule], list[Rule]]:
    """(in force, expired, not yet in force) on ``on`` (today in China by default)."""
    on = on or today_china()
    current = [r for r in tenant.rules if r.in_force(on)]
    expired = [r for r in tenant.rules if r.effective_to < on]
    future = [r for r in tenant.rules if r.effective_from > on]
    return current, expired, future


def citation(tenant: Tenant, rule: Rule) -> str:
    """"市政办发〔2017〕101号 二(一)3" — the document's number (or title) and the clause."""
    return f"{tenant.document(rule.source.document).label} {rule.source.clause}"


def subsidy_estimate(tenant: Tenant, applies_to: str, on: dt.date, *, already_granted: str | None = None,
                     what: str = "", org_type: str | None = None) -> dict:
    """``{"amount_cny", "rule_code", "explanation"}`` from the rules in force on ``on``.

    ``already_granted``: why this applicant gets no second subsidy (one per organization and standard);
    the estimate is then 0 with that reason. ``what`` names the filing in the explanation.
    """
    rules = [r for r in rules_in_force(tenant, applies_to, on) if r.kind != "target"]
    if not rules:
        return {"amount_cny": None, "rule_code": None,
                "explanation": _("%(date)s 本地区没有有效的%(what)s资助政策，无法估算资助金额。",
                                 date=on.isoformat(), what=what)}
    rule = rules[0]  # the loader guarantees no overlap between rules of one filing kind
    cite = citation(tenant, rule)
    name = pick(rule.name_zh, rule.name_en)
    if org_type and rule.org_types and org_type not in rule.org_types:
        from ipservice.core.labels import ORG_TYPES, label

        return {"amount_cny": None, "rule_code": rule.code,
                "explanation": _("%(cite)s（%(name)s）只适用于%(kinds)s，不适用于%(kind)s。", cite=cite, name=name,
                                 kinds="、".join(label(ORG_TYPES, k) for k in rule.org_types),
                                 kind=label(ORG_TYPES, org_type))}
    if already_granted:
        return {"amount_cny": 0, "rule_code": rule.code,
                "explanation": _("依据%(cite)s（%(name)s），同一单位同一标准只资助一次：%(reason)s",
                                 cite=cite, name=name, reason=already_granted)}
    if rule.amount_cny is None:
        return {"amount_cny": None, "rule_code": rule.code,
                "explanation": _("依据%(cite)s（%(name)s）可获支持，但政策未规定金额（amount not set by policy）。",
                                 cite=cite, name=name)}
    return {"amount_cny": rule.amount_cny, "rule_code": rule.code,
            "explanation": _("依据%(cite)s（%(name)s），估算资助 %(amount)s 元。",
                             cite=cite, name=name, amount=f"{rule.amount_cny:,}")}


def rule_view(tenant: Tenant, rule: Rule, today: dt.date) -> dict:
    doc = tenant.document(rule.source.document)
    return {
        **{k: getattr(rule, k) for k in ("code", "name_zh", "name_en", "kind", "amount_cny", "rate", "cap_cny",
                                          "unit", "applies_to", "org_types", "effective_from", "effective_to",
                                          "note_zh", "note_en")},
        "in_force": rule.in_force(today),
        "display": {"name": pick(rule.name_zh, rule.name_en), "note": pick(rule.note_zh, rule.note_en)},
        "source": {"document": doc.label, "document_code": doc.code, "clause": rule.source.clause,
                   "quote": rule.source.quote},
    }


def policy_document(tenant: Tenant, applies_to: str | None = None, on: dt.date | None = None) -> dict:
    """``GET /policy``: documents and rules (optionally those for ``applies_to`` in force ``on``)."""
    today = today_china()
    rules = [r for r in tenant.rules
             if (applies_to is None or r.applies_to == applies_to) and (on is None or r.in_force(on))]
    return {"tenant": tenant.slug, "documents": list(tenant.documents),
            "rules": [rule_view(tenant, r, today) for r in rules]}
