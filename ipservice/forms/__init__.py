"""Per-tenant form definitions. Each area registers how its form is built for a tenant:

    forms.register("custody", lambda tenant: build(CustodyBase, tenant.forms.fields_for("custody"), {...}))

and asks for it with ``forms.schema_for(tenant, "custody")`` (a class, built once per tenant and version).
"""
from __future__ import annotations

from collections.abc import Callable

ORDER = 30  # its place among the areas (navigation order)

_BUILDERS: dict[str, Callable] = {}
_CACHE: dict[tuple, type] = {}


def register(form: str, builder: Callable) -> None:
    _BUILDERS[form] = builder


def registered() -> list[str]:
    """The registered forms, in the order of the filing kinds (the others after them)."""
    from flask import has_app_context

    from ipservice.core import filing

    order = [k.name for k in filing.kinds()] if has_app_context() else []
    return sorted(_BUILDERS, key=lambda f: (order.index(f) if f in order else len(order), f))


def schema_for(tenant, form: str) -> type:
    key = (tenant.slug, form, tenant.forms.version)
    if key not in _CACHE:
        _CACHE[key] = _BUILDERS[form](tenant)
    return _CACHE[key]


def load_json(tenant, form: str) -> dict:
    """The request's JSON body through the tenant's form schema (its fields differ per tenant, so the
    schema is chosen per request rather than fixed in ``@blp.arguments``): 400 when the body is not JSON,
    422 with the field messages when it does not validate."""
    import json

    from flask import request
    from flask_babel import gettext as _
    from marshmallow import ValidationError

    from ipservice.core.errors import error

    raw = request.get_data(cache=True)
    payload = {}
    if raw.strip():
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deeply
            error(400, _("请求体不是有效的 JSON。"))
    try:
        return schema_for(tenant, form)().load(payload)
    except ValidationError as exc:
        error(422, errors=exc.messages)
