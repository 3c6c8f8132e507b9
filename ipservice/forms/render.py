"""A marshmallow schema as a form: field descriptions for HTML pages and ``GET /forms``, and the
parsing of a submitted HTML form back into the schema's input.

The schema stays the single description: labels and choices live in each field's metadata
(``label_zh``, ``label_en``, ``choices``, ``widget``), validators in the field itself.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from ipservice.core.errors import flat_errors
from ipservice.core.i18n import localize_errors, pick
from ipservice.core.validators import Text


def _choices(field) -> list[dict]:
    meta = field.metadata.get("choices")
    if meta is not None:
        return [dict(c) for c in meta]
    for v in field.validators:
        if isinstance(v, validate.OneOf):
            return [{"value": str(c), "label_zh": str(c), "label_en": str(c)} for c in v.choices]
    return []


def field_type(field) -> str:
    if "widget" in field.metadata and field.metadata["widget"] in ("text", "password", "file"):
        return field.metadata["widget"]
    if isinstance(field, fields.List):
        return "multi_choice"
    if _choices(field):
        return "choice"
    if isinstance(field, Text) and field.multiline:
        return "text"
    if isinstance(field, fields.Boolean):
        return "boolean"
    if isinstance(field, fields.Integer):
        return "integer"
    if isinstance(field, fields.Date):
        return "date"
    if isinstance(field, fields.Email):
        return "email"
    return "string"


def describe(schema) -> list[dict]:
    """``[{"name", "type", "required", "label_zh", "label_en", "choices"}]`` in declaration order."""
    out = []
    for name, field in schema.load_fields.items():
        if field.metadata.get("hidden"):
            continue
        # a list's choices sit on the list (metadata) or on its inner field (validator)
        choices = _choices(field) or (_choices(field.inner) if isinstance(field, fields.List) else [])
        out.append({
            "name": field.data_key or name,
            "type": field_type(field),
            "required": bool(field.required),
            "label_zh": field.metadata.get("label_zh", name),
            "label_en": field.metadata.get("label_en", name),
            "choices": choices or None,
            "max_length": getattr(field, "max_length", None),
            "tenant_field": bool(field.metadata.get("tenant_field")),
        })
    return out


def for_page(schema) -> list[dict]:
    """``describe`` with the label and choice labels in the current language."""
    specs = describe(schema)
    for s in specs:
        s["label"] = pick(s["label_zh"], s["label_en"])
        for c in s["choices"] or []:
            c["label"] = pick(c["label_zh"], c["label_en"])
    return specs


def form_input(schema, form) -> dict:
    """Turn an HTML form (a MultiDict) into the schema's input: empty means absent."""
    data = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List):
            values = [v for v in form.getlist(key) if v != ""]
            if values or key in form:
                data[key] = values
        elif isinstance(field, fields.Boolean):
            data[key] = form.get(key) in ("on", "true", "1", "yes")
        else:
            value = form.get(key)
            if value is not None and value.strip() != "":
                data[key] = value
    return data


def load_form(schema, form) -> tuple[dict | None, dict]:
    """Validate a submitted page form; on error return the localized messages by field."""
    try:
        return schema.load(form_input(schema, form)), {}
    except ValidationError as exc:
        return None, localize_errors(exc.messages)


def tenant_field_value(field, value) -> str:
    """A tenant field's stored value (``extra``) as text in the current language: choices by their label."""
    from flask_babel import gettext as _

    from ipservice.core.i18n import is_english

    if value is None or value == "" or value == []:
        return ""
    if field.type in ("choice", "multi_choice"):
        names = {c["value"]: pick(c["label_zh"], c["label_en"]) for c in field.choices}
        values = value if isinstance(value, list) else [value]
        return (", " if is_english() else "、").join(names.get(v, str(v)) for v in values)
    if field.type == "boolean":
        return _("是") if value else _("否")
    return str(value)


def tenant_field_rows(tenant_fields, extra: dict | None) -> list[tuple[str, str]]:
    """``[(label, value)]`` of a filing's tenant fields, for detail pages."""
    extra = extra or {}
    return [(pick(f.label_zh, f.label_en), tenant_field_value(f, extra.get(f.name))) for f in tenant_fields]


def refusal(exc) -> tuple[int, str, dict]:
    """``(status, message, {field: [text, …]})`` of a service's ``Refusal``, to show on the page next to
    the fields: field messages flattened and in the user's language."""
    return exc.status, exc.text, flat_errors(localize_errors(exc.errors))


PAGE_REFUSALS = (403, 409, 413, 415, 422)  # shown on the form they answer; anything else is an error page


def page_refusal(exc, file_field: str | None = None) -> tuple[int, str, dict]:
    """The one mapping of a service's refusal onto the page form it answers: ``(status, message, errors)``
    with the message beside its field (an upload's 413/415 beside ``file_field``; a refusal of no field
    as the form's own error). A refusal a form cannot show (404, 429, …) goes on to the error page."""
    if exc.status not in PAGE_REFUSALS:
        raise exc
    status, message, errors = refusal(exc)
    if file_field and status in (413, 415) and file_field not in errors:
        errors[file_field] = [message]
    return status, message, errors or {"_schema": [message]}
