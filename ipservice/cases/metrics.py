"""Computed KPIs from the case records (``kpis*.toml`` names them in ``metric = "…"``).

Years are calendar years in China time. Each function runs in the tenant's context and answers for several
years with one query, grouped by the year a row falls in (``kpi.metrics.count_by_year``, with the same
[start, end) bounds in UTC as a query per year: ``year_bounds``), so the values are those of one query
per year.
"""
from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import and_, case, func, select

from ipservice.cases.models import Case, CaseTransition
from ipservice.cases.counts import days_to_close
from ipservice.cases.services import ACCEPTED_STATES
from ipservice.core.types import CHINA
from ipservice.extensions import db
from ipservice.kpi.metrics import count_by_year, per_year, up_to, year_of


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January 00:00, next 1 January 00:00) in China, as UTC instants."""
    start = dt.datetime(year, 1, 1, tzinfo=CHINA).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA).astimezone(dt.UTC)
    return start, end


_same_case = and_(Case.tenant_id == CaseTransition.tenant_id, Case.id == CaseTransition.case_id)


def _in_years(column, years: list[int]):
    """The column within the first year's start and the last year's end."""
    return and_(column >= year_bounds(min(years))[0], column < year_bounds(max(years))[1])


def _end(year: int):
    return year_bounds(year)[1]


def _by_year(years: list[int], instants) -> dict[int, list]:
    """``{year: [the items whose instant is in that year]}``: ``instants`` are ``(instant, item)``."""
    bounds = {y: year_bounds(y) for y in years}
    out: dict[int, list] = {y: [] for y in years}
    for instant, item in instants:
        for y, (start, end) in bounds.items():
            if start <= instant < end:
                out[y].append(item)
    return out


def _distinct(column_name: str):
    return lambda inner: func.count(func.distinct(inner.c[column_name]))


def pre_exam_filing_entities(years: list[int]) -> dict[int, float]:
    """专利预审备案主体: distinct entities whose 预审备案 was accepted by the end of the year (cumulative),
    and is still in force (not withdrawn since): each entity counted from the year of its first one."""
    firsts = (select(Case.enterprise_id).where(
        Case.case_type == "pre_exam_filing", Case.accepted_at.is_not(None),
        Case.accepted_at < _end(max(years)), Case.status.in_(ACCEPTED_STATES)).group_by(Case.enterprise_id))
    counts = count_by_year(firsts, func.min(Case.accepted_at), years, _end)
    return {y: float(n) for y, n in up_to(counts, years).items()}


def _reached(status: str, years: list[int], case_type: str | None = None) -> dict[int, int]:
    """Cases that reached ``status`` in each year (each case once per year)."""
    stmt = select(CaseTransition.case_id).where(CaseTransition.to_status == status,
                                                _in_years(CaseTransition.at, years))
    if case_type:
        stmt = stmt.join(Case, _same_case).where(Case.case_type == case_type)
    return per_year(count_by_year(stmt, CaseTransition.at, years, _end, _distinct("case_id")), years)


def mediation_sessions(years: list[int]) -> dict[int, float]:
    """调解场次: cases that reached ``mediated`` in the year."""
    return {y: float(n) for y, n in _reached("mediated", years).items()}


def determination_opinions(years: list[int]) -> dict[int, float]:
    """判定咨询意见书: determination cases resolved (or, failing that, closed) for the first time in the
    year."""
    first_done = func.min(CaseTransition.at)
    done = (
        select(CaseTransition.case_id)
        .join(Case, _same_case)
        .where(Case.case_type == "determination", CaseTransition.to_status.in_(("resolved", "closed")))
        .group_by(CaseTransition.case_id)
        .having(first_done >= year_bounds(min(years))[0], first_done < _end(max(years)))
    )
    return {y: float(n) for y, n in per_year(count_by_year(done, first_done, years, _end), years).items()}


def assistance_enterprises(years: list[int]) -> dict[int, float]:
    """维权援助企业数: distinct enterprises with an assistance case accepted in the year."""
    stmt = select(Case.enterprise_id).where(Case.case_type == "assistance", Case.accepted_at.is_not(None),
                                            _in_years(Case.accepted_at, years))
    counts = count_by_year(stmt, Case.accepted_at, years, _end, _distinct("enterprise_id"))
    return {y: float(n) for y, n in per_year(counts, years).items()}


def case_closure_rate(years: list[int]) -> dict[int, float | None]:
    """结案率 (%): of the cases submitted by the end of the year and not withdrawn, those closed by then.

    One grouped query: the cases by the year they were submitted in and the year they were both submitted
    and closed by (the later of the two instants), summed up to each year."""
    done = case((Case.closed_at > Case.submitted_at, Case.closed_at), else_=Case.submitted_at)
    closed = case((Case.closed_at.is_(None), None), else_=year_of(done, years, _end))
    inner = select(year_of(Case.submitted_at, years, _end).label("submitted"), closed.label("closed")).where(
        Case.submitted_at < _end(max(years)), Case.status != "withdrawn").subquery()
    rows = db.session.execute(select(inner.c.submitted, inner.c.closed, func.count())
                              .group_by(inner.c.submitted, inner.c.closed)).all()
    out: dict[int, float | None] = {}
    for y in years:
        total = sum(n for submitted, _closed, n in rows if submitted is not None and submitted <= y)
        closed = sum(n for _submitted, closed, n in rows if closed is not None and closed <= y)
        out[y] = round(100.0 * closed / total, 1) if total else None
    return out


def cases_closed(years: list[int]) -> dict[int, float]:
    """结案数: cases closed in the year."""
    stmt = select(Case.id).where(Case.closed_at.is_not(None), _in_years(Case.closed_at, years))
    return {y: float(n) for y, n in per_year(count_by_year(stmt, Case.closed_at, years, _end), years).items()}


def median_days_to_close(years: list[int]) -> dict[int, float | None]:
    """平均结案周期 (median, calendar days from submission to closing) of the cases closed in the year."""
    rows = db.session.execute(select(Case.closed_at, Case.submitted_at).where(
        Case.closed_at.is_not(None), _in_years(Case.closed_at, years))).all()
    by_year = _by_year(years, ((closed, (submitted, closed)) for closed, submitted in rows))
    return {y: float(statistics.median(days_to_close(s, c) for s, c in pairs)) if pairs else None
            for y, pairs in by_year.items()}


# What the case kind declares (``FilingKind.metrics``): the names ``kpis*.toml`` may use.
METRICS = {"pre_exam_filing_entities": pre_exam_filing_entities, "mediation_sessions": mediation_sessions,
           "determination_opinions": determination_opinions, "assistance_enterprises": assistance_enterprises,
           "case_closure_rate": case_closure_rate, "cases_closed": cases_closed,
           "median_days_to_close": median_days_to_close}
