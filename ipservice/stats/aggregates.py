"""How the statistics read across tenants: the one module that does, and it returns counts only.

- PostgreSQL: SECURITY DEFINER functions owned by the schema owner (migration 0008) return counts per tenant;
  the app role cannot read another tenant's rows by any setting (``core.tenancy.rls_statements``).
- SQLite (no roles, no row-level security): the ORM's explicit ``cross_tenant`` mode, the same aggregates.

Each function answers for every tenant at once: ``{tenant_id: …}``.
"""
from __future__ import annotations

import statistics

from sqlalchemy import func, select, text

from ipservice.core.tenancy import cross_tenant
from ipservice.core.types import CHINA
from ipservice.extensions import db


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def status_counts(model) -> dict[str, dict[str, int]]:
    """Filings of ``model`` (any filing kind) by tenant and current status."""
    if _postgres():
        rows = db.session.execute(text("SELECT tenant_id, status, n "
                                       "FROM ipservice_status_counts(CAST(:t AS regclass))"),
                                  {"t": model.__tablename__}).all()
    else:
        with cross_tenant("statistics: filings by tenant and status"):
            rows = db.session.execute(select(model.tenant_id, model.status, func.count())
                                      .group_by(model.tenant_id, model.status)).all()
    out: dict[str, dict[str, int]] = {}
    for tenant_id, status, n in rows:
        out.setdefault(tenant_id, {})[status] = int(n)
    return out


def case_counts(model) -> dict[str, dict[tuple[str, str], int]]:
    """Cases by tenant and (case type, status)."""
    if _postgres():
        rows = db.session.execute(
            text("SELECT tenant_id, case_type, status, n FROM ipservice_case_counts()")).all()
    else:
        with cross_tenant("statistics: cases by tenant, type and status"):
            rows = db.session.execute(select(model.tenant_id, model.case_type, model.status, func.count())
                                      .group_by(model.tenant_id, model.case_type, model.status)).all()
    out: dict[str, dict[tuple[str, str], int]] = {}
    for tenant_id, case_type, status, n in rows:
        out.setdefault(tenant_id, {})[(case_type, status)] = int(n)
    return out


def median_days_to_close(model) -> dict[str, float]:
    """Median calendar days from submission to closing (dates in China) of each tenant's closed cases."""
    if _postgres():
        rows = db.session.execute(text(
            "SELECT tenant_id, median_days FROM ipservice_case_median_days_to_close()")).all()
        return {tenant_id: float(days) for tenant_id, days in rows}
    with cross_tenant("statistics: days to close"):
        rows = db.session.execute(select(model.tenant_id, model.submitted_at, model.closed_at).where(
            model.status == "closed", model.closed_at.is_not(None))).all()
    days: dict[str, list[int]] = {}
    for tenant_id, submitted, closed in rows:
        days.setdefault(tenant_id, []).append(
            (closed.astimezone(CHINA).date() - submitted.astimezone(CHINA).date()).days)
    return {tenant_id: float(statistics.median(values)) for tenant_id, values in days.items()}
