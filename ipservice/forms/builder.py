"""A tenant's form = the area's base schema + the tenant's own fields and choices (``forms.toml``).

The built schema is the single description of the form: it validates the API body and the HTML form,
renders the page (``forms.render``) and is published by ``GET /forms``. The tenant's own fields arrive
at the top level of the body like the base fields and are kept in the filing's ``extra`` column.
"""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, post_load, validate

from ipservice.core.identifiers import UsccField
from ipservice.core.validators import Text
from ipservice.tenants.config import ExtraField

EXTRA_KEY = "extra"


def _extra_field(ef: ExtraField):
    meta = {"label_zh": ef.label_zh, "label_en": ef.label_en, "tenant_field": True}
    kw = {"required": ef.required, "metadata": meta}
    if not ef.required:
        kw["load_default"] = None
        kw["allow_none"] = True
    if ef.type in ("choice", "multi_choice"):
        meta["choices"] = [dict(c) for c in ef.choices]
        one_of = validate.OneOf([c["value"] for c in ef.choices])
        if ef.type == "choice":
            return fields.String(validate=one_of, **kw)
        return fields.List(fields.String(validate=one_of),
                           validate=validate.Length(min=1 if ef.required else 0), **kw)
    if ef.type == "string":
        return Text(max_length=ef.max_length or 200, **kw)
    if ef.type == "text":
        return Text(max_length=ef.max_length or 2000, multiline=True, **kw)
    if ef.type == "date":
        return fields.Date(**kw)
    if ef.type == "integer":
        return fields.Integer(validate=validate.Range(min=0, max=10**12), strict=False, **kw)
    if ef.type == "boolean":
        return fields.Boolean(**kw)
    if ef.type == "uscc":
        return UsccField(**kw)
    raise ValueError(f"unknown field type {ef.type}")


class TenantFormBase(Schema):
    """Moves the tenant's own fields into ``extra`` after loading."""

    tenant_field_names: tuple[str, ...] = ()

    @post_load
    def collect_extra(self, data, **kwargs):
        # ``extra`` is a JSON column: dates are kept as ISO strings.
        data[EXTRA_KEY] = {name: _jsonable(data.pop(name))
                           for name in self.tenant_field_names if name in data}
        return data


def _jsonable(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def build(base: type[Schema], extras: tuple[ExtraField, ...], choices: dict[str, list[dict]] | None = None,
          name: str = "TenantForm") -> type[Schema]:
    """A schema class: ``base`` + ``extras``; ``choices`` restricts base choice fields to the tenant's."""
    attrs: dict = {}
    for field_name, allowed in (choices or {}).items():
        original = base._declared_fields[field_name]
        attrs[field_name] = _restricted(original, allowed)
    for ef in extras:
        if ef.name in base._declared_fields:
            raise ValueError(f"tenant field {ef.name!r} shadows a base field")
        attrs[ef.name] = _extra_field(ef)
    attrs["tenant_field_names"] = tuple(ef.name for ef in extras)
    return type(name, (base, TenantFormBase), attrs)


def _restricted(field, allowed: list[dict]):
    """A copy of a base choice field (or list of choices) that accepts only ``allowed``."""
    import copy

    values = [c["value"] for c in allowed]
    new = copy.deepcopy(field)
    new.metadata = {**field.metadata, "choices": allowed}
    target = new.inner if isinstance(new, fields.List) else new
    target.validators = [v for v in target.validators if not isinstance(v, validate.OneOf)]
    target.validators.append(validate.OneOf(values))
    return new


