"""Accounts: registration, password check, API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ipservice.accounts.models import ApiToken, Enterprise, User
from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.types import utcnow
from ipservice.extensions import db

ROLES = ("enterprise", "bureau", "cross_admin")
# Checked against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, password: str, role: str, tenant_id: str | None, display_name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if (role == "cross_admin") != (tenant_id is None):
        raise ValueError("cross_admin has no tenant; enterprise and bureau users have one")
    user = User(email=normalize_email(email), password_hash=generate_password_hash(password), role=role,
                tenant_id=tenant_id, display_name=display_name)
    db.session.add(user)
    return user


def register_enterprise(tenant_id: str, data: dict) -> Enterprise:
    """企业注册: the USCC is unique in the tenant, the e-mail in the service (409 otherwise).

    The checks give the friendly answer; the unique constraints decide when two registrations race
    (a double-clicked sign-up): the loser gets the same 409, not a 500.
    """
    _refuse_taken(data)
    user = create_user(data["email"], data["password"], "enterprise", tenant_id, data["name"])
    try:
        db.session.flush()
        enterprise = Enterprise(name=data["name"], uscc=data["uscc"], contact_name=data["contact_name"],
                                contact_phone=data["contact_phone"], user_id=user.id)
        db.session.add(enterprise)
        db.session.flush()
        audit.record("enterprise.registered", "enterprise", enterprise.id,
                     {"name": enterprise.name, "uscc": enterprise.uscc}, actor=user)
    except IntegrityError:
        db.session.rollback()
        _refuse_taken(data)
        raise
    return enterprise


def _refuse_taken(data: dict) -> None:
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == data["uscc"])):
        error(409, _("该统一社会信用代码已在本地区注册。"), {"uscc": [_("已注册。")]})
    if find_user(data["email"]):
        error(409, _("该电子邮箱已被使用。"), {"email": [_("已被使用。")]})


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), expires_at=expires_at))
    db.session.flush()
    return token, expires_at


def user_from_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def enterprise_of(user) -> Enterprise | None:
    """The enterprise an enterprise user files for (in the current tenant)."""
    if user is None or getattr(user, "role", None) != "enterprise":
        return None
    return db.session.scalar(select(Enterprise).where(Enterprise.user_id == user.id))


def enterprise_id_of(user) -> str | None:
    """The id of the enterprise an enterprise user files for; None for other roles."""
    enterprise = enterprise_of(user)
    return enterprise.id if enterprise is not None else None


def enterprise_names(ids) -> dict[str, str]:
    """``{enterprise id: name}`` for the given ids in the current tenant (worklists name the applicant)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())
