"""Claims to an organization and the bureau's verification of organizations.

- ``submit_claim``: anyone files a claim to a USCC with the business licence (PDF/JPEG/PNG by content);
  the claimant's e-mail, name and password hash are kept on the claim — no account, nothing reserved. The
  e-mail and the password follow the registration's rules (neutral refusal, password policy).
- ``decide_claim``: the bureau approves — the previous user is switched off (sessions and tokens end), the
  organization is verified and a single-use code is issued for the claimant — or rejects with a reason.
  One decision per claim, held by a conditional UPDATE (two bureau officials at once: one wins, 409).
- ``completion``: the claimant proves the address with the code; then the account is made and becomes the
  organization's user (the unique e-mail of ``users`` decides between two claims of one address).
- ``verify``: the bureau marks an organization verified (papers seen another way), once.
The services flush; the request (API or page) commits.
"""
from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import generate_password_hash

from ipservice.accounts import services as accounts
from ipservice.accounts.models import ApiToken, Enterprise, User
from ipservice.core import attachments, audit, privacy
from ipservice.core.errors import error
from ipservice.core.i18n import is_english
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.organizations.models import OrganizationClaim

LICENCE = "organization_claim"
LICENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def submit_claim(data: dict, licence) -> OrganizationClaim:
    """Receive a claim. Whether the USCC is registered in the tenant changes nothing in the answer (a claim
    of an unregistered one waits for the bureau like any other, which can only reject it), so the endpoint
    tells nobody which USCCs are registered. The e-mail is refused as the registration refuses it (one
    neutral 409, counted in the registration's refusal limit) but not reserved: no account is made."""
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == data["uscc"]))
    password_hash = generate_password_hash(data["password"])  # before the e-mail check: same time either way
    if accounts.email_unusable(data["email"]):
        accounts.refuse_email()
    claim = OrganizationClaim(enterprise_id=enterprise.id if enterprise else None,
                              email=accounts.normalize_email(data["email"]), password_hash=password_hash,
                              name=data["name"], uscc=data["uscc"], contact_name=data["contact_name"],
                              contact_phone=data["contact_phone"], status="pending",
                              language="en" if is_english() else "zh")  # the code's mail is written in it
    db.session.add(claim)
    db.session.flush()
    if licence is None or not getattr(licence, "filename", None):
        error(422, _("请上传营业执照。"), {"licence": [_("缺少必填字段。")]}, location="files")
    # uploaded by the claimant of this claim, who has no account yet: the claim stands for the uploader
    attachments.save(licence, LICENCE, claim.id, SimpleNamespace(id=claim.id), allowed=LICENCE_TYPES)
    audit.record("organization.claim_submitted", "organization_claim", claim.id,
                 {"enterprise_id": claim.enterprise_id, "uscc": claim.uscc, "name": claim.name,
                  "claimant": claim.email})
    return claim


def get_claim(claim_id: str) -> OrganizationClaim:
    """One claim (a bureau official's opening is an access to the claimant's data: recorded, naming no
    organization — the claimant has no account of it while the claim waits)."""
    claim = db.session.scalar(select(OrganizationClaim).where(OrganizationClaim.id == claim_id))
    if claim is None:
        error(404)
    privacy.record_access("claim", OrganizationClaim.__tablename__, claim.id, None)
    return claim


def shown(claims: list[OrganizationClaim]) -> list[OrganizationClaim]:
    """Claims whose details (the claimant's e-mail and telephone) a page or answer shows the bureau: each is
    recorded as an access."""
    for claim in claims:
        privacy.record_access("claim", OrganizationClaim.__tablename__, claim.id, None)
    return claims


def licence_of(claim: OrganizationClaim):
    found = attachments.list_for(LICENCE, claim.id)
    return found[0] if found else None


def list_claims(status: str | None = None, enterprise_id: str | None = None) -> list[OrganizationClaim]:
    q = select(OrganizationClaim).order_by(OrganizationClaim.created_at.desc())
    if status:
        q = q.where(OrganizationClaim.status == status)
    if enterprise_id:
        q = q.where(OrganizationClaim.enterprise_id == enterprise_id)
    return list(db.session.scalars(q))


def decide_claim(claim_id: str, decision: str, reason: str | None, user) -> OrganizationClaim:
    """One decision per claim (a conditional UPDATE). An approval switches the organization's account off
    (sessions and tokens end), takes the claim's name and contact, verifies the organization and issues
    the claimant's code (``claim.verification_code``, shown to the official once); the claimant's account
    is made only when the code comes back (``completion.complete_claim``)."""
    claim = get_claim(claim_id)
    reason = (reason or "").strip() or None
    if decision == "reject" and not reason:
        error(422, errors={"reason": [_("驳回时必须填写理由。")]})
    if decision == "approve" and claim.enterprise_id is None:
        error(409, _("本地区没有以该统一社会信用代码注册的单位，无法批准；请驳回并告知申请人直接注册。"))
    if decision == "approve":
        # one approval or completion of an organization at a time
        accounts.lock_enterprise(claim.enterprise_id)
    status = "approved" if decision == "approve" else "rejected"
    won = db.session.execute(
        update(OrganizationClaim)
        .where(OrganizationClaim.tenant_id == claim.tenant_id, OrganizationClaim.id == claim.id,
               OrganizationClaim.status == "pending")
        .values(status=status, reason=reason, decided_at=utcnow(), decided_by=user.id)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.expire(claim)  # decided by another writer first: the page shows what is stored now
        error(409, _("该认领申请已处理。"))
    db.session.refresh(claim)
    detail = {"enterprise_id": claim.enterprise_id, "claimant": claim.email}
    if status == "approved":
        _hand_over(claim, user, detail)
        audit.record("organization.claim_approved", "organization_claim", claim.id, detail)
    else:
        audit.record("organization.claim_rejected", "organization_claim", claim.id,
                     {**detail, "reason": reason})
    db.session.flush()
    return claim


def _hand_over(claim: OrganizationClaim, user, detail: dict) -> None:
    from ipservice.organizations import completion

    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.id == claim.enterprise_id))
    previous = db.session.get(User, enterprise.user_id)
    enterprise.name, enterprise.contact_name, enterprise.contact_phone = (
        claim.name, claim.contact_name, claim.contact_phone)
    if enterprise.verified_at is None:
        enterprise.verified_at, enterprise.verified_by = utcnow(), user.id
    if previous is not None and previous.active:
        previous.active = False
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == previous.id))
        accounts.end_sessions(previous)
        detail["previous_user"] = previous.email
    completion.supersede(claim)
    claim.verification_code = completion.issue_code(claim)
    detail["code_expires_at"] = claim.code_expires_at.isoformat()


def get_organization(enterprise_id: str) -> Enterprise:
    """One organization (its contact person and telephone: a bureau official's opening is recorded)."""
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.id == enterprise_id))
    if enterprise is None:
        error(404)
    privacy.record_access("organization", Enterprise.__tablename__, enterprise.id, enterprise.id)
    return enterprise


def list_organizations(verified: bool | None = None) -> list[dict]:
    pending = (select(func.count()).select_from(OrganizationClaim)
               .where(OrganizationClaim.enterprise_id == Enterprise.id,
                      OrganizationClaim.tenant_id == Enterprise.tenant_id,
                      OrganizationClaim.status == "pending").scalar_subquery())
    # the account's address and whether its owner has proved it (unverified: marked on the bureau's pages)
    q = (select(Enterprise, pending, User.email, User.email_verified_at)
         .outerjoin(User, User.id == Enterprise.user_id).order_by(Enterprise.name))
    if verified is True:
        q = q.where(Enterprise.verified_at.is_not(None))
    elif verified is False:
        q = q.where(Enterprise.verified_at.is_(None))
    out = []
    for enterprise, count, email, email_verified_at in db.session.execute(q):
        enterprise.pending_claims = count
        enterprise.account_email, enterprise.account_email_verified = email, email_verified_at is not None
        out.append(enterprise)
    return out


def unverified_ids() -> set[str]:
    return set(db.session.scalars(select(Enterprise.id).where(Enterprise.verified_at.is_(None))))


def is_verified(enterprise_id: str | None) -> bool:
    """Whether the bureau has verified the organization: one query per request (or command) however
    many filings a list shows; a verification in the same request is seen (``verify`` clears it)."""
    from flask import g

    if "_unverified_orgs" not in g:
        g._unverified_orgs = unverified_ids()
    return enterprise_id is not None and enterprise_id not in g._unverified_orgs


def filing_organization_verified(filing) -> bool:
    """``organization_verified`` of a filing (a model, or the dict a kind answers with)."""
    if isinstance(filing, dict):
        return is_verified((filing.get("enterprise") or {}).get("id") or filing.get("enterprise_id"))
    enterprise = getattr(filing, "enterprise", None)  # loaded with the filing (joined or selectin)
    if enterprise is not None:
        return enterprise.verified_at is not None
    return is_verified(filing.enterprise_id)


def verify(enterprise_id: str, user) -> Enterprise:
    from flask import g

    g.pop("_unverified_orgs", None)
    enterprise = get_organization(enterprise_id)
    won = db.session.execute(
        update(Enterprise)
        .where(Enterprise.tenant_id == enterprise.tenant_id, Enterprise.id == enterprise.id,
               Enterprise.verified_at.is_(None))
        .values(verified_at=utcnow(), verified_by=user.id)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        error(409, _("该单位已核实。"))
    db.session.refresh(enterprise)
    audit.record("organization.verified", "enterprise", enterprise.id,
                 {"name": enterprise.name, "uscc": enterprise.uscc})
    db.session.flush()
    return enterprise
