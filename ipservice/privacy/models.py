"""Erasure requests and the privacy notice versions a user accepted (tenant-owned)."""
from __future__ import annotations

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.labels import APPROVED, REJECTED, SUBMITTED
from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

STATUS_LABELS = {"submitted": SUBMITTED, "approved": APPROVED, "rejected": REJECTED}
STATUSES = tuple(STATUS_LABELS)


class ErasureRequest(TenantScoped, db.Model):
    """删除请求 (PIPL art. 47): the person asks, the tenant's bureau decides by ``due_on``."""

    __tablename__ = "erasure_requests"
    user_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="submitted")
    # the user's id while the request is open, NULL once decided: one open request per person, held by the
    # unique constraint (NULLs never collide), so two requests at once leave one
    open_for: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_on: Mapped[object] = mapped_column(Date, nullable=False)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # what retention rules keep of the person (``privacy.retention.held_for``): as foreseen when asked, as
    # kept when decided — an approval carries out the rest, a rejection is allowed only when it is not empty
    held: Mapped[list | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("tenant_id", "open_for", name="uq_erasure_requests_open"),)


class PrivacyConsent(TenantScoped, db.Model):
    """The version of the tenant's privacy notice a user accepted, and when (one row per version)."""

    __tablename__ = "privacy_consents"
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    accepted_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "version"),)
