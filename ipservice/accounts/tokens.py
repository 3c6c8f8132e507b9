"""API tokens: issued for e-mail and password (the API) or from a page session (the account page), listed
and revoked one by one by their owner. Only a token's SHA-256 is stored; its value is shown once.

A token issued from a page belongs to that login session (``session_id``): page logout ends every page
session of the user (``services.end_sessions``) and with them every token they issued. A token issued for
e-mail and password is a login of its own: it ends when it expires, when it is revoked, or with a password
or role change.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, g, has_request_context
from sqlalchemy import delete, select

from ipservice.accounts.models import ApiToken, Enterprise, User
from ipservice.core.errors import error
from ipservice.core.tenancy import current_tenant_id
from ipservice.core.types import utcnow
from ipservice.extensions import db

# The key in the Flask session that names the login session (set at login, see services.start_session).
SESSION_ID_KEY = "login_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, session_id: str | None = None) -> tuple[str, dt.datetime]:
    """A new token of ``user``; ``session_id``: the page session that asked for it."""
    from ipservice.accounts.services import audit_auth

    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    row = ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=expires_at, session_id=session_id)
    db.session.add(row)
    db.session.flush()
    detail = {"token_id": row.id, "expires_at": expires_at.isoformat()}
    audit_auth("token.issued", user, user.email, {**detail, "via": "page"} if session_id else detail)
    return token, expires_at


def user_from_token(token: str) -> User | None:
    """The active user of an unexpired token — one query, which in a tenant's request also brings the
    organization an enterprise user files for (``enterprise_of`` then asks nothing more). The token's id
    is kept in ``g.api_token_id`` (the token this request presented: ``DELETE /api/v1/auth/token``)."""
    stmt = select(User, ApiToken.id).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == _hash(token), ApiToken.expires_at > utcnow(), User.active.is_(True))
    if current_tenant_id() is None:
        row = db.session.execute(stmt).first()
        enterprise = None
    else:
        # the tenant filter of the session puts the organization's tenant into the join's ON clause
        row = db.session.execute(stmt.add_columns(Enterprise)
                                 .outerjoin(Enterprise, Enterprise.user_id == User.id)).first()
        enterprise = row[2] if row is not None else None
    if row is None:
        return None
    user, token_id = row[0], row[1]
    if has_request_context():
        g.api_token_id = token_id
        if user.role == "enterprise" and enterprise is not None:
            g.setdefault("_enterprise_of", {})[(user.id, current_tenant_id())] = enterprise
    return user


def of_user(user: User) -> list[ApiToken]:
    """The user's unexpired tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id)))


def revoke(user: User, token_id: str | None) -> None:
    """End one of ``user``'s tokens; another user's token, or none, is 404 (nothing says it exists)."""
    from ipservice.accounts.services import audit_auth

    deleted = db.session.execute(delete(ApiToken).where(ApiToken.id == (token_id or ""),
                                                        ApiToken.user_id == user.id)).rowcount
    if not deleted:
        error(404)
    audit_auth("token.revoked", user, user.email, {"token_id": token_id})


def end_page_tokens(user: User) -> None:
    """Page logout: the tokens issued from the user's page sessions end with those sessions."""
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.session_id.is_not(None)))


def end_all(user: User) -> None:
    """A password or role change: whoever held a token must sign in again."""
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
