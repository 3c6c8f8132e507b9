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
from sqlalchemy import String, column, delete, func, select
from sqlalchemy.orm import aliased

from ipservice.accounts.models import ApiToken, Enterprise, User
from ipservice.core.errors import error
from ipservice.core.tenancy import current_tenant_id, signed_in_as
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


# What token authentication needs of the account: every column but the password hash (deferred in the model).
# On PostgreSQL the look-up function returns exactly these: a column added to users needs the function
# re-created with it (migration 0013), which any token request in the PostgreSQL suite shows.
_ACCOUNT_COLUMNS = [c for c in User.__table__.c if c.name != "password_hash"]


def _source(digest: str):
    """The user of an unexpired token of an active user, whatever the user's tenant, and the token's id:
    ``(user entity, token id column, select)``. On PostgreSQL row-level security hides other tenants'
    accounts and tokens from the app role, and the token comes before any user is known: a SECURITY DEFINER
    function (0013) returns that one account's columns, and makes the user's own rows visible for the rest
    of the transaction (``app.user_id``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        found = func.ipservice_auth_lookup_token(digest).table_valued(
            *[column(c.name, c.type) for c in _ACCOUNT_COLUMNS], column("token_id", String)).render_derived()
        account = aliased(User, found, adapt_on_names=True)
        return account, found.c.token_id, select(account, found.c.token_id)
    return User, ApiToken.id, select(User, ApiToken.id).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == digest, ApiToken.expires_at > utcnow(), User.active.is_(True))


def user_from_token(token: str) -> User | None:
    """The active user of an unexpired token — one query, which in a tenant's request also brings the
    organization an enterprise user files for (``enterprise_of`` then asks nothing more). The token's id
    is kept in ``g.api_token_id`` (the token this request presented: ``DELETE /api/v1/auth/token``)."""
    account, token_id, stmt = _source(_hash(token))
    if current_tenant_id() is None:
        row = db.session.execute(stmt).first()
    else:
        # the tenant filter of the session puts the organization's tenant into the join's ON clause
        row = db.session.execute(stmt.add_columns(Enterprise)
                                 .outerjoin(Enterprise, Enterprise.user_id == account.id)).first()
    if row is None:
        return None
    user, enterprise = row[0], (row[2] if len(row) > 2 else None)
    signed_in_as(user.id, synced=True)
    if has_request_context():
        g.api_token_id = row[1]
        if user.role == "enterprise" and enterprise is not None:
            g.setdefault("_enterprise_of", {})[(user.id, current_tenant_id())] = enterprise
    return user


def of_user(user: User) -> list[ApiToken]:
    """The user's unexpired tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.expires_at > utcnow())
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
