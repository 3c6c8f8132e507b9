"""Computed KPIs from the case records (``kpis*.toml`` names them in ``metric = "…"``).

Years are calendar years in China time. Each function runs in the tenant's context.
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


def _in_year(column, year: int):
    start, end = year_bounds(year)
    return and_(column >= start, column < end)


@metric("pre_exam_filing_entities")
def pre_exam_filing_entities(year: int) -> float:
    """专利预审备案主体: distinct entities whose 预审备案 was accepted by the end of ``year`` (cumulative),
    and is still in force (not withdrawn since)."""
    _start, end = year_bounds(year)
    return float(db.session.scalar(select(func.count(func.distinct(Case.enterprise_id))).where(
        Case.case_type == "pre_exam_filing", Case.accepted_at.is_not(None), Case.accepted_at < end,
        Case.status.in_(ACCEPTED_STATES))) or 0)


def _reached(status: str, year: int, case_type: str | None = None):
    stmt = select(func.count(func.distinct(CaseTransition.case_id))).where(
        CaseTransition.to_status == status, _in_year(CaseTransition.at, year))
    if case_type:
        stmt = stmt.join(Case, _same_case).where(Case.case_type == case_type)
    return db.session.scalar(stmt) or 0


@metric("mediation_sessions")
def mediation_sessions(year: int) -> float:
    """调解场次: cases that reached ``mediated`` in ``year``."""
    return float(_reached("mediated", year))


@metric("determination_opinions")
def determination_opinions(year: int) -> float:
    """判定咨询意见书: determination cases resolved (or, failing that, closed) for the first time in ``year``."""
    start, end = year_bounds(year)
    first_done = func.min(CaseTransition.at)
    done = (
        select(CaseTransition.case_id)
        .join(Case, _same_case)
        .where(Case.case_type == "determination", CaseTransition.to_status.in_(("resolved", "closed")))
        .group_by(CaseTransition.case_id)
        .having(first_done >= start, first_done < end)
        .subquery()
    )
    return float(db.session.scalar(select(func.count()).select_from(done)) or 0)


@metric("assistance_enterprises")
def assistance_enterprises(year: int) -> float:
    """维权援助企业数: distinct enterprises with an assistance case accepted in ``year``."""
    return float(db.session.scalar(select(func.count(func.distinct(Case.enterprise_id))).where(
        Case.case_type == "assistance", Case.accepted_at.is_not(None),
        _in_year(Case.accepted_at, year))) or 0)


@metric("case_closure_rate")
def case_closure_rate(year: int) -> float | None:
    """结案率 (%): of the cases submitted by the end of ``year`` and not withdrawn, those closed by then."""
    _start, end = year_bounds(year)
    base = [Case.submitted_at < end, Case.status != "withdrawn"]
    total = db.session.scalar(select(func.count(Case.id)).where(*base)) or 0
    if not total:
        return None
    closed = db.session.scalar(select(func.count(Case.id)).where(
        *base, Case.closed_at.is_not(None), Case.closed_at < end)) or 0
    return round(100.0 * closed / total, 1)


@metric("cases_closed")
def cases_closed(year: int) -> float:
    """结案数: cases closed in ``year``."""
    return float(db.session.scalar(select(func.count(Case.id)).where(
        Case.closed_at.is_not(None), _in_year(Case.closed_at, year))) or 0)


@metric("median_days_to_close")
def median_days_to_close(year: int) -> float | None:
    """平均结案周期 (median, calendar days from submission to closing) of the cases closed in ``year``."""
    rows = db.session.execute(select(Case.submitted_at, Case.closed_at).where(
        Case.closed_at.is_not(None), _in_year(Case.closed_at, year))).all()
    if not rows:
        return None
    return float(statistics.median(days_to_close(s, c) for s, c in rows))
