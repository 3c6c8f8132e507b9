"""Accounts: registration, password check, login sessions."""
from __future__ import annotations

import secrets

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ipservice.accounts import tokens
from ipservice.accounts.models import Enterprise, User
from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.tenancy import current_tenant_id, signed_in_as
from ipservice.core.transaction import savepoint
from ipservice.core.types import utcnow
from ipservice.extensions import db

ROLES = ("enterprise", "bureau", "cross_admin")
# Checked against when the e-mail is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# The password hash of an account that cannot log in (an import's placeholder owner): not a hash werkzeug can
# parse, so ``check_password_hash`` is False for every password, and nothing is hashed to make it.
UNUSABLE_PASSWORD = "!unusable"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The account with this e-mail among those the caller may see (the command line: all of them)."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def lookup_login(email: str):
    """``(id, tenant_id, password_hash, active)`` of the one account with this e-mail, in whatever tenant:
    login, the audit of a failed one and registration's "is this e-mail free" ask before any user or tenant
    is known. On PostgreSQL row-level security shows the app role a tenant's accounts and its own only, so
    the look-up goes through a SECURITY DEFINER function that returns just this row's columns (0013)."""
    email = normalize_email(email)
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(text("SELECT user_id AS id, tenant_id, password_hash, active "
                                       "FROM ipservice_auth_lookup_login(:email)"), {"email": email}).first()
    return db.session.execute(select(User.id, User.tenant_id, User.password_hash, User.active)
                              .where(User.email == email)).first()


def create_user(email: str, password: str | None, role: str, tenant_id: str | None, display_name: str = "",
                password_hash: str | None = None, verified: bool = True) -> User:
    """``verified``: the address is known to be the user's (an administrator made the account, a claim was
    completed with the mailed code); a registration proves it later (``accounts.recovery``)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if (role == "cross_admin") != (tenant_id is None):
        raise ValueError("cross_admin has no tenant; enterprise and bureau users have one")
    user = User(email=normalize_email(email), password_hash=password_hash or generate_password_hash(password),
                role=role, tenant_id=tenant_id, display_name=display_name,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    return user


def register_enterprise(tenant_id: str, data: dict, verified: bool = False) -> Enterprise:
    """企业注册: the USCC is unique in the tenant, the e-mail in the service (409 otherwise). The address is
    verified by the link mailed now (``accounts.recovery``); ``verified``: known already (the demo's
    accounts).

    The checks give the friendly answer; the unique constraints decide when two registrations race
    (a double-clicked sign-up): the loser gets the same 409, not a 500.
    """
    # Hashed first, so that a refused e-mail costs the same time as a registration (no timing oracle).
    password_hash = generate_password_hash(data["password"])
    _refuse_taken(data)
    try:
        with savepoint():  # a refused registration leaves nothing of itself, and nothing else is undone
            user = create_user(data["email"], None, "enterprise", tenant_id, data["name"],
                               password_hash=password_hash, verified=verified)
            db.session.flush()
            enterprise = Enterprise(name=data["name"], uscc=data["uscc"], contact_name=data["contact_name"],
                                    contact_phone=data["contact_phone"], user_id=user.id)
            db.session.add(enterprise)
            db.session.flush()
            audit.record("enterprise.registered", "enterprise", enterprise.id,
                         {"name": enterprise.name, "uscc": enterprise.uscc}, actor=user)
            if data.get("privacy_notice_version") is not None:
                from ipservice.privacy import services as privacy

                privacy.accept(user, data["privacy_notice_version"])
            if not verified:
                from ipservice.accounts import recovery

                recovery.send_verification(user)
    except IntegrityError:
        _refuse_taken(data)
        raise
    return enterprise


def _refuse_taken(data: dict) -> None:
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == data["uscc"])):
        error(409, _("该统一社会信用代码已在本地区注册。如果这是贵单位，可凭营业执照申请认领。"),
              {"uscc": [_("已注册，可申请认领。")]})
    if email_unusable(data["email"]):
        refuse_email()


# Domains where no mail can ever be delivered (RFC 2606, RFC 6761), the import placeholders among them.
_RESERVED_TLDS = ("invalid", "test", "example", "localhost")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def email_unusable(email: str) -> bool:
    """An e-mail that cannot sign up: someone's login (in any tenant — logins are service-wide), or a
    reserved domain. Both get the same answer, so the answer does not prove that an account exists."""
    email = normalize_email(email)
    domain = email.rsplit("@", 1)[-1]
    if domain.rsplit(".", 1)[-1] in _RESERVED_TLDS or any(
            domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS):
        return True
    return lookup_login(email) is not None


def refuse_email() -> None:
    """One neutral refusal for every unusable e-mail: it names no tenant and does not say "taken"."""
    error(409, _("该电子邮箱不能用于注册。如已有账户，请直接登录；否则请换用其他邮箱。"),
          {"email": [_("该电子邮箱不能用于注册。")]})


def change_password(user: User, current: str, new: str) -> None:
    """修改密码: the current password proves it is the owner; the new one passes the policy (422 otherwise).
    Every API token of the user is revoked: whoever held one must sign in again."""
    from ipservice.accounts import passwords

    if not check_password_hash(user.password_hash, current or ""):
        error(422, errors={"current_password": [_("当前密码不正确。")]})
    refused = passwords.problems(new, user.email, uscc_of(user))
    if not refused and check_password_hash(user.password_hash, new or ""):
        refused = [_("新密码不能与当前密码相同。")]
    if refused:
        error(422, errors={"new_password": refused})
    user.password_hash = generate_password_hash(new)
    tokens.end_all(user)
    end_sessions(user)
    audit_auth("user.password_changed", user, user.email)


def uscc_of(user: User) -> str | None:
    """The USCC of an enterprise user's organization (a password may not be derived from it)."""
    from ipservice.core.tenancy import tenant_context

    if user.role != "enterprise" or not user.tenant_id:
        return None
    with tenant_context(user.tenant_id):
        enterprise = enterprise_of(user)
        return enterprise.uscc if enterprise is not None else None


# Audit events of no tenant (a cross_admin, an e-mail nobody has) go to this pseudo-tenant: no tenant slug
# can take it, and the trail stays one table.
SERVICE_WIDE = "*"
SESSION_KEY = "session_generation"


def audit_auth(action: str, user: User | None, email: str, detail: dict | None = None,
               by_user: bool = True) -> None:
    """An authentication event (login, failure, token, logout) in the trail of the account's tenant;
    ``by_user=False``: nobody proved to be the user (a failed login), the actor is anonymous."""
    from flask_login import AnonymousUserMixin

    from ipservice.core.tenancy import tenant_context

    tenant = user.tenant_id if user is not None and user.tenant_id else SERVICE_WIDE
    with tenant_context(tenant):
        audit.record(action, "user", user.id if user is not None else None,
                     {"email": normalize_email(email), **(detail or {})},
                     actor=user if by_user and user is not None else AnonymousUserMixin())
        db.session.flush()


def change_role(user: User, role: str, tenant_id: str | None) -> None:
    """A bureau user becomes a cross_admin or the reverse (another tenant's bureau too). Enterprise
    accounts belong to their organization and are not moved this way. The user signs in again."""
    if role not in ("bureau", "cross_admin") or user.role not in ("bureau", "cross_admin"):
        raise ValueError("only bureau and cross_admin accounts change roles this way")
    if (role == "cross_admin") != (tenant_id is None):
        raise ValueError("cross_admin has no tenant; a bureau user has one")
    before = {"role": user.role, "tenant": user.tenant_id}
    user.role, user.tenant_id = role, tenant_id
    tokens.end_all(user)
    end_sessions(user)
    detail = {"from": before, "to": {"role": role, "tenant": tenant_id}}
    # in the trail of the tenant it leaves and of the one it joins
    for tenant in dict.fromkeys([before["tenant"], tenant_id]):
        from ipservice.core.tenancy import tenant_context

        with tenant_context(tenant or SERVICE_WIDE):
            audit.record("user.role_changed", "user", user.id, {"email": user.email, **detail})
            db.session.flush()


def user_of(enterprise: Enterprise) -> User:
    """The account an organization registered with."""
    return db.session.get(User, enterprise.user_id)


def start_session(user: User) -> None:
    """A new login session: nothing of the previous one survives (its CSRF token included)."""
    from flask import session
    from flask_login import login_user

    session.clear()
    login_user(user)
    session[SESSION_KEY] = user.session_generation
    session[tokens.SESSION_ID_KEY] = secrets.token_urlsafe(16)


def user_for_session(user_id: str) -> User | None:
    """The user of a login session, if that session was started after the user's last logout or
    password change."""
    from flask import session

    signed_in_as(user_id)  # the signed cookie names the user: its account row is visible whatever the tenant
    user = db.session.get(User, user_id)
    if user is None or not user.active or session.get(SESSION_KEY) != user.session_generation:
        signed_in_as(None)
        return None
    return user


def end_sessions(user: User) -> None:
    """Refuse every login session of ``user`` started so far (a conditional write: two at once both count)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1))
    db.session.flush()
    db.session.refresh(user, ["session_generation"])


def authenticate(email: str, password: str) -> User | None:
    account = lookup_login(email)
    if account is None or account.password_hash == UNUSABLE_PASSWORD:
        check_password_hash(_DUMMY_HASH, password or "")  # the same time as a real check: no oracle
        return None
    if not check_password_hash(account.password_hash, password or "") or not account.active:
        return None
    signed_in_as(account.id)
    return db.session.get(User, account.id)


def enterprise_of(user) -> Enterprise | None:
    """The enterprise an enterprise user files for (in the current tenant)."""
    if user is None or getattr(user, "role", None) != "enterprise":
        return None
    # asked several times per request (access, ownership filter, the service): one query per request
    cache = g.setdefault("_enterprise_of", {}) if has_request_context() else {}
    key = (user.id, current_tenant_id())
    if cache.get(key) is None:
        cache[key] = db.session.scalar(select(Enterprise).where(Enterprise.user_id == user.id))
    return cache[key]


def enterprise_id_of(user) -> str | None:
    """The id of the enterprise an enterprise user files for; None for other roles."""
    enterprise = enterprise_of(user)
    return enterprise.id if enterprise is not None else None


def lock_enterprise(enterprise_id: str) -> None:
    """Serialize writes that depend on an organization's earlier filings until the transaction ends (one
    subsidy per standard, no overlapping custody period): see ``core.locks``."""
    from ipservice.core.locks import lock_row

    lock_row(Enterprise, Enterprise.id == enterprise_id)
def enterprise_names(ids) -> dict[str, str]:
    """``{enterprise id: name}`` for the given ids in the current tenant (worklists name the applicant)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Enterprise.id,
                                          Enterprise.name).where(Enterprise.id.in_(ids))).all())
