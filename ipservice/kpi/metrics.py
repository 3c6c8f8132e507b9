"""Computed indicators: each area registers the metrics it can count from its own records.

    @metric("custody_enrollments_approved")
    def approved(years: list[int]) -> dict[int, float | None]: ...   # runs inside the tenant's context

A metric answers for several years at once (one query for all of them, not one per year: the KPI table
asks for every year of its plan). The names are those ``kpis*.toml`` may use (``tenants.schemas.METRICS``).
``cumulative`` metrics count everything up to the end of each year; the others count within the year.
"""
from __future__ import annotations

from typing import Callable

_METRICS: dict[str, Callable[[list[int]], dict[int, float | None]]] = {}


def metric(name: str):
    """Register ``fn(years) -> {year: value}`` under ``name``."""
    def decorate(fn):
        _METRICS[name] = fn
        return fn

    return decorate


def compute_years(name: str, years) -> dict[int, float | None]:
    """``{year: value}`` of the metric for each of ``years`` (None for an unknown metric)."""
    years = sorted(set(years))
    fn = _METRICS.get(name)
    if fn is None or not years:
        return {y: None for y in years}
    values = fn(years)
    return {y: values.get(y) for y in years}


def compute(name: str, year: int) -> float | None:
    return compute_years(name, [year])[year]


def known() -> set[str]:
    return set(_METRICS)
