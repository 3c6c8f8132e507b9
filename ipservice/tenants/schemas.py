"""Marshmallow schemas for ``tenants/<slug>/*.toml`` (the format is described in docs/tenant-config.md).

They run at start-up: an unknown field, a missing citation, a bad date or an overlapping period stops
the app with the file and the field named.
"""
import datetime as dt
import re

from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

RULE_KINDS = (
    "grant", "reward", "interest_subsidy", "guarantee_subsidy", "risk_compensation", "support", "target",
)
# What a policy rule may apply to besides a filing kind (the registry of kinds adds their names).
APPLIES_TO_SUBJECTS = (
    "patent_grant", "invention_patent_first", "patent_annual_fee", "pct_application", "patent_award",
    "pledge_financing", "equity_investment", "ip_trust", "patent_pool", "public_interest_litigation",
    "service_agency", "other",
)
RULE_UNITS = (
    "per_certification", "per_patent", "per_application", "per_enterprise", "per_case", "per_deal",
    "per_year", "per_borrower_per_year", "per_award", "total",
)
ORG_TYPES = ("enterprise", "university", "research_institute")
DIRECTIONS = ("at_least", "at_most", "maintain")
TABLE_ORIGINS = ("published_table", "text")
MEASURES = ("value", "yoy_growth", "cumulative")
# "uscc": a 统一社会信用代码, checked (GB 32100-2015) and kept in its canonical form (core.identifiers)
FIELD_TYPES = ("string", "text", "choice", "multi_choice", "date", "integer", "boolean", "uscc")
NUMBER_PREFIX = validate.Regexp(r"^[A-Z]{1,8}$", error="one to eight capital letters")
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,79}$", error="lower-case letters, digits, - and _ only")


class Strict(Schema):
    class Meta:
        unknown = RAISE


_CJK = re.compile(r"[\u3400-\u9fff]")


def require_reading(data: dict) -> None:
    """``reading_zh`` / ``reading_en``: the reading the configuration chose of an ambiguous clause, said in
    both languages or not at all."""
    if bool(data.get("reading_zh")) != bool(data.get("reading_en")):
        missing = "reading_en" if data.get("reading_zh") else "reading_zh"
        raise ValidationError({missing: ["a reading is given in both languages (reading_zh and reading_en)"]})


def require_english(data: dict, pairs) -> None:
    """Every text a page or export shows has its English beside it: ``<field>_en`` is required where
    ``<field>`` is set (for notes: where it has Chinese words; "≧95" needs no translation)."""
    errors = {}
    for zh, en, cjk_only in pairs:
        value = data.get(zh)
        needed = bool(_CJK.search(value)) if cjk_only else bool(value)
        if needed and not data.get(en):
            errors[en] = [f"the English of {zh} is missing"]
    if errors:
        raise ValidationError(errors)


def check_number_format(data: dict, field: str) -> None:
    """``data[field]`` makes a number of ``{prefix}``, ``{year}`` and ``{seq}`` (a kind's number format)."""
    try:
        data[field].format(prefix="X", year=2026, seq=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationError(f"cannot format: {exc}", field) from exc


class Date(fields.Field):
    """A TOML local date (already a ``datetime.date``) or an ISO string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            raise ValidationError("a date without time is expected")
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError("not a date (YYYY-MM-DD)") from exc


class Citation(Strict):
    document = fields.String(required=True, validate=validate.Length(min=1))
    clause = fields.String(required=True, validate=validate.Length(min=1))
    quote = fields.String(required=True, validate=validate.Length(min=1))


class DocumentSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(min=1))
    title_en = fields.String(required=True, validate=validate.Length(min=1))
    number = fields.String(required=True)
    issued_on = Date(required=True)
    period_start = Date(required=True)
    period_end = Date(required=True)
    seed = fields.String(load_default="")
    index_number = fields.String(load_default="")

    @validates_schema
    def period_in_order(self, data, **kwargs):
        if data["period_end"] < data["period_start"]:
            raise ValidationError("period_end is before period_start", "period_end")


class TimeLimit(Strict):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    calendar = fields.String(required=True, validate=validate.OneOf(("working", "calendar")))


class BureauSettingSchema(Strict):
    setting = fields.String(required=True)
    values = fields.List(fields.String(), load_default=list)
    note_zh = fields.String(required=True, validate=validate.Length(min=1))
    note_en = fields.String(required=True, validate=validate.Length(min=1))


class ServiceStandard(Strict):
    decide = fields.Nested(TimeLimit, required=True)
    source = fields.Nested(Citation, load_default=None)  # none: the bureau's own setting


class TenantFileSchema(Strict):
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,40}$"))
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    bureau_zh = fields.String(required=True)
    bureau_en = fields.String(required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True, validate=validate.Length(min=1))
    # Settings that no document gives (e.g. the service standard): the bureau's own, shown as such. A filing
    # kind's own settings (the case centers and time limits) are in its own file (cases.toml).
    bureau_settings = fields.List(fields.Nested(BureauSettingSchema), load_default=list)

    service_standard = fields.Nested(ServiceStandard, load_default=None)


class RuleSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    applies_to = fields.String(required=True, validate=CODE)  # a subject or a kind: checked by the loader
    amount_cny = fields.Integer(load_default=None, validate=validate.Range(min=0))
    rate = fields.Float(load_default=None, validate=validate.Range(min=0, max=1))
    cap_cny = fields.Integer(load_default=None, validate=validate.Range(min=0))
    unit = fields.String(load_default=None, validate=validate.OneOf(RULE_UNITS))
    effective_from = Date(required=True)
    effective_to = Date(required=True)
    # Who the rule is for, where the document restricts it (e.g. "给予企业3万元资助" → ["enterprise"]).
    org_types = fields.List(fields.String(validate=validate.OneOf(ORG_TYPES)), load_default=list)
    note_zh = fields.String(load_default="")
    note_en = fields.String(load_default="")
    # The reading chosen where the clause allows more than one (shown beside the figure).
    reading_zh = fields.String(load_default="")
    reading_en = fields.String(load_default="")
    source = fields.Nested(Citation, required=True)

    @validates_schema
    def period_in_order(self, data, **kwargs):
        if data["effective_to"] < data["effective_from"]:
            raise ValidationError("effective_to is before effective_from", "effective_to")
        require_english(data, [("name_zh", "name_en", False), ("note_zh", "note_en", False)])
        require_reading(data)


class PolicyFileSchema(Strict):
    rules = fields.List(fields.Nested(RuleSchema), required=True)


class TableSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True, validate=validate.Length(min=1))
    document = fields.String(required=True)
    years = fields.List(fields.Integer(validate=validate.Range(min=2000, max=2100)), required=True)
    has_growth_column = fields.Boolean(load_default=False)
    origin = fields.String(required=True, validate=validate.OneOf(TABLE_ORIGINS))


class YearValue(Strict):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    value = fields.Float(load_default=None, allow_none=True)
    note = fields.String(load_default="")
    note_en = fields.String(load_default="")

    @validates_schema
    def value_or_note(self, data, **kwargs):
        if data.get("value") is None and not data.get("note"):
            raise ValidationError("a target needs a value or a note", "value")
        require_english(data, [("note", "note_en", True)])


class IndicatorSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    table = fields.String(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=1))
    category = fields.String(load_default="")
    category_en = fields.String(load_default="")
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    unit = fields.String(load_default="")
    unit_en = fields.String(load_default="")
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    source = fields.String(required=True, validate=validate.OneOf(("computed", "reported")))
    metric = fields.String(load_default=None, validate=CODE)  # a kind's metric: checked by the loader
    # "value": the metric itself; "yoy_growth": its growth over the previous year, in % (增幅 targets);
    # "cumulative": the yearly metric summed from the first year of the document's period (a target
    # the text sets for the whole plan, e.g. "开展调解不少于30场次").
    measure = fields.String(load_default="value", validate=validate.OneOf(MEASURES))
    baseline = fields.Nested(YearValue, load_default=None)
    published_growth = fields.String(load_default="")
    published_growth_en = fields.String(load_default="")
    targets = fields.List(fields.Nested(YearValue), load_default=list)
    citation = fields.Nested(Citation, required=True)
    # For a reported indicator: a related figure the service counts, shown beside it as a reference.
    reference_metric = fields.String(load_default=None, validate=CODE)
    reference_zh = fields.String(load_default="")
    reference_en = fields.String(load_default="")
    # The reading chosen where the row or the text allows more than one (shown beside the targets).
    reading_zh = fields.String(load_default="")
    reading_en = fields.String(load_default="")
    # what the unit alone does not say (ipservice.kpi.ranges): "change", a percentage that is a growth rate
    # (增长率, 增幅: below 0 and above 100 possible); "ratio", a count per head or a yearly average (not
    # whole)
    value_range = fields.String(load_default="", validate=validate.OneOf(("", "change", "ratio")))

    @validates_schema
    def metric_iff_computed(self, data, **kwargs):
        if data.get("value_range") == "change" and data.get("unit") != "%":
            raise ValidationError("only a percentage is a change", "value_range")
        if data["source"] == "computed" and not data.get("metric"):
            raise ValidationError("a computed indicator names its metric", "metric")
        if data["source"] == "reported" and data.get("metric"):
            raise ValidationError("a reported indicator has no metric", "metric")
        if data.get("reference_metric") and data["source"] != "reported":
            raise ValidationError("only a reported indicator has a reference metric", "reference_metric")
        if data.get("reference_metric") and not (data["reference_zh"] and data["reference_en"]):
            raise ValidationError("a reference metric says what it counts (reference_zh, reference_en)",
                                  "reference_zh")

    @validates_schema
    def english_beside_chinese(self, data, **kwargs):
        require_english(data, [("category", "category_en", False), ("unit", "unit_en", False),
                               ("published_growth", "published_growth_en", True)])
        require_reading(data)


class KpiFileSchema(Strict):
    tables = fields.List(fields.Nested(TableSchema), load_default=list)
    indicators = fields.List(fields.Nested(IndicatorSchema), load_default=list)


class TaskSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    document = fields.String(required=True)
    seq = fields.String(required=True)  # "" where the published table numbers no row (天津 保障措施)
    section = fields.String(load_default="")
    section_en = fields.String(load_default="")
    title = fields.String(required=True, validate=validate.Length(min=1))
    title_en = fields.String(load_default="")
    content = fields.String(load_default="")
    content_en = fields.String(load_default="")
    lead_units = fields.List(fields.String(), load_default=list)
    lead_units_en = fields.List(fields.String(), load_default=list)
    partner_units = fields.List(fields.String(), load_default=list)
    partner_units_en = fields.List(fields.String(), load_default=list)
    clause = fields.String(required=True)

    @validates_schema
    def english_beside_chinese(self, data, **kwargs):
        require_english(data, [("title", "title_en", False), ("section", "section_en", False),
                               ("content", "content_en", False)])
        for units in ("lead_units", "partner_units"):
            if len(data[units]) != len(data[f"{units}_en"]):
                raise ValidationError(f"one English name per unit ({len(data[units])} expected)",
                                      f"{units}_en")

class TaskFileSchema(Strict):
    tasks = fields.List(fields.Nested(TaskSchema), required=True)


class ChoiceSchema(Strict):
    value = fields.String(required=True, validate=validate.Length(min=1, max=80))
    label_zh = fields.String(required=True)
    label_en = fields.String(required=True, validate=validate.Length(min=1))


class ExtraFieldSchema(Strict):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,40}$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    label_zh = fields.String(required=True)
    label_en = fields.String(required=True, validate=validate.Length(min=1))
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list)
    max_length = fields.Integer(load_default=None)
    source = fields.Nested(Citation, load_default=None)

    @validates_schema
    def choices_for_choice(self, data, **kwargs):
        if data["type"] in ("choice", "multi_choice") and not data["choices"]:
            raise ValidationError("a choice field lists its choices", "choices")


class FormSectionSchema(Strict):
    """A ``[<kind>]`` section of forms.toml: the tenant's own fields. A kind with choice settings (custody's
    services, cases' IP types) registers a subclass as its ``FilingKind.form_section``."""
    fields_ = fields.List(fields.Nested(ExtraFieldSchema), data_key="fields", load_default=list)
    # The prefix of the kind's numbers (``{prefix}-TG-2026-000001``) for a kind numbered by ``core.filing``
    # that has no file of its own (a kind with one, e.g. cases.toml, says it there).
    number_prefix = fields.String(load_default=None, validate=NUMBER_PREFIX)


class FormsFileSchema(Strict):
    """forms.toml: ``version`` and one table per filing kind. The sections are checked one by one by
    ``load_form_sections`` (their schema and name depend on the registered kinds), so only ``version`` is
    declared here."""
    version = fields.Integer(required=True, validate=validate.Range(min=1))

    class Meta:
        unknown = INCLUDE

    @validates_schema(pass_original=True)
    def sections_are_tables(self, data, original, **kwargs):
        errors = {}
        for name, value in original.items():
            if name == "version":
                continue
            if not isinstance(value, dict):
                errors[name] = ["Unknown field."]
        if errors:
            raise ValidationError(errors)


def load_form_sections(data: dict, kinds) -> dict[str, dict]:
    """Each section of a loaded forms.toml through its kind's schema; raises ValidationError keyed by section.
    Every registered kind has a section (its defaults, e.g. custody's services, when the file omits it); a
    section no kind is registered for is refused."""
    schemas = {k.name: k.form_section or FormSectionSchema for k in kinds}
    sections = {name: {} for name in schemas}
    sections.update({k: v for k, v in data.items() if k != "version"})
    out, errors = {}, {}
    for name, raw in sections.items():
        if name not in schemas:
            errors[name] = [f"no filing kind is named {name!r}; known: {', '.join(schemas)}"]
            continue
        try:
            out[name] = schemas[name]().load(raw)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out
