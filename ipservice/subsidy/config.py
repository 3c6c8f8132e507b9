"""``tenants/<slug>/subsidies.toml``: which of the tenant's policy rules an organization can apply for, and
how (format in docs/tenant-config.md). The subsidy kind's own tenant file (``FilingKind.tenant_config``):
loaded and validated at start-up with the other tenant files; any problem stops the app with the file and
the field named. ``settings(tenant)`` is the loaded file.

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
from dataclasses import dataclass
from pathlib import Path

from marshmallow import ValidationError, fields, validate, validates_schema

from ipservice.tenants import config as c
from ipservice.tenants.loader import TenantConfigError, form_field, read_file
from ipservice.tenants.schemas import (
    CODE,
    NUMBER_PREFIX,
    ORG_TYPES,
    Citation,
    ExtraFieldSchema,
    Strict,
    check_number_format,
    require_reading,
)

FILE = "subsidies.toml"
UNITS = ("per_patent", "per_application", "per_award", "per_enterprise", "rate", "base")
OBJECTS = ("patent", "pct_application", "document", "none")
ONCE_PER = ("enterprise", "enterprise_year")
CAP_PER = ("application", "enterprise", "enterprise_year")
OVER = ("warn", "refuse")  # what an approval over a budget line gets
PATENT_KINDS = ("invention", "utility_model", "design", "pct_invention", "pct_utility_model")
# Rule kinds that pay an organization (a target or a budget envelope is not something to apply for).
FUNDING_KINDS = ("grant", "reward", "interest_subsidy", "guarantee_subsidy", "risk_compensation", "support")
BASE_FIELD_NAMES = ("rule", "org_type", "basis_date", "quantity", "base_amount_cny", "patent_numbers",
                    "pct_numbers", "object_no")


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


# --- schema ----------------------------------------------------------------------------------------------

class LabelSchema(Strict):
    label_zh = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))


class EvidenceSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    label_zh = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))
    required = fields.Boolean(load_default=True)


class MinYearsSchema(Strict):
    field = fields.String(required=True)
    years = fields.Integer(required=True, validate=validate.Range(min=1, max=50))


class SubsidyRuleSchema(Strict):
    rule = fields.String(required=True, validate=CODE)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    object = fields.String(required=True, validate=validate.OneOf(OBJECTS))
    once_per = fields.String(load_default=None, validate=validate.OneOf(ONCE_PER))
    claim_group = fields.String(load_default=None, validate=CODE)
    patent_kinds = fields.List(fields.String(validate=validate.OneOf(PATENT_KINDS)), load_default=list)
    max_quantity = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))
    org_types = fields.List(fields.String(validate=validate.OneOf(ORG_TYPES)), load_default=list)
    cap_per = fields.String(load_default="application", validate=validate.OneOf(CAP_PER))
    cap_key_field = fields.String(load_default=None)
    min_years = fields.Nested(MinYearsSchema, load_default=None)
    basis = fields.Nested(LabelSchema, required=True)
    object_label = fields.Nested(LabelSchema, load_default=None)
    base = fields.Nested(LabelSchema, load_default=None)
    fields_ = fields.List(fields.Nested(ExtraFieldSchema), data_key="fields", load_default=list)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True, validate=validate.Length(min=1))
    note_zh = fields.String(load_default="")
    note_en = fields.String(load_default="")
    sources = fields.List(fields.Nested(Citation), required=True, validate=validate.Length(min=1))

    @validates_schema
    def consistent(self, data, **kwargs):
        obj, unit = data["object"], data["unit"]
        if obj == "patent" and not data["patent_kinds"]:
            raise ValidationError("a patent object names the patent_kinds that qualify", "patent_kinds")
        if obj != "patent" and data["patent_kinds"]:
            raise ValidationError("only a patent object has patent_kinds", "patent_kinds")
        if obj == "document" and data["object_label"] is None:
            raise ValidationError("a document object names its label", "object_label")
        if obj == "none" and not data["once_per"]:
            raise ValidationError("with object = \"none\" once_per says what is claimed", "once_per")
        if (unit in ("rate", "base")) != (data["base"] is not None):
            raise ValidationError("rate and base units (only) label their base amount", "base")
        names = [f["name"] for f in data["fields_"]]
        if len(set(names)) != len(names):
            raise ValidationError("field names repeat", "fields")
        clash = sorted(set(names) & set(BASE_FIELD_NAMES))
        if clash:
            raise ValidationError(f"{', '.join(clash)}: the base form has these fields", "fields")
        if data["cap_key_field"] and data["cap_key_field"] not in names:
            raise ValidationError("cap_key_field must be one of the rule's fields", "cap_key_field")
        key_field = next((f for f in data["fields_"] if f["name"] == data["cap_key_field"]), None)
        if key_field is not None and (key_field["type"] != "uscc" or not key_field["required"]):
            # a cap keyed on free text is shared by no one: four spellings of one borrower, four caps
            raise ValidationError("cap_key_field must be a required field of type \"uscc\"", "cap_key_field")
        if data["cap_key_field"] and data["cap_per"] == "application":
            raise ValidationError("a cap per application has no key", "cap_key_field")
        if data["min_years"]:
            by_name = {f["name"]: f for f in data["fields_"]}
            f = by_name.get(data["min_years"]["field"])
            if f is None or f["type"] != "date" or not f["required"]:
                raise ValidationError("min_years.field must be a required date field of the rule", "min_years")


class BudgetSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    line = fields.String(required=True, validate=CODE)
    within = fields.String(load_default=None, validate=CODE)
    rules = fields.List(fields.String(validate=CODE), load_default=list)
    note_zh = fields.String(load_default="")
    note_en = fields.String(load_default="")
    over = fields.String(load_default="warn", validate=validate.OneOf(OVER))
    reading_zh = fields.String(load_default="")
    reading_en = fields.String(load_default="")

    @validates_schema
    def reading_in_both_languages(self, data, **kwargs):
        require_reading(data)


class SubsidiesFileSchema(Strict):
    number_prefix = fields.String(required=True, validate=NUMBER_PREFIX)
    number_format = fields.String(load_default="{prefix}-ZZ-{year}-{seq:06d}")
    subsidies = fields.List(fields.Nested(SubsidyRuleSchema), load_default=list)
    budgets = fields.List(fields.Nested(BudgetSchema), load_default=list)

    @validates_schema
    def number_format_works(self, data, **kwargs):
        check_number_format(data, "number_format")


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
    rules = tenant.rules
    doc_codes = {d.code for d in tenant.documents}
    through_filing = {k.name for k in kinds if k.funded_through_filing}
    by_code = {r.code: r for r in rules}
    tenant_field_names = {f.name for f in tenant.forms.fields_for(KIND)}
    built, seen = [], set()
    for i, s in enumerate(data["subsidies"]):
        rule = by_code.get(s["rule"])
        if rule is None:
            fail(f"subsidies.{i}.rule", f"unknown rule {s['rule']!r} (not in policy*.toml)")
        if s["rule"] in seen:
            fail(f"subsidies.{i}.rule", f"{s['rule']!r} repeats")
        seen.add(s["rule"])
        if rule.kind not in FUNDING_KINDS or rule.unit == "total":
            fail(f"subsidies.{i}.rule", f"{rule.code} is a {rule.kind} ({rule.unit}), not a rule that funds "
                                        "an organization")
        if rule.applies_to in through_filing:
            fail(f"subsidies.{i}.rule", f"{rule.code} is applied for through its {rule.applies_to} filing")
        if s["unit"] == "rate" and rule.rate is None:
            fail(f"subsidies.{i}.unit", f"{rule.code} sets no rate")
        if s["unit"] != "rate" and rule.rate is not None:
            fail(f"subsidies.{i}.unit", f"{rule.code} sets a rate: the unit is \"rate\"")
        if s["cap_per"] != "application" and rule.cap_cny is None:
            fail(f"subsidies.{i}.cap_per", f"{rule.code} sets no cap")
        for j, src in enumerate(s["sources"]):
            if src["document"] not in doc_codes:
                fail(f"subsidies.{i}.sources.{j}.document", f"unknown document {src['document']!r}")
        for j, f in enumerate(s["fields_"]):
            if f["name"] in tenant_field_names:
                fail(f"subsidies.{i}.fields.{j}.name", f"{f['name']!r} is a field of forms.toml [subsidy]")
            if f["source"] and f["source"]["document"] not in doc_codes:
                fail(f"subsidies.{i}.fields.{j}.source.document", f"unknown document {f['source']['document']!r}")
        codes = [e["code"] for e in s["evidence"]]
        if len(set(codes)) != len(codes):
            fail(f"subsidies.{i}.evidence", "codes repeat")
        mn = s["min_years"]
        built.append(SubsidyRule(
            rule=rule.code, unit=s["unit"], object=s["object"], once_per=s["once_per"],
            claim_group=s["claim_group"] or rule.code, patent_kinds=tuple(s["patent_kinds"]),
            max_quantity=s["max_quantity"], org_types=tuple(s["org_types"]), cap_per=s["cap_per"],
            cap_key_field=s["cap_key_field"], min_years=MinYears(mn["field"], mn["years"]) if mn else None,
            basis=_label(s["basis"]), object_label=_label(s["object_label"]), base=_label(s["base"]),
            fields=tuple(form_field(f) for f in s["fields_"]),
            evidence=tuple(Evidence(e["code"], e["label_zh"], e["label_en"], e["required"]) for e in s["evidence"]),
            note_zh=s["note_zh"], note_en=s["note_en"], sources=tuple(c.Citation(**x) for x in s["sources"])))

    budgets, charged = [], {}
    codes = {b["code"] for b in data["budgets"]}
    if len(codes) != len(data["budgets"]):
        fail("budgets.code", "codes repeat")
    for i, b in enumerate(data["budgets"]):
        line = by_code.get(b["line"])
        if line is None or line.unit != "total" or line.amount_cny is None:
            fail(f"budgets.{i}.line", f"{b['line']!r} is not a policy rule of unit \"total\" with an amount")
        if b["within"] and (b["within"] not in codes or b["within"] == b["code"]):
            fail(f"budgets.{i}.within", f"unknown budget {b['within']!r}")
        for j, code in enumerate(b["rules"]):
            rule = by_code.get(code)
            if rule is None or rule.kind not in FUNDING_KINDS or rule.unit == "total":
                fail(f"budgets.{i}.rules.{j}", f"{code!r} is not a funding rule of the tenant")
            if code in charged:
                fail(f"budgets.{i}.rules.{j}", f"{code} is charged to {charged[code]} already")
            charged[code] = b["code"]
        budgets.append(Budget(
            code=b["code"], line=line.code, amount_cny=line.amount_cny, name_zh=line.name_zh, name_en=line.name_en,
            years=_years(line.effective_from, line.effective_to), within=b["within"], rules=tuple(b["rules"]),
            note_zh=b["note_zh"], note_en=b["note_en"], over=b["over"], reading_zh=b["reading_zh"],
            reading_en=b["reading_en"]))
    by_budget = {b.code: b for b in budgets}
    for b in budgets:  # no line may sit within itself
        seen_chain, cur = set(), b
        while cur.within:
            if cur.code in seen_chain:
                fail("budgets.within", f"{b.code} sits within itself")
            seen_chain.add(cur.code)
            cur = by_budget[cur.within]
    return SubsidyConfig(number_prefix=data["number_prefix"], number_format=data["number_format"],
                         rules=tuple(built), budgets=tuple(budgets))
