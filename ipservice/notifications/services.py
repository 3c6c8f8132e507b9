"""The inbox: a user's own notifications only (another user's is not found), and the user's settings."""
from __future__ import annotations

from sqlalchemy import func, select, update

from flask_babel import gettext as _

from ipservice.core.errors import error
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.notifications.events import LINK_EVENTS  # the mailbox's only: a link is not news in the inbox
from ipservice.notifications.models import CLASSES, NEW_FILING_MODES, Notification, NotificationSettings


def inbox(user, unread_only: bool = False, limit: int | None = 200) -> list[Notification]:
    """The user's notifications, newest first (``limit=None``: all of them); not the rows that only carry a
    reset or verification link to the mailbox."""
    q = select(Notification).where(Notification.user_id == user.id, Notification.event.not_in(LINK_EVENTS))
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return list(db.session.scalars(q.order_by(Notification.created_at.desc(),
                                              Notification.id.desc()).limit(limit)))


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None),
        Notification.event.not_in(LINK_EVENTS))) or 0


def mark_read(user, note_id: str) -> Notification:
    """Mark one of the user's notifications read (once: a second time keeps the first time); 404 otherwise."""
    db.session.execute(update(Notification).where(
        Notification.id == note_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    note = db.session.scalar(select(Notification).where(Notification.id == note_id,
                                                        Notification.user_id == user.id))
    if note is None:
        error(404)
    db.session.refresh(note)
    return note


def settings(user) -> NotificationSettings:
    """The user's settings (the defaults, not stored, when none were saved)."""
    found = db.session.get(NotificationSettings, user.id)
    return found or NotificationSettings(user_id=user.id, tenant_id=user.tenant_id, language="zh",
                                         email_off=[], new_filings="each")


def save_settings(user, language: str, email_on: list[str], new_filings: str) -> NotificationSettings:
    if (language not in ("zh", "en") or new_filings not in NEW_FILING_MODES
            or any(c not in CLASSES for c in email_on)):
        error(422, _("通知设置的取值无效。"))
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id, tenant_id=user.tenant_id)
        db.session.add(row)
    row.language, row.new_filings = language, new_filings
    row.email_off = [c for c in CLASSES if c not in email_on]
    db.session.flush()
    return row
