"""Dated policy rules: which rules apply to a kind of filing on a date, and the subsidy estimate.

``rule_amount`` is the one place that turns a rule's numbers into money: its amount times a quantity, its
rate times a base amount, a base amount (costs actually paid), each within the rule's cap, and a cap shared
by several applications (per organization, or per organization and year). The 贯标 estimate of a
certification record and every subsidy application's estimate use it.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from ipservice.core.i18n import listing, pick
from ipservice.core.types import today_china
from ipservice.tenants.config import Rule, Tenant


def rules_in_force(tenant: Tenant, applies_to: str, on: dt.date) -> list[Rule]:
    """Rules of ``tenant`` for ``applies_to`` whose effective period contains ``on``."""
    return [r for r in tenant.rules if r.applies_to == applies_to and r.in_force(on)]


def rule_by_code(tenant: Tenant, code: str | None) -> Rule | None:
    return next((r for r in tenant.rules if r.code == code), None) if code else None


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
    # the loader guarantees at most one rule per filing kind and kind of organization on a day; where
    # none is for ``org_type``, the first says whom it is for
    rule = next((r for r in rules if org_type and org_type in r.org_types), None) or \
        next((r for r in rules if not r.org_types), rules[0])
    cite = citation(tenant, rule)
    name = pick(rule.name_zh, rule.name_en)
    if org_type and rule.org_types and org_type not in rule.org_types:
        from ipservice.core.labels import ORG_TYPES, label

        return {"amount_cny": None, "rule_code": rule.code,
                "explanation": _("%(cite)s（%(name)s）只适用于%(kinds)s，不适用于%(kind)s。", cite=cite,
                                 name=name, kinds=listing(rule.org_types, lambda k: label(ORG_TYPES, k)),
                                 kind=label(ORG_TYPES, org_type))}
    if already_granted:
        return {"amount_cny": 0, "rule_code": rule.code,
                "explanation": _("依据%(cite)s（%(name)s），同一单位同一标准只资助一次：%(reason)s",
                                 cite=cite, name=name, reason=already_granted)}
    amount = rule_amount(rule, unit="per_enterprise")["amount_cny"]
    if amount is None:
        return {"amount_cny": None, "rule_code": rule.code,
                "explanation": _("依据%(cite)s（%(name)s）可获支持，但政策未规定金额。",
                                 cite=cite, name=name)}
    return {"amount_cny": amount, "rule_code": rule.code,
            "explanation": _("依据%(cite)s（%(name)s），估算资助 %(amount)s 元。",
                             cite=cite, name=name, amount=money(amount))}


def money(value: int) -> str:
    return f"{value:,}"


def percent(rate: float) -> str:
    return f"{Decimal(str(rate)) * 100:f}".rstrip("0").rstrip(".") + "%"


def rule_amount(rule: Rule, *, unit: str, quantity: int = 1, base_cny: int | None = None, used_cny: int = 0,
                cap_per: str = "application", year: int | None = None) -> dict:
    """What ``rule`` pays for one application, with the arithmetic in the reader's language.

    ``unit``: ``rate`` (the rule's rate × ``base_cny``), ``base`` (``base_cny`` itself: costs actually paid)
    or a per-unit count (``per_patent``, ``per_application``, ``per_award``, ``per_enterprise``: the rule's
    amount × ``quantity``; a rule with only a cap pays up to the cap × ``quantity``). The rule's cap limits
    one application (``cap_per="application"``), or all of one organization's applications under the rule
    (``"enterprise"``) or those with a basis date in ``year`` (``"enterprise_year"``), of which ``used_cny``
    is taken already. ``{"amount_cny": None}`` when the rule sets no amount, rate or cap.

    Returns ``{"amount_cny", "limit_cny", "arithmetic"}``: ``limit_cny`` is what the grant may not exceed
    (the amount itself; None when the policy sets no amount).
    """
    before_cap = _before_cap(rule, unit, quantity, base_cny, cap_per)
    if before_cap is None:
        return {"amount_cny": None, "limit_cny": None,
                "arithmetic": _("政策未规定金额，由知识产权局核定。")}
    raw, steps, cap = before_cap
    amount = raw if cap is None else _capped(raw, cap, cap_per, used_cny, year, steps)
    sep = _("；")
    text = sep.join(steps) + _("；估算 %(amount)s 元。", amount=money(amount))
    return {"amount_cny": amount, "limit_cny": amount, "arithmetic": text}


def _before_cap(rule: Rule, unit: str, quantity: int, base_cny: int | None, cap_per: str):
    """``(amount, [arithmetic steps], the cap still to apply or None)`` before the cap, or None when the
    rule sets no amount, rate or cap. A fixed amount, or a cap used as the amount, is its own limit on one
    application."""
    cap = rule.cap_cny
    if unit == "rate":
        raw = int((Decimal(str(rule.rate)) * Decimal(base_cny or 0)).quantize(Decimal(1), ROUND_HALF_UP))
        steps = [_("%(base)s 元 × %(rate)s = %(amount)s 元", base=money(base_cny or 0),
                   rate=percent(rule.rate), amount=money(raw))]
    elif unit == "base":
        raw = base_cny or 0
        steps = [_("按实际发生额 %(amount)s 元", amount=money(raw))]
    elif rule.amount_cny is not None:
        raw = rule.amount_cny * quantity
        steps = [_("%(amount)s 元 × %(n)s = %(total)s 元", amount=money(rule.amount_cny), n=quantity,
                   total=money(raw)) if quantity != 1 else _("%(amount)s 元", amount=money(raw))]
        cap = None if cap_per == "application" else cap  # a fixed amount is its own limit
    elif cap is not None:
        raw = cap * quantity
        steps = [_("政策规定最高 %(cap)s 元 × %(n)s = %(total)s 元", cap=money(cap), n=quantity,
                   total=money(raw))
                 if quantity != 1 else _("政策规定最高 %(cap)s 元", cap=money(cap))]
        cap = None if cap_per == "application" else cap
    else:
        return None
    return raw, steps, cap


def _capped(amount: int, cap: int, cap_per: str, used_cny: int, year: int | None, steps: list[str]) -> int:
    """``amount`` within the cap of one application, or within what is left of the organization's cap
    (over all its applications under the rule, or those of ``year``); the step it takes is appended."""
    if cap_per == "application":
        if amount > cap:
            steps.append(_("超过上限 %(cap)s 元，按上限计", cap=money(cap)))
            return cap
        return amount
    left = max(cap - used_cny, 0)
    if cap_per == "enterprise_year":
        steps.append(_("%(year)s 年度本单位在本政策下已申请或获得 %(used)s 元，年度上限 %(cap)s 元，尚余 "
                       "%(left)s 元", year=year, used=money(used_cny), cap=money(cap), left=money(left)))
    else:
        steps.append(_("本单位在本政策下已申请或获得 %(used)s 元，上限 %(cap)s 元，尚余 %(left)s 元",
                       used=money(used_cny), cap=money(cap), left=money(left)))
    return min(amount, left)


def explained(tenant: Tenant, rule: Rule, arithmetic: str) -> str:
    """"依据<document> <clause>（<rule>）“<quote>”：<arithmetic>" in the reader's language (the quote stays
    Chinese)."""
    return _("依据%(cite)s（%(name)s）“%(quote)s”：%(arithmetic)s", cite=citation(tenant, rule),
             name=pick(rule.name_zh, rule.name_en), quote=rule.source.quote, arithmetic=arithmetic)


def rule_view(tenant: Tenant, rule: Rule, today: dt.date) -> dict:
    doc = tenant.document(rule.source.document)
    return {
        **{k: getattr(rule, k) for k in (
            "code", "name_zh", "name_en", "kind", "amount_cny", "rate", "cap_cny", "unit", "applies_to",
            "org_types", "effective_from", "effective_to", "note_zh", "note_en")},
        "in_force": rule.in_force(today),
        "reading": reading_of(rule),
        "display": {"name": pick(rule.name_zh, rule.name_en), "note": pick(rule.note_zh, rule.note_en),
                    "reading": pick(rule.reading_zh, rule.reading_en) or None},
        "source": {"document": doc.label, "document_code": doc.code, "clause": rule.source.clause,
                   "quote": rule.source.quote},
    }


def reading_of(item) -> dict | None:
    """``{"zh", "en"}``: the reading the configuration chose of an ambiguous clause (a rule's, an indicator's,
    a budget line's ``reading_zh`` / ``reading_en``), None where the words allow only one."""
    return {"zh": item.reading_zh, "en": item.reading_en} if item.reading_zh else None


def policy_document(tenant: Tenant, applies_to: str | None = None, on: dt.date | None = None) -> dict:
    """``GET /policy``: documents and rules (optionally those for ``applies_to`` in force ``on``)."""
    today = today_china()
    rules = [r for r in tenant.rules
             if (applies_to is None or r.applies_to == applies_to) and (on is None or r.in_force(on))]
    return {"tenant": tenant.slug, "documents": list(tenant.documents),
            "rules": [rule_view(tenant, r, today) for r in rules]}
