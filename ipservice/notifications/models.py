"""站内信 — a notification belongs to its recipient (a user), not to a tenant: a cross-district
administrator has none. It keeps the event (``event`` + ``params``), never a rendered text, so that it reads
in the reader's language; and the e-mail's fate (``emailed_at``, attempts, the last error) so that it is
sent once."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.ids import new_id
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

# The classes of events a user can switch e-mail off for (settings page).
CLASSES = ("decision", "progress", "new_filing", "account", "digest")  # progress: of a case
NEW_FILING_MODES = ("each", "daily")


class Notification(db.Model):
    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    # the tenant the event happened in (null: a cross-district administrator's account event)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    event_class: Mapped[str] = mapped_column(String(20), nullable=False)  # one of CLASSES
    event: Mapped[str] = mapped_column(String(64), nullable=False)  # the audit action, e.g. "case.accepted"
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # e-mail: wanted when the user had it on for the class at the time of the event
    email_wanted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    emailed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    email_error: Mapped[str | None] = mapped_column(Text)
    # a worker that took the e-mail holds it until then; after that (it died) another takes it again
    email_lease_until: Mapped[object | None] = mapped_column(UTCDateTime)
    email_next_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # one per recipient and key: a daily digest ("digest:2026-12-07") is written once however often it runs
    dedupe_key: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_email_due", "email_wanted", "emailed_at"),
    )


class NotificationSettings(db.Model):
    """A user's choices; no row: the defaults (every e-mail on, new filings one by one, Chinese)."""

    __tablename__ = "notification_settings"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")
    email_off: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # classes mailed no more
    new_filings: Mapped[str] = mapped_column(String(10), nullable=False, default="each")
