"""Computed KPIs from the case records (``kpis*.toml`` names them in ``metric = "…"``).

Years are calendar years in China time. Each function runs in the tenant's context and answers for several
years with one query: it reads the rows of the widest period the years need (a few columns each) and
counts each year from them in Python, with the same bounds as a query per year (``year_bounds``:
[start, end) in UTC), so the values are those of one query per year.
"""
from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import and_, func, select

from ipservice.cases.models import Case, CaseTransition
from ipservice.cases.services import ACCEPTED_STATES, days_to_close
from ipservice.core.types import CHINA
from ipservice.extensions import db
from ipservice.kpi.metrics import metric

NAMES = ("pre_exam_filing_entities", "mediation_sessions", "determination_opinions", "assistance_enterprises",
         "case_closure_rate", "cases_closed", "median_days_to_close")


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January 00:00, next 1 January 00:00) in China, as UTC instants."""
    start = dt.datetime(year, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    return start, end


_same_case = and_(Case.tenant_id == CaseTransition.tenant_id, Case.id == CaseTransition.case_id)


def _in_years(column, years: list[int]):
    """The column within the first year's start and the last year's end."""
    return and_(column >= year_bounds(min(years))[0], column < year_bounds(max(years))[1])


def _by_year(years: list[int], instants) -> dict[int, list]:
    """``{year: [the items whose instant is in that year]}``: ``instants`` are ``(instant, item)``."""
    bounds = {y: year_bounds(y) for y in years}
    out: dict[int, list] = {y: [] for y in years}
    for instant, item in instants:
        for y, (start, end) in bounds.items():
            if start <= instant < end:
                out[y].append(item)
    return out


def _up_to(years: list[int], firsts) -> dict[int, int]:
    """``{year: how many of ``firsts`` (instants, or None) are before the end of that year}`` (cumulative)."""
    firsts = [f for f in firsts if f is not None]
    return {y: sum(1 for f in firsts if f < year_bounds(y)[1]) for y in years}


@metric("pre_exam_filing_entities")
def pre_exam_filing_entities(years: list[int]) -> dict[int, float]:
    """专利预审备案主体: distinct entities whose 预审备案 was accepted by the end of the year (cumulative),
    and is still in force (not withdrawn since)."""
    firsts = db.session.scalars(select(func.min(Case.accepted_at)).where(
        Case.case_type == "pre_exam_filing", Case.accepted_at.is_not(None),
        Case.accepted_at < year_bounds(max(years))[1], Case.status.in_(ACCEPTED_STATES))
        .group_by(Case.enterprise_id)).all()
    return {y: float(n) for y, n in _up_to(years, firsts).items()}


def _reached(status: str, years: list[int], case_type: str | None = None) -> dict[int, int]:
    """Cases that reached ``status`` in each year (each case once per year)."""
    stmt = select(CaseTransition.at, CaseTransition.case_id).where(
        CaseTransition.to_status == status, _in_years(CaseTransition.at, years))
    if case_type:
        stmt = stmt.join(Case, _same_case).where(Case.case_type == case_type)
    return {y: len(set(ids)) for y, ids in _by_year(years, db.session.execute(stmt)).items()}


@metric("mediation_sessions")
def mediation_sessions(years: list[int]) -> dict[int, float]:
    """调解场次: cases that reached ``mediated`` in the year."""
    return {y: float(n) for y, n in _reached("mediated", years).items()}


@metric("determination_opinions")
def determination_opinions(years: list[int]) -> dict[int, float]:
    """判定咨询意见书: determination cases resolved (or, failing that, closed) for the first time in the year."""
    first_done = func.min(CaseTransition.at)
    start, end = year_bounds(min(years))[0], year_bounds(max(years))[1]
    rows = db.session.execute(
        select(first_done, CaseTransition.case_id)
        .join(Case, _same_case)
        .where(Case.case_type == "determination", CaseTransition.to_status.in_(("resolved", "closed")))
        .group_by(CaseTransition.case_id)
        .having(first_done >= start, first_done < end))
    return {y: float(len(ids)) for y, ids in _by_year(years, rows).items()}


@metric("assistance_enterprises")
def assistance_enterprises(years: list[int]) -> dict[int, float]:
    """维权援助企业数: distinct enterprises with an assistance case accepted in the year."""
    rows = db.session.execute(select(Case.accepted_at, Case.enterprise_id).where(
        Case.case_type == "assistance", Case.accepted_at.is_not(None), _in_years(Case.accepted_at, years)))
    return {y: float(len(set(ids))) for y, ids in _by_year(years, rows).items()}


@metric("case_closure_rate")
def case_closure_rate(years: list[int]) -> dict[int, float | None]:
    """结案率 (%): of the cases submitted by the end of the year and not withdrawn, those closed by then."""
    rows = db.session.execute(select(Case.submitted_at, Case.closed_at).where(
        Case.submitted_at < year_bounds(max(years))[1], Case.status != "withdrawn")).all()
    out: dict[int, float | None] = {}
    for y in years:
        _start, end = year_bounds(y)
        total = sum(1 for submitted, _closed in rows if submitted < end)
        closed = sum(1 for submitted, c in rows if submitted < end and c is not None and c < end)
        out[y] = round(100.0 * closed / total, 1) if total else None
    return out


@metric("cases_closed")
def cases_closed(years: list[int]) -> dict[int, float]:
    """结案数: cases closed in the year."""
    rows = db.session.execute(select(Case.closed_at, Case.id).where(
        Case.closed_at.is_not(None), _in_years(Case.closed_at, years)))
    return {y: float(len(ids)) for y, ids in _by_year(years, rows).items()}


@metric("median_days_to_close")
def median_days_to_close(years: list[int]) -> dict[int, float | None]:
    """平均结案周期 (median, calendar days from submission to closing) of the cases closed in the year."""
    rows = db.session.execute(select(Case.closed_at, Case.submitted_at).where(
        Case.closed_at.is_not(None), _in_years(Case.closed_at, years))).all()
    by_year = _by_year(years, ((closed, (submitted, closed)) for closed, submitted in rows))
    return {y: float(statistics.median(days_to_close(s, c) for s, c in pairs)) if pairs else None
            for y, pairs in by_year.items()}
