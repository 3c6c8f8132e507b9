"""What the tenant home page shows. Other areas contribute sections through ``home_sections``."""
from __future__ import annotations

HOME_SECTIONS: list = []


def home_section(fn):
    """Register ``fn(tenant) -> (template, context) | None`` as a section of the tenant home page."""
    HOME_SECTIONS.append(fn)
    return fn


def home_context(tenant) -> dict:
    sections = [s for s in (fn(tenant) for fn in HOME_SECTIONS) if s]
    return {"tenant": tenant, "sections": sections}
