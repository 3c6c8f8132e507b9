"""A page import (导入) and its report rows, tenant-owned. The file lies in the upload folder
(``UPLOAD_DIR/<tenant>/imports/<id>.xlsx``); the row says who brought it, of which kind, how far the job
has come and what it found. The report rows of a chunk are written in the chunk's own transaction, with the
progress: a job that starts again after a worker died goes on after the last chunk that was committed."""
from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

STATUSES = ("queued", "running", "done", "failed")


class PageImport(TenantScoped, db.Model):
    __tablename__ = "imports"
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)  # the bureau official who uploaded it
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # a filing kind's name
    filename: Mapped[str] = mapped_column(String(255), nullable=False)  # as uploaded
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")  # the report's language
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    rows: Mapped[int | None] = mapped_column(Integer)  # data rows: estimated at upload, counted by the job
    processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ok: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # spreadsheet row of the last chunk
    last_row: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(Text)  # why it failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_until: Mapped[object | None] = mapped_column(UTCDateTime)  # a running job holds it until then
    created_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: Mapped[object | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[object | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_imports_created", "tenant_id", "created_at"),
                      Index("ix_imports_status", "tenant_id", "status"))


class ImportRow(TenantScoped, db.Model):
    """One row of an import's report: its spreadsheet row, result, why skipped, its errors by column."""

    __tablename__ = "import_rows"
    import_id: Mapped[str] = mapped_column(String(36), nullable=False)
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    result: Mapped[str] = mapped_column(String(10), nullable=False)  # ok, skipped, error
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    errors: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [[column label, message]]

    __table_args__ = (UniqueConstraint("tenant_id", "import_id", "row", name="uq_import_rows_row"),)
