"""Per-tenant form definitions. Each area registers how its form is built for a tenant:

    forms.register("custody", lambda tenant: build(CustodyBase, tenant.forms.custody_fields, {...}))

and asks for it with ``forms.schema_for(tenant, "custody")`` (a class, built once per tenant and version).
"""
from __future__ import annotations

from typing import Callable

_BUILDERS: dict[str, Callable] = {}
_CACHE: dict[tuple, type] = {}
ORDER = ("custody", "certification", "case")


def register(form: str, builder: Callable) -> None:
    _BUILDERS[form] = builder


def registered() -> list[str]:
    return sorted(_BUILDERS, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER))


def schema_for(tenant, form: str) -> type:
    key = (tenant.slug, form, tenant.forms.version)
    if key not in _CACHE:
        _CACHE[key] = _BUILDERS[form](tenant)
    return _CACHE[key]
