"""What the tenant home page shows: the sections areas contribute (``core.hooks.home_section``)."""
from __future__ import annotations

from ipservice.core import hooks


def home_context(tenant) -> dict:
    return {"tenant": tenant, "sections": hooks.home_sections(tenant)}
