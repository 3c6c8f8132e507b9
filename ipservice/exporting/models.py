"""An export built in the background (大批量导出任务)."""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

STATUSES = ("queued", "running", "done", "failed")


class ExportJob(TenantScoped, db.Model):
    __tablename__ = "export_jobs"
    user_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # the filing kind's name
    fmt: Mapped[str] = mapped_column(String(8), nullable=False)  # xlsx | csv
    query: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # the list's filters as asked
    language: Mapped[str] = mapped_column(String(16), nullable=False)  # the file's language (the asker's)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[object | None] = mapped_column(UTCDateTime)
