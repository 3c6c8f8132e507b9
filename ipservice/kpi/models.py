"""What the bureau records against its configured plan: reported KPI actuals and task progress."""
from __future__ import annotations

from sqlalchemy import Date, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db


class KpiActual(TenantScoped, db.Model):
    """指标实际值 — a reported indicator's value for a year, entered by the bureau."""

    __tablename__ = "kpi_actuals"
    indicator_code: Mapped[str] = mapped_column(String(80), nullable=False)
    year: Mapped[int] = mapped_column(nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    as_of: Mapped[object] = mapped_column(Date, nullable=False)
    entered_by: Mapped[str] = mapped_column(String(36), nullable=False)
    entered_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Raised by every change; a change names the version it read, so that one of two concurrent edits
    # applies and the other is told (409) instead of overwriting it silently.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (UniqueConstraint("tenant_id", "indicator_code", "year"),)


class TaskProgress(TenantScoped, db.Model):
    """任务进展 — the bureau's status and progress note for one configured task."""

    __tablename__ = "task_progress"
    task_code: Mapped[str] = mapped_column(String(80), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="not_started")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_by: Mapped[str] = mapped_column(String(36), nullable=False)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # as KpiActual.version

    __table_args__ = (UniqueConstraint("tenant_id", "task_code"),)
