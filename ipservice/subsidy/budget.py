"""The liability and the budget lines: what is owed and expected per year and rule, what each budget line
(``subsidies.toml [[budgets]]``) has committed, and the charge of a grant to its lines.

An approval charges its grant to the running total of its rule's line and of every line that line sits
within (``BudgetLineTotal``, one row per tenant and line, the line's code naming its years). The total
is updated with one ``UPDATE … SET committed_cny = committed_cny + x … RETURNING committed_cny`` in the
approval's transaction: on PostgreSQL the row lock, on SQLite the database write lock, serialize the
approvals charging one line, and the returned total decides the warning — and where the line is set to
``over = "refuse"``, the refusal — exactly: of 12 concurrent approvals of 500万 against a 5000万 line,
the 11th and 12th warn (or are refused), whoever commits first. A line's row is made by migration 0013
(existing data), or by ``prepare`` for a line configured later, from the grants as they stand. Verified 贯标
certification records charge their line too (never refused: the certificate is a fact the bureau records).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from ipservice.core.locks import conflict_insert

from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.ids import new_id
from ipservice.core.tenancy import current_tenant, current_tenant_id
from ipservice.extensions import db
from ipservice.policy import services as policy
from ipservice.subsidy.config import settings
from ipservice.subsidy.models import ACTIVE, BudgetLineTotal, SubsidyApplication


def _grants() -> list[dict]:
    """Every grant owed or expected in the tenant: ``{"year", "rule", "status", "amount_cny", "count"}`` of
    the subsidy applications and of the 贯标 estimates on certification records."""
    from ipservice.certification import services as certification

    amount = case((SubsidyApplication.status == "approved", func.coalesce(SubsidyApplication.granted_cny, 0)),
                  else_=func.coalesce(SubsidyApplication.estimate_cny, 0))
    rows = db.session.execute(
        select(SubsidyApplication.basis_year, SubsidyApplication.rule_code, SubsidyApplication.status,
               func.sum(amount), func.count())
        .where(SubsidyApplication.status.in_(ACTIVE))
        .group_by(SubsidyApplication.basis_year, SubsidyApplication.rule_code, SubsidyApplication.status))
    out = [{"year": y, "rule": r, "status": "approved" if s == "approved" else "submitted",
            "amount_cny": int(a or 0), "count": n} for y, r, s, a, n in rows]
    out += [{**row, "status": "approved" if row["status"] == "verified" else "submitted"}
            for row in certification.subsidy_totals()]
    return out


def liability(year: int | None = None) -> list[dict]:
    """The current tenant's liability per year and rule: ``amount_cny`` (approved grants: owed) and their
    ``count``, ``expected_cny`` (estimates of submitted applications), and the rule's budget line
    (``budget``, ``budget_cny``: what the line holds for all its rules and years together) — including the
    贯标 subsidies of verified (owed) and submitted (expected) certification records."""
    tenant = current_tenant()
    rows: dict[tuple, dict] = {}
    for g in _grants():
        if year is not None and g["year"] != year:
            continue
        row = rows.get((g["year"], g["rule"]))
        if row is None:
            rule = policy.rule_by_code(tenant, g["rule"])
            budget = settings(tenant).budget_of(g["rule"])
            row = rows[(g["year"], g["rule"])] = {
                "year": g["year"], "rule": g["rule"], "name_zh": rule.name_zh if rule else g["rule"],
                "name_en": rule.name_en if rule else g["rule"], "amount_cny": 0, "count": 0,
                "expected_cny": 0, "budget": budget.code if budget else None,
                "budget_cny": budget.amount_cny if budget else None}
        if g["status"] == "approved":
            row["amount_cny"] += g["amount_cny"]
            row["count"] += g["count"]
        else:
            row["expected_cny"] += g["amount_cny"]
    return [rows[k] for k in sorted(rows)]


def budgets() -> list[dict]:
    """Each budget line with what is committed against it (approved grants of its rules in its years) and
    what is expected (submitted estimates)."""
    grants, config = _grants(), settings(current_tenant())
    out = []
    for b in config.budgets:
        covered = config.rules_within(b.code)
        mine = [g for g in grants if g["rule"] in covered and g["year"] in b.years]
        committed = sum(g["amount_cny"] for g in mine if g["status"] == "approved")
        expected = sum(g["amount_cny"] for g in mine if g["status"] == "submitted")
        out.append({"code": b.code, "name_zh": b.name_zh, "name_en": b.name_en, "amount_cny": b.amount_cny,
                    "years": list(b.years), "within": b.within, "rules": sorted(covered),
                    "committed_cny": committed, "expected_cny": expected, "over": committed > b.amount_cny,
                    "note": pick(b.note_zh, b.note_en)})
    return out


def _over_text(b, after: int) -> str:
    return _("批准后%(name)s（%(years)s 年）已承诺 %(after)s 元，超出预算 %(budget)s 元 %(over)s 元。",
             name=pick(b.name_zh, b.name_en), years=f"{b.years[0]}–{b.years[-1]}", after=policy.money(after),
             budget=policy.money(b.amount_cny), over=policy.money(after - b.amount_cny))


def budget_warning(rule_code: str, year: int, amount: int) -> str | None:
    """Why granting ``amount`` under ``rule_code`` (basis ``year``) would take a budget line over its
    amount, in the reader's language; None when it would not (or no line covers the rule). A preview for
    the bureau's page: the decision's own warning comes from ``charge``."""
    by_code = {b["code"]: b for b in budgets()}
    texts = [_over_text(b, by_code[b.code]["committed_cny"] + amount)
             for b in settings(current_tenant()).budget_chain(rule_code)
             if year in b.years and by_code[b.code]["committed_cny"] + amount > b.amount_cny]
    return " ".join(texts) or None


# --- the running totals ----------------------------------------------------------------------------------

def _increment(code: str, amount: int):
    return db.session.execute(
        update(BudgetLineTotal).where(BudgetLineTotal.budget == code)
        .values(committed_cny=BudgetLineTotal.committed_cny + amount)
        .returning(BudgetLineTotal.committed_cny).execution_options(synchronize_session=False)).scalar()


def _committed(config, b, grants) -> int:
    """What the line has committed by ``grants`` (approved, and verified 贯标 records)."""
    covered = config.rules_within(b.code)
    return sum(g["amount_cny"] for g in grants
               if g["status"] == "approved" and g["rule"] in covered and g["year"] in b.years)


def prepare() -> None:
    """Give each of the tenant's lines its running-total row, counted from the grants as they stand, where
    it has none (a line configured since migration 0013). Call it before writing the grant to be charged:
    a row made now must not count it. Two transactions making one row: the second inserts nothing and
    waits for the first (the unique constraint), so the row's first count is one transaction's."""
    config = settings(current_tenant())
    if not config.budgets:
        return
    have = set(db.session.scalars(select(BudgetLineTotal.budget)))
    missing = [b for b in config.budgets if b.code not in have]
    if not missing:
        return
    grants = _grants()
    for b in missing:
        db.session.execute(conflict_insert(BudgetLineTotal.__table__).values(
            tenant_id=current_tenant_id(), id=new_id(), budget=b.code,
            committed_cny=_committed(config, b, grants))
            .on_conflict_do_nothing(index_elements=["tenant_id", "budget"]))


def charge(rule_code: str, year: int, amount: int, *, refusable: bool = True) -> str | None:
    """Add a grant of ``amount`` under ``rule_code`` (basis ``year``) to the running totals of the rule's
    budget line and of every line it sits within (innermost first: one order for all, so two approvals
    never wait on each other crosswise). Each line's total after the
    grant is exact whatever the concurrency: the warning (None when no line goes over), or — on a line
    set to ``over = "refuse"`` and when ``refusable`` — 409, and the request rolls back with the total.
    ``prepare()`` first, in the same transaction."""
    config = settings(current_tenant())
    texts = []
    for b in config.budget_chain(rule_code):
        if year not in b.years:
            continue
        after = _increment(b.code, amount)
        if after is None:  # pragma: no cover - a caller that did not ``prepare`` first
            raise RuntimeError(f"budget line {b.code} has no running total: call prepare() first")
        if after <= b.amount_cny:
            continue
        if refusable and amount > 0 and b.over == "refuse":
            error(409, _("%(text)s本地区规定批准不得超出该预算。", text=_over_text(b, after)))
        texts.append(_over_text(b, after))
    return " ".join(texts) or None

