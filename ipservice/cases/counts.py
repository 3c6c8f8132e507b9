"""The counts of the cases ``GET /api/v1/stats`` reports: per tenant (by type and status, the closure rate,
the median days to close), their totals over tenants, and all tenants at once."""
from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import func, select

from ipservice.cases.models import Case
from ipservice.extensions import db


def days_to_close(case_submitted_at: dt.datetime, closed_at: dt.datetime) -> int:
    """Calendar days from submission to closing, by the dates in China."""
    from ipservice.cases.services import china_date  # (it re-exports the counts)

    return (china_date(closed_at) - china_date(case_submitted_at)).days


def stats() -> dict:
    """The current tenant's case counts, as ``GET /api/v1/stats`` reports them per tenant.

    ``closure_rate`` = closed ÷ all cases not withdrawn (null when there are none);
    ``median_days_to_close`` over every closed case (calendar days, null when none).
    """
    def counts(column) -> dict:
        return dict(db.session.execute(select(column, func.count(Case.id)).group_by(column)).all())

    by_type, by_status = counts(Case.case_type), counts(Case.status)
    total = sum(by_status.values())
    not_withdrawn = total - by_status.get("withdrawn", 0)
    closed = by_status.get("closed", 0)
    closed_cases = select(Case.submitted_at, Case.closed_at).where(
        Case.status == "closed", Case.closed_at.is_not(None))
    durations = [days_to_close(s, c) for s, c in db.session.execute(closed_cases)]
    return {
        "total": total,
        "by_type": {k: int(v) for k, v in by_type.items()},
        "by_status": {k: int(v) for k, v in by_status.items()},
        "closure_rate": round(closed / not_withdrawn, 4) if not_withdrawn else None,
        "median_days_to_close": float(statistics.median(durations)) if durations else None,
    }


def stats_totals(per_tenant: list[dict]) -> dict:
    """The cases of several tenants together, as ``GET /api/v1/stats`` totals them."""
    by_type, by_status = {}, {}
    for t in per_tenant:
        for k, v in t["by_type"].items():
            by_type[k] = by_type.get(k, 0) + v
        for k, v in t["by_status"].items():
            by_status[k] = by_status.get(k, 0) + v
    not_withdrawn = sum(v for k, v in by_status.items() if k != "withdrawn")
    return {"total": sum(t["total"] for t in per_tenant), "by_type": by_type, "by_status": by_status,
            "closure_rate": round(by_status.get("closed", 0) / not_withdrawn, 4) if not_withdrawn else None}


def stats_by_tenant(aggregates, slugs: list[str]) -> dict[str, dict]:
    """``stats()`` of every tenant at once, from the statistics' cross-tenant aggregates (counts only)."""
    by_pair, medians = aggregates.case_counts(Case), aggregates.median_days_to_close(Case)
    out = {}
    for slug in slugs:
        by_type, by_status = {}, {}
        for (case_type, status), n in by_pair.get(slug, {}).items():
            by_type[case_type] = by_type.get(case_type, 0) + n
            by_status[status] = by_status.get(status, 0) + n
        total = sum(by_status.values())
        not_withdrawn = total - by_status.get("withdrawn", 0)
        out[slug] = {"total": total, "by_type": by_type, "by_status": by_status,
                     "closure_rate": round(by_status.get("closed", 0) / not_withdrawn,
                                           4) if not_withdrawn else None,
                     "median_days_to_close": medians.get(slug)}
    return out
