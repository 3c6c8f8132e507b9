"""``tenants/<slug>/subsidies.toml``: which of the tenant's policy rules an organization can apply for, and
how (format in docs/tenant-config.md, its schema in ``config_file.py``). The subsidy kind's own tenant file
(``FilingKind.tenant_config``): loaded and validated at start-up with the other tenant files; any problem
stops the app with the file and the field named. ``settings(tenant)`` is the loaded file.

The amounts, rates and caps stay in the policy rules (``policy*.toml``, each with its citation); this file
says how an application under a rule is counted and checked:

- ``unit``: ``per_patent`` / ``per_application`` / ``per_award`` / ``per_enterprise`` (the rule's amount times
  the quantity; a rule with only a cap pays up to the cap, a rule with neither leaves the amount to the
  bureau), ``rate`` (the rule's rate times the application's base amount) or ``base`` (the base amount
  itself, e.g. fees actually paid), both capped by the rule's cap;
- ``cap_per``: what the cap limits — one ``application``, one ``enterprise`` over all its applications under
  the rule, or one ``enterprise_year`` (all its applications under the rule with a basis date in that
  year); ``cap_key_field`` keys the cap on one of the rule's fields instead of the applicant (Xi'an's
  guarantee subsidy is capped per borrowing enterprise, the applicant being the guarantor);
- ``object``: what one subsidy is claimed on — ``patent`` (Chinese patent application numbers with their
  check digit), ``pct_application`` (PCT/CN2019/123456), ``document`` (an award certificate, a loan or
  other contract, a judgment: its number) or ``none``; ``once_per`` adds a claim on the applicant
  (``enterprise``) or the applicant and basis year (``enterprise_year``). A claim is unique per
  ``claim_group`` (default: the rule) in the tenant;
- the rule's own form ``fields`` (the ``forms.toml`` field shape), its ``evidence`` documents, and the
  labels of the basis date, the document number and the base amount;
- ``[[budgets]]``: budget lines (a policy rule of unit ``total`` sets the amount), the rules charged to
  each, the line they sit ``within``, and what an approval that takes the line over its amount gets
  (``over``: ``warn``, the default, or ``refuse``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from ipservice.subsidy.config_file import SubsidiesFileSchema
from ipservice.tenants import config as c
from ipservice.tenants.loader import TenantConfigError, form_field, read_file

FILE = "subsidies.toml"
# Rule kinds that pay an organization (a target or a budget envelope is not something to apply for).
FUNDING_KINDS = ("grant", "reward", "interest_subsidy", "guarantee_subsidy", "risk_compensation", "support")


# --- typed views -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Label:
    zh: str
    en: str


@dataclass(frozen=True)
class Evidence:
    code: str
    label_zh: str
    label_en: str
    required: bool


@dataclass(frozen=True)
class MinYears:
    """The basis date must be at least ``years`` after the date in ``field`` (年限 conditions)."""
    field: str
    years: int


@dataclass(frozen=True)
class SubsidyRule:
    rule: str  # the policy rule's code
    unit: str
    object: str
    once_per: str | None
    claim_group: str
    patent_kinds: tuple[str, ...]
    max_quantity: int | None
    org_types: tuple[str, ...]  # empty: the policy rule's own (empty there too: every organization)
    cap_per: str
    cap_key_field: str | None
    min_years: MinYears | None
    basis: Label
    object_label: Label | None
    base: Label | None
    fields: tuple[c.ExtraField, ...]
    evidence: tuple[Evidence, ...]
    note_zh: str
    note_en: str
    sources: tuple[c.Citation, ...]

    @property
    def counts_units(self) -> bool:
        return self.unit not in ("rate", "base")


@dataclass(frozen=True)
class Budget:
    code: str
    line: str  # the policy rule (unit "total") whose amount is the budget
    amount_cny: int
    name_zh: str
    name_en: str
    years: tuple[int, ...]  # the years the amount covers together (the line's effective period)
    within: str | None
    rules: tuple[str, ...]
    note_zh: str
    note_en: str
    over: str = "warn"  # a grant that takes the line over its amount: "warn" (the bureau's call) or "refuse"
    reading_zh: str = ""  # the reading chosen where the document does not say which rules a line pays
    reading_en: str = ""


@dataclass(frozen=True)
class SubsidyConfig:
    number_prefix: str = ""  # no file: nothing can be applied for, nothing numbered
    number_format: str = "{prefix}-ZZ-{year}-{seq:06d}"
    rules: tuple[SubsidyRule, ...] = ()
    budgets: tuple[Budget, ...] = ()

    def rule(self, code: str) -> SubsidyRule | None:
        return next((r for r in self.rules if r.rule == code), None)

    def budget(self, code: str) -> Budget | None:
        return next((b for b in self.budgets if b.code == code), None)

    def budget_of(self, rule_code: str) -> Budget | None:
        """The budget line a rule is charged to (at most one), or None."""
        return next((b for b in self.budgets if rule_code in b.rules), None)

    def budget_chain(self, rule_code: str) -> list[Budget]:
        """The rule's budget line and every line it sits within, innermost first."""
        out, budget = [], self.budget_of(rule_code)
        while budget is not None:
            out.append(budget)
            budget = self.budget(budget.within) if budget.within else None
        return out

    def rules_within(self, code: str) -> set[str]:
        """The rules charged to the line ``code`` and to every line within it."""
        out = set(self.budget(code).rules)
        for inner in self.budgets:
            if inner.within == code:
                out |= self.rules_within(inner.code)
        return out

    def citations(self) -> list[tuple[str, c.Citation]]:
        """Every citation of the file (the quote check covers them)."""
        return [(f"subsidy {r.rule}", s) for r in self.rules for s in r.sources] + \
            [(f"subsidy {r.rule} field {f.name}", f.source) for r in self.rules for f in r.fields if f.source]


# --- loading ---------------------------------------------------------------------------------------------

def _years(start: dt.date, end: dt.date) -> tuple[int, ...]:
    return tuple(range(start.year, end.year + 1))


def _label(d):
    return Label(d["label_zh"], d["label_en"]) if d else None


def settings(tenant: c.Tenant) -> SubsidyConfig:
    """The tenant's subsidies.toml as loaded."""
    return tenant.part(KIND)


KIND = "subsidy"


def load(folder: Path, tenant: c.Tenant, kinds) -> SubsidyConfig:
    """``folder/subsidies.toml`` checked against the tenant's policy rules, documents and its own subsidy
    form fields (forms.toml); an absent file means no rule can be applied for. A rule paid through its own
    filing (``funded_through_filing``, e.g. the 贯标 estimate on the certification record) is not one."""
    path = folder / FILE
    if not path.is_file():
        return SubsidyConfig()

    def fail(field, message):
        raise TenantConfigError(f"{path}: {field}: {message}")

    data = read_file(path, SubsidiesFileSchema())
    by_code = {r.code: r for r in tenant.rules}
    context = _RuleContext(
        by_code=by_code, doc_codes={d.code for d in tenant.documents},
        through_filing={k.name for k in kinds if k.funded_through_filing},
        tenant_field_names={f.name for f in tenant.forms.fields_for(KIND)}, fail=fail, seen=set())
    rules = tuple(_subsidy_rule(f"subsidies.{i}", s, context) for i, s in enumerate(data["subsidies"]))
    budgets = _budgets(data["budgets"], by_code, fail)
    return SubsidyConfig(number_prefix=data["number_prefix"], number_format=data["number_format"],
                         rules=rules, budgets=budgets)


@dataclass(frozen=True)
class _RuleContext:
    """What a subsidy rule of the file is checked against: the tenant's policy rules, documents, the kinds
    funded through their own filing and the tenant's own subsidy form fields."""
    by_code: dict
    doc_codes: set[str]
    through_filing: set[str]
    tenant_field_names: set[str]
    fail: Callable[[str, str], NoReturn]
    seen: set[str]  # the rules of the entries before


def _policy_rule(at: str, s, context: _RuleContext):
    """The policy rule a subsidy entry applies, which must fund an organization in the way the entry
    counts it."""
    fail, rule = context.fail, context.by_code.get(s["rule"])
    if rule is None:
        fail(f"{at}.rule", f"unknown rule {s['rule']!r} (not in policy*.toml)")
    if rule.code in context.seen:
        fail(f"{at}.rule", f"{rule.code!r} repeats")
    context.seen.add(rule.code)
    if rule.kind not in FUNDING_KINDS or rule.unit == "total":
        fail(f"{at}.rule", f"{rule.code} is a {rule.kind} ({rule.unit}), "
                           "not a rule that funds an organization")
    if rule.applies_to in context.through_filing:
        fail(f"{at}.rule", f"{rule.code} is applied for through its {rule.applies_to} filing")
    if s["unit"] == "rate" and rule.rate is None:
        fail(f"{at}.unit", f"{rule.code} sets no rate")
    if s["unit"] != "rate" and rule.rate is not None:
        fail(f"{at}.unit", f"{rule.code} sets a rate: the unit is \"rate\"")
    if s["cap_per"] != "application" and rule.cap_cny is None:
        fail(f"{at}.cap_per", f"{rule.code} sets no cap")
    return rule


def _check_sources_and_fields(at: str, s, context: _RuleContext) -> None:
    """Citations name the tenant's documents; the rule's own fields are not the tenant's subsidy fields;
    evidence codes are unique."""
    fail, doc_codes = context.fail, context.doc_codes
    for j, src in enumerate(s["sources"]):
        if src["document"] not in doc_codes:
            fail(f"{at}.sources.{j}.document", f"unknown document {src['document']!r}")
    for j, f in enumerate(s["fields_"]):
        if f["name"] in context.tenant_field_names:
            fail(f"{at}.fields.{j}.name", f"{f['name']!r} is a field of forms.toml [subsidy]")
        if f["source"] and f["source"]["document"] not in doc_codes:
            fail(f"{at}.fields.{j}.source.document", f"unknown document {f['source']['document']!r}")
    codes = [e["code"] for e in s["evidence"]]
    if len(set(codes)) != len(codes):
        fail(f"{at}.evidence", "codes repeat")


def _subsidy_rule(at: str, s, context: _RuleContext) -> SubsidyRule:
    rule = _policy_rule(at, s, context)
    _check_sources_and_fields(at, s, context)
    mn = s["min_years"]
    return SubsidyRule(
        rule=rule.code, unit=s["unit"], object=s["object"], once_per=s["once_per"],
        claim_group=s["claim_group"] or rule.code, patent_kinds=tuple(s["patent_kinds"]),
        max_quantity=s["max_quantity"], org_types=tuple(s["org_types"]), cap_per=s["cap_per"],
        cap_key_field=s["cap_key_field"], min_years=MinYears(mn["field"], mn["years"]) if mn else None,
        basis=_label(s["basis"]), object_label=_label(s["object_label"]), base=_label(s["base"]),
        fields=tuple(form_field(f) for f in s["fields_"]),
        evidence=tuple(Evidence(e["code"], e["label_zh"], e["label_en"], e["required"])
                       for e in s["evidence"]),
        note_zh=s["note_zh"], note_en=s["note_en"], sources=tuple(c.Citation(**x) for x in s["sources"]))


def _budgets(entries, by_code, fail) -> tuple[Budget, ...]:
    """The budget lines: each on a policy rule of unit "total", each funding rule charged to one line at
    the most, no line within itself."""
    codes = {b["code"] for b in entries}
    if len(codes) != len(entries):
        fail("budgets.code", "codes repeat")
    charged = {}
    budgets = tuple(_budget(f"budgets.{i}", b, codes, by_code, charged, fail) for i, b in enumerate(entries))
    _check_no_line_within_itself(budgets, fail)
    return budgets


def _budget(at: str, b, codes, by_code, charged: dict, fail) -> Budget:
    line = by_code.get(b["line"])
    if line is None or line.unit != "total" or line.amount_cny is None:
        fail(f"{at}.line", f"{b['line']!r} is not a policy rule of unit \"total\" with an amount")
    if b["within"] and (b["within"] not in codes or b["within"] == b["code"]):
        fail(f"{at}.within", f"unknown budget {b['within']!r}")
    for j, code in enumerate(b["rules"]):
        rule = by_code.get(code)
        if rule is None or rule.kind not in FUNDING_KINDS or rule.unit == "total":
            fail(f"{at}.rules.{j}", f"{code!r} is not a funding rule of the tenant")
        if code in charged:
            fail(f"{at}.rules.{j}", f"{code} is charged to {charged[code]} already")
        charged[code] = b["code"]
    return Budget(
        code=b["code"], line=line.code, amount_cny=line.amount_cny, name_zh=line.name_zh,
        name_en=line.name_en, years=_years(line.effective_from, line.effective_to), within=b["within"],
        rules=tuple(b["rules"]),
        note_zh=b["note_zh"], note_en=b["note_en"], over=b["over"], reading_zh=b["reading_zh"],
        reading_en=b["reading_en"])


def _check_no_line_within_itself(budgets: tuple[Budget, ...], fail) -> None:
    by_budget = {b.code: b for b in budgets}
    for b in budgets:
        seen_chain, cur = set(), b
        while cur.within:
            if cur.code in seen_chain:
                fail("budgets.within", f"{b.code} sits within itself")
            seen_chain.add(cur.code)
            cur = by_budget[cur.within]
