"""Password recovery and e-mail verification: single-use links mailed to an account's address.

- A link's token is ``HMAC(SECRET_KEY, link id)``: only its SHA-256 is stored (``account_links``), so the
  table alone opens nothing, and the mail job derives the token again from the row's id (the token is never
  written to the database or the job queue, and a mail sent again carries the same link).
- Single use is held by the database: spending a link is one conditional UPDATE (``used_at IS NULL`` and not
  expired); two confirmations of one link at once: one spends it, the other finds nothing (400). On
  PostgreSQL that UPDATE is the SECURITY DEFINER ``ipservice_auth_use_link`` (the link comes before any user
  is known, and row-level security shows the app role no one's links).
- A reset request answers the same whether the address has an account or not: the mail is a job (no SMTP
  time in the answer), and only an active account with a usable password gets a link.
- The mail goes through the notifications' outbox (an audit event → a notification → the e-mail job), in the
  user's language: that of the user's settings, else the language of the request that asked for it. These
  two are the only mails an unverified address receives (``ADDRESS_MAILS``): the reset link proves the
  address as the verification link does, and using either marks the address verified.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import select, text, update
from werkzeug.security import generate_password_hash

from ipservice.accounts import passwords, services, tokens
from ipservice.accounts.models import AccountLink, User
from ipservice.core.errors import error
from ipservice.core.i18n import is_english
from ipservice.core.ids import new_id
from ipservice.core.tenancy import signed_in_as
from ipservice.core.types import utcnow
from ipservice.extensions import db

RESET, VERIFY = "reset", "verify"
RESET_REQUESTED = "user.password_reset_requested"
VERIFICATION_SENT = "user.verification_sent"
ADDRESS_MAILS = (RESET_REQUESTED, VERIFICATION_SENT)  # what may be mailed to an unverified address


def requested_message() -> str:
    """What a reset request is told, known address or not (the page and the API)."""
    return _("如果该电子邮箱对应一个账户，我们已向它发送重置密码的链接（1 小时内有效，只能使用一次）。"
             "请查收邮件；没有收到时请检查垃圾邮件，或稍后再试。")


def token_of(link_id: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"account-link:{link_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def link_url(link_id: str, purpose: str) -> str:
    from flask import url_for

    endpoint = "accounts.reset_password" if purpose == RESET else "accounts.verify_email"
    return url_for(endpoint, token=token_of(link_id), _external=True)


def _language() -> str:
    return "en" if is_english() else "zh"


def _issue(user: User, purpose: str, ttl: dt.timedelta, event: str) -> AccountLink:
    """A new link of ``user`` (earlier unused links of the purpose end: the newest mail is the one that
    works), and the audit event whose notification mails it."""
    now = utcnow()
    db.session.execute(update(AccountLink)
                       .where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
                              AccountLink.used_at.is_(None)).values(used_at=now)
                       .execution_options(synchronize_session=False))
    link_id = new_id()
    link = AccountLink(id=link_id, user_id=user.id, purpose=purpose, token_hash=_hash(token_of(link_id)),
                       created_at=now, expires_at=now + ttl)
    db.session.add(link)
    db.session.flush()
    services.audit_auth(event, user, user.email, {"link_id": link.id, "purpose": purpose, "lang": _language(),
                                                  "expires_at": link.expires_at.isoformat()})
    return link


def request_reset(email: str) -> None:
    """忘记密码: a reset link to the account's address, if there is such an account; nothing otherwise (the
    caller answers the same either way)."""
    account = services.lookup_login(email)
    if account is None or not account.active or account.password_hash == services.UNUSABLE_PASSWORD:
        return
    caller = g.get("auth_user_id")  # a signed-in user may ask for another address: theirs comes back after
    signed_in_as(account.id)  # the account's rows visible (row-level security) while its link is written
    try:
        user = db.session.get(User, account.id)
        ttl = dt.timedelta(minutes=current_app.config["RESET_LINK_TTL_MINUTES"])
        _issue(user, RESET, ttl, RESET_REQUESTED)
    finally:
        signed_in_as(caller)


def send_verification(user: User) -> AccountLink:
    """Registration (or the user asking again): a link that proves the address."""
    ttl = dt.timedelta(hours=current_app.config["VERIFY_LINK_TTL_HOURS"])
    return _issue(user, VERIFY, ttl, VERIFICATION_SENT)


def _spend(token: str, purpose: str) -> User | None:
    """Use the link once (a conditional UPDATE): its active user, or None (unknown, used or expired)."""
    digest, now = _hash(token), utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        user_id = db.session.execute(text("SELECT user_id FROM ipservice_auth_use_link(:h, :p, :t)"),
                                     {"h": digest, "p": purpose, "t": now}).scalar()
        if user_id is None:
            return None
        signed_in_as(user_id, synced=True)  # the function made the account visible to this transaction
    else:
        active = select(User.id).where(User.active.is_(True))
        spent = db.session.execute(
            update(AccountLink).where(AccountLink.token_hash == digest, AccountLink.purpose == purpose,
                                      AccountLink.used_at.is_(None), AccountLink.expires_at > now,
                                      AccountLink.user_id.in_(active))
            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
        if spent != 1:
            return None
        user_id = db.session.scalar(select(AccountLink.user_id).where(AccountLink.token_hash == digest))
        signed_in_as(user_id)
    return db.session.get(User, user_id)


def _refuse_link() -> None:
    error(400, _("该链接无效、已使用或已过期。请重新申请。"), {"token": [_("该链接无效、已使用或已过期。")]})


def link_usable(token: str, purpose: str) -> bool:
    """Whether the page may show its form (the POST decides): a link not used and not expired. On PostgreSQL
    through a SECURITY DEFINER function (the app role reads no one's links before a user is known)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return bool(db.session.scalar(text("SELECT ipservice_auth_link_usable(:h, :p, :t)"),
                                      {"h": _hash(token), "p": purpose, "t": utcnow()}))
    return db.session.scalar(select(AccountLink.id).where(
        AccountLink.token_hash == _hash(token), AccountLink.purpose == purpose, AccountLink.used_at.is_(None),
        AccountLink.expires_at > utcnow())) is not None


def confirm_reset(token: str, password: str) -> User:
    """Set a new password with a reset link: 400 for a used, expired or unknown link, 422 for a password the
    policy refuses (the link stays unused: the refusal rolls back). Every session and API token ends, the
    address counts as verified (the link was mailed there)."""
    user = _spend(token, RESET)
    if user is None:
        _refuse_link()
    refused = passwords.problems(password, user.email, services.uscc_of(user))
    if refused:
        error(422, errors={"password": refused})
    user.password_hash = generate_password_hash(password)
    _mark_verified(user)
    tokens.end_all(user)
    services.end_sessions(user)
    services.audit_auth("user.password_changed", user, user.email, {"via": "reset"})
    return user


def verify(token: str) -> User:
    """The address is the user's: 400 for a used, expired or unknown link."""
    user = _spend(token, VERIFY)
    if user is None:
        _refuse_link()
    _mark_verified(user)
    return user


def _mark_verified(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
        services.audit_auth("user.email_verified", user, user.email)
