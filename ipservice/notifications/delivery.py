"""Jobs that deliver notifications: the e-mail of one notification, the sweep that queues again what a lost
job left undone, and the bureau's daily digest.

An e-mail is sent once: a worker first takes it with a conditional UPDATE (a lease, committed), then sends,
then records ``emailed_at``. Two jobs for one notification: one takes it, the other finds nothing to do. A
worker killed after taking it: the lease runs out and the sweep queues it again. The SMTP server down: the
error and the next try (back-off doubling per attempt, at most an hour) are recorded, nothing is lost.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging

from flask import current_app, render_template
from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ipservice.core import jobs, mail
from ipservice.core.tenancy import signed_in_as, tenant_context
from ipservice.core.transaction import savepoint, unit_of_work
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.notifications import texts
from ipservice.notifications.events import SERVICE_WIDE, bureau_users
from ipservice.notifications.models import Notification, NotificationSettings

log = logging.getLogger(__name__)
MAX_BACKOFF = 3600


@contextlib.contextmanager
def as_recipient(user_id: str, tenant_id: str | None):
    """The job's transaction sees the recipient's rows (row-level security: ``app.user_id``)."""
    with tenant_context(tenant_id or SERVICE_WIDE):
        signed_in_as(user_id)
        try:
            yield
        finally:
            signed_in_as(None)


def email_job(note_id: str, user_id: str, tenant_id: str | None) -> None:
    if not mail.configured():
        return
    with as_recipient(user_id, tenant_id):
        with unit_of_work():
            taken = _may_mail(note_id) and _take(note_id)
        if not taken:
            return
        with unit_of_work():
            note = db.session.get(Notification, note_id)
            msg = _message(note)
        try:
            mail.send(msg)
        except mail.MailError as exc:
            log.warning("e-mail of notification %s not sent (attempt %s): %s", note_id, taken, exc)
            _record_failure(note_id, taken, str(exc))
            return
        with unit_of_work():
            db.session.execute(update(Notification).where(Notification.id == note_id).values(
                emailed_at=utcnow(), email_lease_until=None, email_error=None))


def _may_mail(note_id: str) -> bool:
    """An unverified address gets no e-mail but its verification (or reset) link: any other notification
    stays in the inbox, its e-mail given up (not sent later: by then it is old news). A verification mail
    whose address was verified meanwhile is not sent either."""
    from ipservice.accounts.models import User
    from ipservice.accounts.recovery import ADDRESS_MAILS, VERIFICATION_SENT

    note = db.session.get(Notification, note_id)
    if note is None:
        return False
    user = db.session.get(User, note.user_id)
    verified = user is not None and user.email_verified_at is not None
    if note.event == VERIFICATION_SENT and verified:
        reason = "address verified already"  # nothing left to prove
    elif verified or (user is not None and note.event in ADDRESS_MAILS):
        return True
    else:
        reason = "address not verified"
    db.session.execute(update(Notification)
                       .where(Notification.id == note_id, Notification.emailed_at.is_(None))
                       .values(email_wanted=False, email_error=reason))
    return False


def _take(note_id: str) -> int:
    """Take the notification's e-mail for this worker: its attempt number, or 0 (sent, or another has it)."""
    now = utcnow()
    lease = now + dt.timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    n = Notification
    result = db.session.execute(
        update(n).where(n.id == note_id, n.email_wanted.is_(True), n.emailed_at.is_(None),
                        or_(n.email_lease_until.is_(None), n.email_lease_until < now),
                        or_(n.email_next_at.is_(None), n.email_next_at <= now))
        .values(email_lease_until=lease, email_attempts=n.email_attempts + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return 0
    return db.session.scalar(select(n.email_attempts).where(n.id == note_id))


def _record_failure(note_id: str, attempt: int, error: str) -> None:
    delay = min(current_app.config["MAIL_RETRY_SECONDS"] * 2 ** (attempt - 1), MAX_BACKOFF)
    with unit_of_work():
        db.session.execute(update(Notification).where(Notification.id == note_id).values(
            email_error=error, email_lease_until=None, email_next_at=utcnow() + dt.timedelta(seconds=delay)))


def _message(note):
    from ipservice.accounts.models import User

    user = db.session.get(User, note.user_id)
    prefs = db.session.get(NotificationSettings, note.user_id)
    # the user's settings, else the language of the request that asked for the mail (a reset link)
    chosen = prefs.language if prefs is not None else (note.params or {}).get("lang")
    with mail.rendering(chosen):
        title, body, link = texts.title(note), texts.body(note), texts.mail_link(note)
        plain = "\n\n".join(part for part in (title, body, link) if part)
        html = render_template("notifications/email.html", title=title, body=body, link=link)
    return mail.message(user.email, title, plain, html)


def sweep_job() -> None:
    """Queue the e-mail of every notification that waits and is not held by a worker (its job was lost:
    the store was down, a worker died, the SMTP server was down and the back-off has run out)."""
    if not mail.configured():
        return
    for note_id, user_id, tenant_id in _waiting(utcnow()):
        jobs.enqueue_now("notifications.email", note_id, user_id, tenant_id)


def _waiting(now) -> list[tuple]:
    """(id, user, tenant) of e-mails due; on PostgreSQL through a SECURITY DEFINER function that returns
    only these columns (the app role sees no one's notifications without a user in context)."""
    if db.engine.dialect.name == "postgresql":
        with unit_of_work():
            return [tuple(r) for r in db.session.execute(
                text("SELECT id, user_id, tenant_id FROM ipservice_notifications_due(:now)"), {"now": now})]
    n = Notification
    with unit_of_work():
        return [tuple(r) for r in db.session.execute(select(n.id, n.user_id, n.tenant_id).where(
            n.email_wanted.is_(True), n.emailed_at.is_(None),
            or_(n.email_lease_until.is_(None), n.email_lease_until < now),
            or_(n.email_next_at.is_(None), n.email_next_at <= now)).limit(1000))]


def digest_job(on: str | None = None) -> None:
    """Each bureau user's daily digest (overdue, due within 3 working days, waiting), once per day."""
    from ipservice.tenants import registry
    from ipservice.worklist import services as worklist

    day = dt.date.fromisoformat(on) if on else worklist.today()
    for tenant in registry.all():
        with tenant_context(tenant.slug), unit_of_work():
            board = worklist.dashboard(tenant, day)
            params = {"overdue": len(board["overdue"]), "due_soon": len(board["due_soon"]),
                      "waiting": sum(board["pending"].values()), "day": day.isoformat(),
                      "items": [{"kind": i["kind"], "number": i["number"], "due": i["due"].isoformat()}
                                for i in (board["overdue"] + board["due_soon"])[:50]]}
            if not (params["overdue"] or params["due_soon"] or params["waiting"]):
                continue
            for user_id in bureau_users(tenant.slug):
                _digest_for(user_id, tenant.slug, params, day)


def _digest_for(user_id: str, tenant_id: str, params: dict, day: dt.date) -> None:
    prefs = db.session.get(NotificationSettings, user_id)
    wanted = mail.configured() and not (prefs is not None and "digest" in (prefs.email_off or []))
    note = Notification(user_id=user_id, tenant_id=tenant_id, event_class="digest", event="digest.daily",
                        params=params, email_wanted=wanted, dedupe_key=f"digest:{day.isoformat()}")
    try:
        with savepoint():  # the unique (user, key) decides: a digest run twice writes once
            db.session.add(note)
    except IntegrityError:
        return
    if wanted:
        jobs.enqueue("notifications.email", note.id, user_id, tenant_id)
