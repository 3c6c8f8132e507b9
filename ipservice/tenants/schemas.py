"""Marshmallow schemas for ``tenants/<slug>/*.toml`` (the format is described in docs/tenant-config.md).

They run at start-up: an unknown field, a missing citation, a bad date or an overlapping period stops
the app with the file and the field named.
"""
import datetime as dt

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

CASE_TYPES = ("pre_exam_filing", "pre_exam", "assistance", "mediation", "complaint", "overseas", "determination")
IP_TYPES = ("patent", "trademark", "copyright", "geo_indication", "plant_variety")
CUSTODY_SERVICES = (
    "info_use", "patent_filing", "system_building", "patent_operation", "patent_management", "training",
)
RULE_KINDS = (
    "grant", "reward", "interest_subsidy", "guarantee_subsidy", "risk_compensation", "support", "target",
)
FILING_KINDS = ("certification", "custody")
APPLIES_TO = FILING_KINDS + (
    "case", "patent_grant", "invention_patent_first", "patent_annual_fee", "pct_application", "patent_award",
    "pledge_financing", "equity_investment", "ip_trust", "patent_pool", "public_interest_litigation",
    "service_agency", "other",
)
RULE_UNITS = (
    "per_certification", "per_patent", "per_application", "per_enterprise", "per_case", "per_deal",
    "per_year", "per_borrower_per_year", "per_award", "total",
)
ORG_TYPES = ("enterprise", "university", "research_institute")
DIRECTIONS = ("at_least", "at_most", "maintain")
METRICS = (
    "certifications_verified", "custody_enrollments_approved", "pre_exam_filing_entities",
    "case_closure_rate", "mediation_sessions", "determination_opinions", "assistance_enterprises",
    "cases_closed", "median_days_to_close",
)
FIELD_TYPES = ("string", "text", "choice", "multi_choice", "date", "integer", "boolean")
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,79}$", error="lower-case letters, digits, - and _ only")


class Strict(Schema):
    class Meta:
        unknown = RAISE


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

    @validates_schema
    def period_in_order(self, data, **kwargs):
        if data["period_end"] < data["period_start"]:
            raise ValidationError("period_end is before period_start", "period_end")


class CenterSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    case_types = fields.List(fields.String(validate=validate.OneOf(CASE_TYPES)), required=True,
                             validate=validate.Length(min=1))
    source = fields.Nested(Citation, required=True)


class TimeLimit(Strict):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    calendar = fields.String(required=True, validate=validate.OneOf(("working", "calendar")))


class TimeLimits(Strict):
    accept = fields.Nested(TimeLimit, required=True)
    close = fields.Nested(TimeLimit, required=True)


class TenantFileSchema(Strict):
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,40}$"))
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    bureau_zh = fields.String(required=True)
    bureau_en = fields.String(required=True)
    case_number_prefix = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{1,8}$"))
    case_number_format = fields.String(load_default="{prefix}-{year}-{seq:06d}")
    documents = fields.List(fields.Nested(DocumentSchema), required=True, validate=validate.Length(min=1))
    centers = fields.List(fields.Nested(CenterSchema), load_default=list)
    case_time_limits = fields.Nested(
        TimeLimits,
        load_default=lambda: {"accept": {"days": 5, "calendar": "working"},
                              "close": {"days": 60, "calendar": "working"}},
    )

    @validates_schema
    def number_format_works(self, data, **kwargs):
        try:
            data["case_number_format"].format(prefix="X", year=2026, seq=1)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValidationError(f"cannot format: {exc}", "case_number_format") from exc


class RuleSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    applies_to = fields.String(required=True, validate=validate.OneOf(APPLIES_TO))
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
    source = fields.Nested(Citation, required=True)

    @validates_schema
    def period_in_order(self, data, **kwargs):
        if data["effective_to"] < data["effective_from"]:
            raise ValidationError("effective_to is before effective_from", "effective_to")


class PolicyFileSchema(Strict):
    rules = fields.List(fields.Nested(RuleSchema), required=True)


class TableSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    document = fields.String(required=True)
    years = fields.List(fields.Integer(validate=validate.Range(min=2000, max=2100)), required=True)
    has_growth_column = fields.Boolean(load_default=False)


class YearValue(Strict):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    value = fields.Float(load_default=None, allow_none=True)
    note = fields.String(load_default="")

    @validates_schema
    def value_or_note(self, data, **kwargs):
        if data.get("value") is None and not data.get("note"):
            raise ValidationError("a target needs a value or a note", "value")


class IndicatorSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    table = fields.String(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=1))
    category = fields.String(load_default="")
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    unit = fields.String(load_default="")
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    source = fields.String(required=True, validate=validate.OneOf(("computed", "reported")))
    metric = fields.String(load_default=None, validate=validate.OneOf(METRICS))
    # "value": the metric itself; "yoy_growth": its growth over the previous year, in % (增幅 targets).
    measure = fields.String(load_default="value", validate=validate.OneOf(("value", "yoy_growth")))
    baseline = fields.Nested(YearValue, load_default=None)
    published_growth = fields.String(load_default="")
    targets = fields.List(fields.Nested(YearValue), load_default=list)
    citation = fields.Nested(Citation, required=True)

    @validates_schema
    def metric_iff_computed(self, data, **kwargs):
        if data["source"] == "computed" and not data.get("metric"):
            raise ValidationError("a computed indicator names its metric", "metric")
        if data["source"] == "reported" and data.get("metric"):
            raise ValidationError("a reported indicator has no metric", "metric")


class KpiFileSchema(Strict):
    tables = fields.List(fields.Nested(TableSchema), load_default=list)
    indicators = fields.List(fields.Nested(IndicatorSchema), load_default=list)


class TaskSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    document = fields.String(required=True)
    seq = fields.String(required=True)  # "" where the published table numbers no row (天津 保障措施)
    section = fields.String(load_default="")
    title = fields.String(required=True, validate=validate.Length(min=1))
    content = fields.String(load_default="")
    lead_units = fields.List(fields.String(), load_default=list)
    partner_units = fields.List(fields.String(), load_default=list)
    clause = fields.String(required=True)


class TaskFileSchema(Strict):
    tasks = fields.List(fields.Nested(TaskSchema), required=True)


class ChoiceSchema(Strict):
    value = fields.String(required=True, validate=validate.Length(min=1, max=80))
    label_zh = fields.String(required=True)
    label_en = fields.String(required=True)


class ExtraFieldSchema(Strict):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,40}$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    label_zh = fields.String(required=True)
    label_en = fields.String(required=True)
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list)
    max_length = fields.Integer(load_default=None)
    source = fields.Nested(Citation, load_default=None)

    @validates_schema
    def choices_for_choice(self, data, **kwargs):
        if data["type"] in ("choice", "multi_choice") and not data["choices"]:
            raise ValidationError("a choice field lists its choices", "choices")


class CustodyFormSchema(Strict):
    services = fields.List(fields.String(validate=validate.OneOf(CUSTODY_SERVICES)),
                           load_default=lambda: list(CUSTODY_SERVICES), validate=validate.Length(min=1))
    fields_ = fields.List(fields.Nested(ExtraFieldSchema), data_key="fields", load_default=list)
    source = fields.Nested(Citation, load_default=None)


class CertificationFormSchema(Strict):
    fields_ = fields.List(fields.Nested(ExtraFieldSchema), data_key="fields", load_default=list)


class CaseFormSchema(Strict):
    ip_types = fields.List(fields.String(validate=validate.OneOf(IP_TYPES)),
                           load_default=lambda: list(IP_TYPES), validate=validate.Length(min=1))
    fields_ = fields.List(fields.Nested(ExtraFieldSchema), data_key="fields", load_default=list)


class FormsFileSchema(Strict):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    custody = fields.Nested(CustodyFormSchema, required=True)
    certification = fields.Nested(CertificationFormSchema, required=True)
    case = fields.Nested(CaseFormSchema, required=True)
    subsidy = fields.Nested(CertificationFormSchema, required=True)  # the same shape: extra fields only

    @pre_load
    def sections_default_to_empty(self, data, **kwargs):
        # An absent section means "the base form, unchanged": let the nested defaults apply.
        return {"custody": {}, "certification": {}, "case": {}, "subsidy": {}, **data}
