"""Computed indicators: each filing kind declares the metrics it can count from its own records.

    FilingKind(..., metrics={"custody_enrollments_approved": approved})
    def approved(years: list[int]) -> dict[int, float | None]: ...   # runs inside the tenant's context

A metric answers for several years at once (one query for all of them, not one per year: the KPI table
asks for every year of its plan). ``register_kind`` makes a kind's metrics the app's (``filing.metrics``):
those are what ``kpis*.toml`` may use and what is computed here.
``cumulative`` metrics count everything up to the end of each year; the others count within the year.
"""
from __future__ import annotations

from sqlalchemy import case, func, select


def compute_years(name: str, years) -> dict[int, float | None]:
    """``{year: value}`` of the current app's metric for each of ``years`` (None for an unknown metric)."""
    from ipservice.core import filing

    years = sorted(set(years))
    fn = filing.metrics().get(name)
    if fn is None or not years:
        return {y: None for y in years}
    values = fn(years)
    return {y: values.get(y) for y in years}


def compute(name: str, year: int) -> float | None:
    return compute_years(name, [year])[year]


def known() -> set[str]:
    from ipservice.core import filing

    return set(filing.metrics())


# --- counting every year in one query -------------------------------------------------------------------

def year_of(column, years, end_of):
    """SQL: the year (of the consecutive years from ``min(years)`` to ``max(years)``) that holds ``column``
    — ``end_of(y)`` is the first instant after year ``y``, compared with ``<`` as a query per year would —,
    0 before the first year, NULL after the last."""
    first, last = min(years), max(years)
    return case((column < end_of(first - 1), 0), *((column < end_of(y), y) for y in range(first, last + 1)),
                else_=None)


def count_by_year(stmt, column, years, end_of, count=None) -> dict[int, int]:
    """``{year: n}``: the rows of ``stmt`` by the year ``column`` falls in (``count``: what to count, default
    rows; a ``func.count(func.distinct(…))`` counts each value once per year), in one grouped query."""
    inner = stmt.add_columns(year_of(column, years, end_of).label("year_of")).subquery()
    counted = func.count() if count is None else count(inner)
    rows = db_execute(select(inner.c.year_of, counted).where(inner.c.year_of.is_not(None))
                      .group_by(inner.c.year_of))
    return {year: n for year, n in rows}


def per_year(counts: dict[int, int], years) -> dict[int, int]:
    """Within each year."""
    return {y: counts.get(y, 0) for y in years}


def up_to(counts: dict[int, int], years) -> dict[int, int]:
    """Cumulative: everything before the end of each year (earlier years and the years before the first)."""
    return {y: sum(n for year, n in counts.items() if year <= y) for y in years}


def db_execute(stmt):
    from ipservice.extensions import db

    return db.session.execute(stmt).all()
