"""Output schemas that dump a list without marshmallow's per-field machinery (issue 23 item 4).

A list of 50 filings is ~1 500 field values. marshmallow reaches each through ``Field.serialize`` →
``Field.get_value`` → ``Schema.get_attribute`` → ``utils.get_value`` → ``_get_value_for_key`` before the
field's own ``_serialize``: in the bureau's list that walk was most of the dump's time. ``OutSchema``
plans each schema's fields once (per instance, as marshmallow binds them) and then calls, for each value,
only what that field needs: the value read the way marshmallow reads it, and the field type's own
``_serialize`` — so the output is marshmallow's, byte for byte (``tests/core/test_dump.py``), the schema
stays the one description of the answer (and of the OpenAPI document), and hooks (``post_dump``) run as
before. A field whose value is not a plain attribute or key (a dotted ``attribute``, a ``dump_default``,
an accessor of the schema's own) takes marshmallow's whole path.
"""
from __future__ import annotations

from marshmallow import Schema, fields, missing

_PLAN = "_ipservice_dump_plan"


def _read(obj, key):
    """``marshmallow.utils._get_value_for_key`` for a plain key: an item where ``obj`` has items, else an
    attribute; ``missing`` when neither exists."""
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, missing)
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


def _step(schema: Schema, name: str, field: fields.Field):
    """A function of the object that gives the field's dumped value (or ``missing``: left out)."""
    attr = field.attribute or name
    plain = (field._CHECK_ATTRIBUTE and field.dump_default is missing and "." not in attr
             and type(schema).get_attribute is Schema.get_attribute)
    if not plain:
        return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    serialize = field._serialize
    if type(field).get_value is not fields.Field.get_value:  # a computed value (core.openapi._Computed)
        def computed(obj):
            value = field.get_value(obj, attr, accessor=schema.get_attribute)
            return missing if value is missing else serialize(value, attr, obj)
        return computed
    if type(field) is fields.String:
        def text(obj):
            value = _read(obj, attr)
            if value is None or value is missing or type(value) is str:
                return value
            return serialize(value, attr, obj)
        return text

    def other(obj):
        value = _read(obj, attr)
        return missing if value is missing else serialize(value, attr, obj)
    return other


class OutSchema(Schema):
    """Base of the service's output schemas: marshmallow's dump, planned once per schema instance."""

    def _serialize(self, obj, *, many: bool = False):
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        plan = self.__dict__.get(_PLAN)
        if plan is None:
            plan = [(field.data_key if field.data_key is not None else name, _step(self, name, field))
                    for name, field in self.dump_fields.items()]
            self.__dict__[_PLAN] = plan
        out = self.dict_class()
        for key, step in plan:
            value = step(obj)
            if value is not missing:
                out[key] = value
        return out
