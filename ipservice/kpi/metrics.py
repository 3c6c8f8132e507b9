"""Computed indicators: each area registers the metrics it can count from its own records.

    @metric("custody_enrollments_approved")
    def approved(year: int) -> float | None: ...   # runs inside the tenant's context

The names are those ``kpis*.toml`` may use (``tenants.schemas.METRICS``). ``cumulative`` metrics count
everything up to the end of ``year``; the others count within ``year``.
"""
from __future__ import annotations

from typing import Callable

_METRICS: dict[str, Callable[[int], float | None]] = {}


def metric(name: str):
    def decorate(fn):
        _METRICS[name] = fn
        return fn

    return decorate


def compute(name: str, year: int) -> float | None:
    fn = _METRICS.get(name)
    return fn(year) if fn else None


def known() -> set[str]:
    return set(_METRICS)
