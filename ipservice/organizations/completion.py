"""The claimant proves the address, and only then has an account.

An approval issues a single-use code (``issue_code`` — the one place it is made; today the official hands
it over by telephone or at the counter, the notifications issue will mail a link carrying it instead). The
claimant comes back with the e-mail and the code (``complete_claim``): the account is made with the password
given with the claim and becomes the organization's user. Until then the address is nobody's: it can be
registered or claimed elsewhere, and the unique e-mail of ``users`` decides at binding (two approved claims
of one address: one binds, the other is refused like a registration). An approval whose code has expired
binds nothing: the claimant claims again.

``login_state``: a login that fails for an e-mail with no account but with a claim, whose password matches
the claim's, is told the claim's state instead of "wrong password".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from ipservice.accounts import services as accounts
from ipservice.accounts.models import Enterprise
from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.organizations.models import OrganizationClaim

# No 0/O, 1/I/L: read out over the telephone. 12 characters ≈ 59 bits.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LENGTH = 12


def _digest(code: str) -> str:
    """Keyed with the app's secret: the stored digest alone gives nothing to guess against."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-_.]+", "", code or "").upper()


def issue_code(claim: OrganizationClaim) -> str:
    """A new single-use code for an approved claim (any earlier one is void); returns the code itself,
    which is stored nowhere: only its digest and its expiry are kept."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    claim.code_hash = _digest(code)
    claim.code_expires_at = utcnow() + dt.timedelta(hours=current_app.config["CLAIM_CODE_TTL_HOURS"])
    db.session.flush()
    return "-".join(code[i:i + 4] for i in range(0, _LENGTH, 4))


def supersede(claim: OrganizationClaim) -> None:
    """An approval of the organization voids the codes of its earlier approvals not yet completed."""
    db.session.execute(
        update(OrganizationClaim)
        .where(OrganizationClaim.enterprise_id == claim.enterprise_id, OrganizationClaim.id != claim.id,
               OrganizationClaim.status == "approved", OrganizationClaim.completed_at.is_(None))
        .values(code_hash=None, code_expires_at=utcnow())
        .execution_options(synchronize_session=False))


def _refuse() -> None:
    error(422, _("电子邮箱或验证码不正确，或验证码已失效。"),
          {"code": [_("电子邮箱或验证码不正确，或验证码已失效。")]})


def complete_claim(email: str, code: str) -> OrganizationClaim:
    """Bind the claim the code was issued for: 422 for a wrong, used or expired code (one answer), 409
    (the registration's neutral answer) when the address has an account by now."""
    email = accounts.normalize_email(email)
    claim = db.session.scalar(select(OrganizationClaim).where(
        OrganizationClaim.code_hash == _digest(code), OrganizationClaim.email == email))
    if claim is None or claim.code_expired or not claim.awaiting_completion:
        _refuse()
    accounts.lock_enterprise(claim.enterprise_id)  # against an approval of the organization at the same time
    now = utcnow()
    won = db.session.execute(
        update(OrganizationClaim)
        .where(OrganizationClaim.tenant_id == claim.tenant_id, OrganizationClaim.id == claim.id,
               OrganizationClaim.code_hash == claim.code_hash, OrganizationClaim.completed_at.is_(None),
               OrganizationClaim.code_expires_at > now)
        .values(completed_at=now, code_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        _refuse()
    user = accounts.create_user(email, None, "enterprise", claim.tenant_id, claim.name,
                                password_hash=claim.password_hash)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        accounts.refuse_email()  # bound meanwhile: by a registration, or another claim of the address
    db.session.refresh(claim)
    claim.claimant_id = user.id
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.id == claim.enterprise_id))
    enterprise.user_id = user.id
    db.session.flush()
    audit.record("organization.claim_completed", "organization_claim", claim.id,
                 {"enterprise_id": enterprise.id, "claimant": email}, actor=user)
    return claim


# A failed login checks the typed password against this many claims of the e-mail at most (the newest):
# claims are cheap to file, and each check costs a password hash. The PostgreSQL function has the same.
CLAIMS_ASKED = 5


def _claims_of(email: str) -> list:
    """The unbound claims of ``email`` in every tenant, newest first (the login has no tenant)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(text(
            "SELECT tenant_id, id, status, password_hash, reason, code_expires_at, created_at "
            "FROM ipservice_claims_of_email(:email)"), {"email": email}).all()
    from ipservice.core.tenancy import cross_tenant

    c = OrganizationClaim
    with cross_tenant("login: the state of the claims of the e-mail typed"):
        return db.session.execute(
            select(c.tenant_id, c.id, c.status, c.password_hash, c.reason, c.code_expires_at, c.created_at)
            .where(c.email == email, c.completed_at.is_(None))
            .order_by(c.created_at.desc()).limit(CLAIMS_ASKED)).all()


def login_state(email: str, password: str) -> str | None:
    """What a claimant who typed the claim's password is told at login, or None (the normal answer)."""
    email = accounts.normalize_email(email)
    if not email or not password or accounts.lookup_login(email) is not None:  # an account: the normal answer
        return None
    for row in _claims_of(email):
        if not check_password_hash(row.password_hash, password):
            continue
        if row.status == "pending":
            return _("您的认领申请正在等待区局审核，审核通过并完成认领后即可登录。")
        if row.status == "rejected":
            return _("您的认领申请已被驳回：%(reason)s", reason=row.reason or "")
        if row.code_expires_at is not None and row.code_expires_at > utcnow():
            return _("您的认领申请已批准。请凭区局告知的验证码完成认领，然后登录。")
        return _("您的认领申请已批准，但验证码已失效。请重新提交认领申请。")
    return None
