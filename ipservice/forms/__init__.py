"""Per-tenant form definitions, per app. Each area registers, in its ``init_app``, how its form is built
for a tenant:

    forms.register(app, "custody", lambda tenant: build(CustodyBase, tenant.forms.fields_for("custody"), …))

and asks for it with ``forms.schema_for(tenant, "custody")`` (a class, built once per app, tenant and
version).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

ORDER = 30  # its place among the areas (navigation order)
KEY = "ipservice.forms"


@dataclass
class _Forms:
    builders: dict[str, Callable] = field(default_factory=dict)
    # the built classes, least recently used first; bounded like the tenants' cache (IPSERVICE_TENANT_CACHE
    # tenants' forms), so that a worker serving thousands of districts in turn does not keep them all
    cache: OrderedDict[tuple, type] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _of(app=None) -> _Forms:
    return (app or current_app).extensions.setdefault(KEY, _Forms())


def register(app, form: str, builder: Callable) -> None:
    """``builder(tenant)`` → the tenant's form class for ``form`` (once per app)."""
    builders = _of(app).builders
    if form in builders and builders[form] is not builder:
        raise RuntimeError(f"form {form!r} registered twice")
    builders[form] = builder


def registered(app=None) -> list[str]:
    """The app's registered forms, in the order of the filing kinds (the others after them)."""
    from ipservice.core import filing

    order = [k.name for k in filing.kinds(app)]
    return sorted(_of(app).builders, key=lambda f: (order.index(f) if f in order else len(order), f))


def schema_for(tenant, form: str) -> type:
    forms = _of()
    key = (tenant.slug, form, tenant.forms.version)
    with forms.lock:
        if key in forms.cache:
            forms.cache.move_to_end(key)
            return forms.cache[key]
    built = forms.builders[form](tenant)  # two threads may build it at once: the same class, either kept
    with forms.lock:
        forms.cache[key] = built
        while len(forms.cache) > current_app.config["IPSERVICE_TENANT_CACHE"] * max(1, len(forms.builders)):
            forms.cache.popitem(last=False)
    return built


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
