"""The claimant proves the address, and only then has an account.

An approval issues a single-use code (``issue_code`` — the one place it is made) and mails it to the
claimant's address (``mail_code_job``); the approval's answer shows it to the official too, who may hand it
over by telephone or at the counter when the mail does not arrive. The
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


def _code_of(claim: OrganizationClaim) -> str:
    """The claim's code, derived with the app's secret from the claim and the code's expiry (whole seconds):
    the mail job makes it again from the row, so the code itself is written nowhere (not even the queue)."""
    key = current_app.config["SECRET_KEY"].encode()
    stamp = int(claim.code_expires_at.timestamp())
    number = int.from_bytes(hmac.new(key, f"claim-code:{claim.tenant_id}:{claim.id}:{stamp}".encode(),
                                     hashlib.sha256).digest(), "big")
    chars = []
    for _i in range(_LENGTH):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def _shown(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, _LENGTH, 4))


def issue_code(claim: OrganizationClaim) -> str:
    """A new single-use code for an approved claim (any earlier one is void); returns the code itself,
    which is stored nowhere: only its digest and its expiry are kept. Its mail to the claimant's address is
    queued (``mail_code_job``): the claimant needs no telephone call."""
    from ipservice.core import jobs

    ttl = dt.timedelta(hours=current_app.config["CLAIM_CODE_TTL_HOURS"])
    claim.code_expires_at = (utcnow() + ttl).replace(microsecond=0)
    code = _code_of(claim)
    claim.code_hash = _digest(code)
    claim.code_mailed_at = None
    db.session.flush()
    jobs.enqueue(CODE_JOB, claim.tenant_id, claim.id)
    return _shown(code)


CODE_JOB = "organizations.claim_code"
RETRY_SECONDS = 300


def mail_code_job(tenant_id: str, claim_id: str) -> None:
    """Mail an approved claim's code to the claimant's address, in the claimant's language, once: the job
    takes the claim with a conditional UPDATE (``code_mailed_at``); the SMTP server refusing gives it back
    and the job is tried again later, while the code is valid. No SMTP configured: the official hands the code
    over as before (the approval's answer shows it)."""
    from ipservice.core import jobs, mail
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.transaction import unit_of_work

    if not mail.configured():
        return
    with tenant_context(tenant_id):
        with unit_of_work():
            claim = db.session.scalar(select(OrganizationClaim).where(OrganizationClaim.id == claim_id))
            if claim is None or not claim.awaiting_completion or claim.code_expired or not claim.code_hash:
                return
            taken = db.session.execute(
                update(OrganizationClaim).where(OrganizationClaim.id == claim.id,
                                                OrganizationClaim.code_mailed_at.is_(None),
                                                OrganizationClaim.code_hash == claim.code_hash)
                .values(code_mailed_at=utcnow()).execution_options(synchronize_session=False)).rowcount
            if not taken:
                return
            msg = _code_message(claim)
        try:
            mail.send(msg)
        except mail.MailError as exc:
            import logging

            logging.getLogger(__name__).warning("claim code of %s not mailed: %s", claim_id, exc)
            with unit_of_work():
                db.session.execute(update(OrganizationClaim).where(OrganizationClaim.id == claim_id)
                                   .values(code_mailed_at=None).execution_options(synchronize_session=False))
            jobs.of().task.schedule(args=(CODE_JOB, [tenant_id, claim_id]), delay=RETRY_SECONDS)


def _code_message(claim: OrganizationClaim):
    from flask import url_for

    from ipservice.core import mail
    from ipservice.core.types import china_time

    with mail.rendering(claim.language):
        subject = _("认领申请已批准：请完成认领")
        text = _("您对“%(name)s”（统一社会信用代码 %(uscc)s）的认领申请已获批准。\n\n验证码：%(code)s\n"
                 "有效期至：%(until)s\n\n请打开下面的页面，填写认领时的电子邮箱和这个验证码，完成认领后即可用认领时设置的"
                 "密码登录。验证码只能使用一次。\n\n%(url)s",
                 name=claim.name, uscc=claim.uscc, code=_shown(_code_of(claim)),
                 until=china_time(claim.code_expires_at),
                 url=url_for("organizations.claim_complete", tenant=claim.tenant_id, email=claim.email,
                             _external=True))
    return mail.message(claim.email, subject, text)


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
            return _("您的认领申请已批准。请凭发送到您电子邮箱（或区局告知）的验证码完成认领，然后登录。")
        return _("您的认领申请已批准，但验证码已失效。请重新提交认领申请。")
    return None
