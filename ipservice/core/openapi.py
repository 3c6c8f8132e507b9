"""What the OpenAPI document says beyond what apispec reads from the marshmallow fields, so that every field
of every documented body has a type a generated client can use (issue 18): a nullable nested object is its
schema or null (apispec's OpenAPI 3.0 spelling adds an untyped object), the values of the tenants' own form
fields are typed, and the error body's ``errors`` is the nesting the service answers.
"""
from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask_smorest.error_handler import ErrorSchema as _SmorestErrorSchema
from marshmallow import fields
from ipservice.core.dump import OutSchema

# Only null: OpenAPI 3.0's ``nullable`` counts where ``type`` is given, so the null branch names one.
NULL = {"type": "object", "nullable": True, "enum": [None]}

# A value of a tenant's own form field (forms.builder): text, a date (YYYY-MM-DD), an integer, yes/no,
# or the values chosen from a list; null where an optional field was left empty.
FORM_VALUE = {"anyOf": [{"type": "string", "nullable": True}, {"type": "integer"}, {"type": "boolean"},
                        {"type": "array", "items": {"type": "string"}}]}

# A value in an audit event's detail: a scalar, or a list or an object of scalars.
_SCALAR = {"anyOf": [{"type": "string", "nullable": True}, {"type": "integer"}, {"type": "number"},
                     {"type": "boolean"}]}
DETAIL_VALUE = {"anyOf": [*_SCALAR["anyOf"], {"type": "array", "items": _SCALAR},
                          {"type": "object", "additionalProperties": _SCALAR}]}

_MESSAGES = {"type": "array", "items": {"type": "string"}}
# A field's messages; a list field's or an object field's are keyed by the item (index or key), one deeper.
_FIELD_ERRORS = {"anyOf": [_MESSAGES, {"type": "object", "additionalProperties": {"anyOf": [
    _MESSAGES, {"type": "object", "additionalProperties": _MESSAGES}]}}]}


class _FormValues(fields.Dict):
    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or {}, attr, obj, **kwargs)


def form_values(description: str) -> fields.Dict:
    """The tenant's own form fields of a filing, by name (``GET /forms``); none stored: ``{}``."""
    return _FormValues(keys=fields.String(), values=fields.Raw(metadata=FORM_VALUE),
                       metadata={"description": description})


class _Computed:
    """A field whose value ``compute(obj)`` gives, documented with the field's own type (a
    ``fields.Method`` or ``fields.Function`` is untyped in the document)."""

    def __init__(self, *args, compute, **kwargs):
        super().__init__(*args, dump_only=True, **kwargs)
        self.compute = compute

    def get_value(self, obj, attr, accessor=None, default=None):
        return self.compute(obj)


class ComputedString(_Computed, fields.String):
    pass


class ComputedBoolean(_Computed, fields.Boolean):
    pass


class ComputedNested(_Computed, fields.Nested):
    pass


class ComputedList(_Computed, fields.List):
    pass


def _organization_verified(filing) -> bool:
    from ipservice.organizations.services import filing_organization_verified

    return filing_organization_verified(filing)


class FilingOut(OutSchema):
    """What every filing of every kind answers besides its own fields (contract 1.2): each kind's output
    schema derives from this one."""

    number = fields.String(metadata={"description": "numbered per tenant and year"})
    organization_verified = ComputedBoolean(
        compute=lambda obj: _organization_verified(obj),
        metadata={"description": "whether the bureau has verified the organization the filing is for"})


class EnterpriseRefOut(OutSchema):
    """The organization a filing is for."""

    id = fields.String()
    name = fields.String()
    uscc = fields.String()


class ErrorSchema(_SmorestErrorSchema):
    errors = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Raw(metadata=_FIELD_ERRORS)), metadata={
        "description": "field messages by location (json, query, form, files) and field"})


def _nullable_is_null(converter, field, ret=None, **kwargs) -> dict:
    """apispec writes a nullable nested schema as ``anyOf: [{type: object, nullable: true}, $ref]``: an
    object of any shape. Say null."""
    for i, branch in enumerate((ret or {}).get("anyOf") or []):
        if branch == {"type": "object", "nullable": True}:
            ret["anyOf"][i] = dict(NULL)
    return {}


class _Converter(OpenAPIConverter):
    def schema2jsonschema(self, schema):
        """``Meta.additional_properties``: the type of the properties a schema answers besides its own
        (the tenants' form fields at the top level of a filing)."""
        out = super().schema2jsonschema(schema)
        extra = getattr(getattr(schema, "Meta", None), "additional_properties", None)
        if extra is not None:
            out["additionalProperties"] = extra
        return out


class _Plugin(MarshmallowPlugin):
    Converter = _Converter


def marshmallow_plugin() -> MarshmallowPlugin:
    return _Plugin()


def configure(converter) -> None:
    converter.add_attribute_function(_nullable_is_null)
