"""The outbox: an audit event that someone must hear of becomes notification rows **in the same
transaction** (``core.hooks.audited``) — one place for every filing kind (through the registry), every
case move, every subsidy grant and the account events, never once per kind.

Who hears of what:
- ``<kind>.submitted`` → the tenant's bureau users who chose "each" new filing (the others read it in their
  daily digest);
- any other status of a filing kind (approved, rejected, a case's move…) and a subsidy's ``granted`` → the
  filing's organization's user, unless that user made the change (a withdrawal);
- ``user.password_changed`` (the API tokens end with it) and ``user.role_changed`` → the account's user;
- ``user.password_reset_requested`` and ``user.verification_sent`` → the account's user, mailed always
  (the link derived by the mail job: ``accounts.recovery``); rows for the mailbox only, not in the inbox.

Several events of one object in one transaction (a subsidy approved, then granted) make one notification:
the last event wins and the parameters are merged.
"""
from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ipservice.core import filing, jobs, mail
from ipservice.core.tenancy import current_tenant_id
from ipservice.extensions import db
from ipservice.notifications.models import Notification, NotificationSettings

PENDING = "ipservice.notifications.pending"
SERVICE_WIDE = "*"  # the audit trail's pseudo-tenant of events of no tenant (accounts.services)
ACCOUNT_EVENTS = ("user.password_changed", "user.role_changed")
# A password-reset or verification link: mailed whatever the user's settings (it is what was asked for).
LINK_EVENTS = ("user.password_reset_requested", "user.verification_sent")
EXTRA_DECISIONS = ("granted",)  # events of a filing kind that are not statuses but decide something


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(PENDING, None)


def on_audit(event) -> None:
    """``core.hooks.audited``: the notifications an audit event asks for."""
    _action, _sep, what = event.action.rpartition(".")
    # the event's tenant is stamped when it is flushed: the current one (the trail's pseudo-tenant: none)
    tenant_id = event.tenant_id or current_tenant_id()
    tenant_id = None if tenant_id == SERVICE_WIDE else tenant_id
    if event.action in ACCOUNT_EVENTS:
        notify([event.object_id], "account", event.action, {"detail": _safe(event.detail)}, tenant_id)
        return
    if event.action in LINK_EVENTS:  # the link is derived when mailed, never stored (accounts.recovery)
        detail = event.detail or {}
        params = {k: detail.get(k) for k in ("link_id", "purpose", "lang", "expires_at")}
        notify([event.object_id], "account", event.action, params, tenant_id, mail_only=True)
        return
    kind = _kind_of(event.object_type)
    if kind is None or not event.object_id or tenant_id is None:
        return
    params = {"kind": kind.name, "id": event.object_id, "status": what,
              **_filing_params(kind, event, tenant_id)}
    if what == "submitted":
        if event.actor_role == "bureau":  # entered by the bureau itself (an import): nothing new to it
            return
        bureau = _bureau_settings(tenant_id)
        notify(bureau, "new_filing", event.action, params, tenant_id, each_only=True, settings=bureau)
    elif what in kind.statuses or what in EXTRA_DECISIONS:
        recipients = [u for u in _organization_users(kind, event.object_id) if u != event.actor_id]
        klass = "progress" if kind.due_attr else "decision"  # a case moves through states: its progress
        notify(recipients, klass, event.action, params, tenant_id)


def _safe(detail: dict) -> dict:
    return {k: v for k, v in (detail or {}).items() if k in ("from", "to")}


def _kind_of(object_type: str):
    return next((k for k in filing.kinds() if k.object_type == object_type), None)


def _filing_params(kind, event, tenant_id: str) -> dict:
    detail = event.detail or {}
    out = {k: detail[k] for k in ("reason", "note", "amount_cny", "number") if detail.get(k) is not None}
    if kind.number_attr and "number" not in out:
        filing_row = db.session.get(kind.model, (tenant_id, event.object_id))  # loaded already: no query
        if filing_row is not None:
            out["number"] = getattr(filing_row, kind.number_attr)
    return out


def bureau_users(tenant_id: str) -> list[str]:
    return list(_bureau_settings(tenant_id))


def _bureau_settings(tenant_id: str) -> dict[str, NotificationSettings | None]:
    """``{bureau user id: their settings or None}``: the recipients of a new filing and their choices in one
    query (a submission's own round trips are its cost on PostgreSQL)."""
    from ipservice.accounts.models import User

    return dict(db.session.execute(
        select(User.id, NotificationSettings).outerjoin(NotificationSettings,
                                                        NotificationSettings.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.role == "bureau", User.active.is_(True))).all())


def _organization_users(kind, filing_id: str) -> list[str]:
    from ipservice.accounts.models import Enterprise

    row = db.session.scalar(select(kind.model.enterprise_id).where(kind.model.id == filing_id))
    if row is None:
        return []
    user_id = db.session.scalar(select(Enterprise.user_id).where(Enterprise.id == row))
    return [user_id] if user_id else []


def notify(user_ids, event_class: str, event: str, params: dict, tenant_id: str | None,
           each_only: bool = False, mail_only: bool = False,
           settings: dict[str, NotificationSettings | None] | None = None) -> list[Notification]:
    """Add a notification for each user (in the current transaction); its e-mail is queued after commit.
    ``each_only``: skip users who read this class in their daily digest; ``mail_only``: a message for the
    mailbox (a link): mailed whatever the user turned off, never shown in the inbox (``services.inbox``);
    ``settings``: the users' settings when the caller read them already."""
    pending = db.session().info.setdefault(PENDING, {})
    made = []
    ids = list(dict.fromkeys(u for u in user_ids if u))
    if not ids:
        return made
    all_prefs = settings if settings is not None else {s.user_id: s for s in db.session.scalars(
        select(NotificationSettings).where(NotificationSettings.user_id.in_(ids)))}  # one query for all
    for user_id in ids:
        prefs = all_prefs.get(user_id)
        if each_only and _reads_new_filings_daily(prefs):
            continue
        key = (user_id, params.get("kind"), params.get("id") or event)
        if _merged_into_earlier(pending.get(key), event, params):
            continue
        note = Notification(user_id=user_id, tenant_id=tenant_id, event_class=event_class, event=event,
                            params=params, email_wanted=_email_wanted(prefs, event_class, mail_only))
        db.session.add(note)
        pending[key] = note
        made.append(note)
    if made:
        db.session.flush()
        for note in made:
            if note.email_wanted:
                jobs.enqueue("notifications.email", note.id, note.user_id, note.tenant_id)
    return made


def _reads_new_filings_daily(prefs: NotificationSettings | None) -> bool:
    return prefs is not None and prefs.new_filings == "daily"


def _merged_into_earlier(earlier: Notification | None, event: str, params: dict) -> bool:
    """The same object again in this transaction: its notification says the latest event, not a second."""
    if earlier is None or earlier not in db.session:
        return False
    earlier.event, earlier.params = event, {**earlier.params, **params}
    return True


def _email_wanted(prefs: NotificationSettings | None, event_class: str, mail_only: bool = False) -> bool:
    """E-mail for this class, unless turned off; a ``mail_only`` message (a link to click) always."""
    turned_off = prefs is not None and event_class in (prefs.email_off or [])
    return mail.configured() and (mail_only or not turned_off)
