"""The schema of ``tenants/<slug>/subsidies.toml`` (format in docs/tenant-config.md): each entry checked on
its own — what a claim is made on, how the amount is counted, the rule's own fields, the cap's key, the
budget lines. What needs the rest of the tenant (its policy rules, documents and forms) is checked where the
file is loaded (``config.load``).
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

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

UNITS = ("per_patent", "per_application", "per_award", "per_enterprise", "rate", "base")
OBJECTS = ("patent", "pct_application", "document", "none")
ONCE_PER = ("enterprise", "enterprise_year")
CAP_PER = ("application", "enterprise", "enterprise_year")
OVER = ("warn", "refuse")  # what an approval over a budget line gets
PATENT_KINDS = ("invention", "utility_model", "design", "pct_invention", "pct_utility_model")
BASE_FIELD_NAMES = ("rule", "org_type", "basis_date", "quantity", "base_amount_cny", "patent_numbers",
                    "pct_numbers", "object_no")


class LabelSchema(Strict):
    label_zh = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))


class EvidenceSchema(LabelSchema):
    code = fields.String(required=True, validate=CODE)
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
        _object_is_described(data)
        _own_fields_fit(data)
        _cap_key_is_a_field(data)
        _min_years_is_a_date_field(data)


def _object_is_described(data) -> None:
    """What a claim is made on, and how the amount is counted, come with what they need."""
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


def _own_fields_fit(data) -> None:
    """The rule's own fields: each name once, none taken by the base form."""
    names = [f["name"] for f in data["fields_"]]
    if len(set(names)) != len(names):
        raise ValidationError("field names repeat", "fields")
    clash = sorted(set(names) & set(BASE_FIELD_NAMES))
    if clash:
        raise ValidationError(f"{', '.join(clash)}: the base form has these fields", "fields")


def _cap_key_is_a_field(data) -> None:
    key = data["cap_key_field"]
    if not key:
        return
    key_field = next((f for f in data["fields_"] if f["name"] == key), None)
    if key_field is None:
        raise ValidationError("cap_key_field must be one of the rule's fields", "cap_key_field")
    if key_field["type"] != "uscc" or not key_field["required"]:
        # a cap keyed on free text is shared by no one: four spellings of one borrower, four caps
        raise ValidationError("cap_key_field must be a required field of type \"uscc\"", "cap_key_field")
    if data["cap_per"] == "application":
        raise ValidationError("a cap per application has no key", "cap_key_field")


def _min_years_is_a_date_field(data) -> None:
    if not data["min_years"]:
        return
    f = next((f for f in data["fields_"] if f["name"] == data["min_years"]["field"]), None)
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
