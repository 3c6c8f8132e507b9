"""Consent to the notice, correction of contact data, erasure on request, the accesses to one's data.

Services flush and never commit; the request owns the transaction. Every function works in the tenant in
context (the ``/api/v1/me/...`` routes put the caller's own tenant in context, ``me_context``).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ipservice.accounts import services as accounts
from ipservice.accounts import tokens
from ipservice.core import audit, privacy
from ipservice.core.errors import error
from ipservice.core.idempotency import IdempotencyRecord
from ipservice.core.tenancy import current_tenant, tenant_context
from ipservice.core.transaction import savepoint
from ipservice.core.types import today_china, utcnow
from ipservice.extensions import db
from ipservice.privacy import notice, retention, scrub
from ipservice.privacy.models import ErasureRequest, PrivacyConsent

ERASED = "已删除"  # what a name, a telephone or a self-written text becomes


@contextmanager
def me_context(user):
    """The caller's own tenant (``/api/v1/me/...`` carries none in its path); a cross-district
    administrator has none: the service-wide trail."""
    with tenant_context(user.tenant_id or accounts.SERVICE_WIDE):
        yield


# --- notice and consent -----------------------------------------------------------------------------------

def accepted_version(user) -> int | None:
    return db.session.scalar(select(db.func.max(PrivacyConsent.version))
                             .where(PrivacyConsent.user_id == user.id))


def needs_consent(user) -> bool:
    """A user of a tenant who has not accepted the tenant's current notice (asked at the next page login)."""
    tenant = current_tenant()
    if tenant is None or user.role == "cross_admin":
        return False
    return accepted_version(user) != notice.of(tenant).version


def accept(user, version: int) -> None:
    """Record that ``user`` accepted ``version`` of the tenant's notice; another version is 422."""
    current = notice.of(current_tenant()).version
    if version != current:
        error(422, errors={"privacy_notice_version": [_("请阅读并接受当前版本（第 %(v)s 版）"
                                                        "的个人信息保护告知。", v=current)]})
    try:
        with savepoint():  # accepted twice at once (two tabs): the second finds the row there
            db.session.add(PrivacyConsent(user_id=user.id, version=version))
            db.session.flush()
    except IntegrityError:
        return
    audit.record("privacy.notice_accepted", "user", user.id, {"version": version}, actor=user)
    db.session.flush()  # in the tenant of the context (``/api/v1/me`` leaves it before the commit)


# --- correction (PIPL art. 46) ----------------------------------------------------------------------------

def correct_contact(user, data: dict):
    """The organization's contact person and telephone, corrected by its own user; audited with what
    changed (field names, not the values: the trail is not a second copy of personal data)."""
    enterprise = accounts.enterprise_of(user)
    if enterprise is None:
        error(404)
    changed = [k for k in ("contact_name", "contact_phone")
               if k in data and getattr(enterprise, k) != data[k]]
    for key in changed:
        setattr(enterprise, key, data[key])
    db.session.flush()
    audit.record("privacy.contact_corrected", "enterprise", enterprise.id, {"fields": changed}, actor=user)
    db.session.flush()
    return enterprise


# --- erasure (PIPL art. 47) -------------------------------------------------------------------------------

def request_erasure(user, reason: str) -> ErasureRequest:
    """One open request per person (the unique ``open_for``): a second while one is open is 409."""
    days = notice.of(current_tenant()).retention["erasure_decision_days"]
    row = ErasureRequest(user_id=user.id, reason=reason or "", open_for=user.id,
                         due_on=today_china() + dt.timedelta(days=days), held=held_now(user.id))
    try:
        with savepoint():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        error(409, _("您已有一项删除请求正在处理。"))
    audit.record("privacy.erasure_requested", "erasure_request", row.id, {"user_id": user.id}, actor=user)
    db.session.flush()
    return row


def held_now(user_id: str) -> list[dict]:
    """What the tenant's retention rules would keep of this person if erased today (stored form)."""
    return retention.stored(_held(user_id))


def _held(user_id: str) -> list[dict]:
    from ipservice.accounts.models import Enterprise

    enterprise_id = db.session.scalar(select(Enterprise.id).where(Enterprise.user_id == user_id))
    return retention.held_for(user_id, enterprise_id)


def erasure_requests(status: str | None = None) -> list[ErasureRequest]:
    stmt = select(ErasureRequest)
    if status:
        stmt = stmt.where(ErasureRequest.status == status)
    return list(db.session.scalars(stmt.order_by(ErasureRequest.created_at.desc(), ErasureRequest.id)))


def waiting_requests() -> list[dict]:
    """The tenant's requests waiting for a decision, as worklist items (``hooks.work``): due by ``due_on``,
    named by the requester's organization (if any), never by the person."""
    from ipservice.accounts.models import Enterprise

    rows = db.session.execute(select(ErasureRequest, Enterprise.id).outerjoin(
        Enterprise, Enterprise.user_id == ErasureRequest.user_id).where(ErasureRequest.status == "submitted")
        .order_by(ErasureRequest.due_on, ErasureRequest.created_at, ErasureRequest.id)).all()
    return [{"id": r.id, "due": r.due_on, "submitted_at": r.created_at, "status": r.status,
             "enterprise_id": enterprise_id} for r, enterprise_id in rows]


def own_requests(user) -> list[ErasureRequest]:
    return list(db.session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == user.id)
                                   .order_by(ErasureRequest.created_at.desc())))


def get_request(request_id: str) -> ErasureRequest:
    row = db.session.get(ErasureRequest, {"tenant_id": current_tenant().slug, "id": request_id})
    if row is None:
        error(404)
    return row


def decide(official, request_id: str, decision: str, reason: str | None) -> ErasureRequest:
    """approve: the person's fields replaced — except what a retention rule still keeps, which stays and is
    listed with its rule (``held``: the erasure is then partial) — and the account closed; reject: only
    where a retention rule still keeps some of the person's data (PIPL art. 47), with the reason. Decided
    once: a conditional UPDATE, the loser gets 409."""
    row = get_request(request_id)
    reason = (reason or "").strip() or None
    if decision not in ("approve", "reject"):
        error(422, errors={"decision": [_("必须是以下之一：%(choices)s。", choices="approve, reject")]})
    if decision == "reject" and not reason:
        error(422, _("驳回时必须填写理由。"), {"reason": [_("驳回时必须填写理由。")]})
    if row.user_id == official.id:
        error(403, _("不能决定本人的删除请求。"))
    held = _held(row.user_id)
    if decision == "reject" and not held:
        message = _("没有保存期限规则仍要求保留此人的信息，不能驳回：请批准（个人信息保护法第四十七条）。")
        error(422, message, {"decision": [message]})
    status = "approved" if decision == "approve" else "rejected"
    done = db.session.execute(
        update(ErasureRequest).where(ErasureRequest.id == row.id, ErasureRequest.status == "submitted")
        .values(status=status, open_for=None, decided_at=utcnow(), decided_by=official.id,
                decision_reason=reason, held=retention.stored(held))
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        error(409, _("该请求已于此前作出决定，不能再次决定。"))
    db.session.refresh(row)
    audit.record(f"privacy.erasure_{status}", "erasure_request", row.id, {
        "reason": reason, "held": [{"rule": h["rule"], "object_type": h["object_type"],
                                    "object_id": h["object_id"]}
                                   for h in held]}, actor=official)
    if status == "approved":
        erase(row, held)
    return row


def erase(row: ErasureRequest, held: list[dict] = ()) -> None:
    """Replace the person's fields everywhere the areas declared them — but the fields ``held`` by a
    retention rule —, close the account, and take the person's name, e-mail and telephone out of the audit
    trail (``privacy.scrub``)."""
    from ipservice.accounts.models import User

    user = db.session.get(User, row.user_id)
    enterprise = accounts.enterprise_of(user)
    keep = {enterprise.name} if enterprise is not None else set()  # the organization's name is its record's
    kept = {(h["model"], h["object_id"], column) for h in held for column in h["fields"]}
    needles, touched = set(), {user.id}
    erased_email = f"erased-{user.id}@erased.invalid"
    for entry in privacy.registered():
        for obj in db.session.scalars(select(entry.model).where(
                entry.owned_by(user.id, enterprise.id if enterprise else None))):
            touched.add(getattr(obj, "id", None))
            for column, category in entry.fields.items():
                value = getattr(obj, column)
                if (entry.model, getattr(obj, "id", None), column) in kept:
                    continue
                if value and value not in keep:
                    needles.add(value)
                    setattr(obj, column, erased_email if category == "email" else ERASED)
    # the stored first answers of the person's retried requests (a case's answer carries the text they
    # wrote): only they could have replayed them, and they no longer can
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.tenant_id == row.tenant_id,
                                                       IdempotencyRecord.user_id == user.id)
                       .execution_options(synchronize_session=False))
    user.active = False
    user.password_hash = accounts.UNUSABLE_PASSWORD
    tokens.end_all(user)
    accounts.end_sessions(user)
    db.session.flush()
    scrub.audit_trail(row, sorted(touched - {None}), sorted(needles), user.id, erased_email, ERASED)
    db.session.execute(update(ErasureRequest).where(ErasureRequest.id == row.id).values(erased_at=utcnow())
                       .execution_options(synchronize_session=False))


# --- who looked (the access record) ---------------------------------------------------------------------

def accesses_of(user) -> list[dict]:
    """The accesses of bureau officials to the caller's organization's data, newest first."""
    enterprise = accounts.enterprise_of(user)
    if enterprise is None:
        return []
    return _with_officials(select(privacy.PersonalDataAccess).where(
        privacy.PersonalDataAccess.enterprise_id == enterprise.id))


def accesses_by_official(official_id: str | None = None, limit: int = 500) -> list[dict]:
    """The bureau's review, newest first: an export is one entry (its rows share ``object_id``) with the
    number of organizations whose data it held."""
    from ipservice.accounts.models import User

    A = privacy.PersonalDataAccess
    one = case((and_(A.what == "export", A.object_id.is_not(None)), A.object_id), else_=A.id)
    at = func.min(A.at)
    stmt = (select(at, A.official_id, A.what, A.object_type, A.object_id, A.full_contact,
                   func.count(A.enterprise_id), func.min(User.email))
            .outerjoin(User, User.id == A.official_id)
            .group_by(one, A.official_id, A.what, A.object_type, A.object_id, A.full_contact)
            .order_by(at.desc(), func.min(A.id)).limit(limit))
    if official_id:
        stmt = stmt.where(A.official_id == official_id)
    return [{"at": at_, "by": email or official, "official_id": official, "what": what,
             "object_type": object_type, "object_id": object_id, "full_contact": full,
             "organizations": count if what == "export" else None}
            for at_, official, what, object_type, object_id, full, count, email in db.session.execute(stmt)]


def _with_officials(stmt, limit: int = 500) -> list[dict]:
    from ipservice.accounts.models import User

    A = privacy.PersonalDataAccess
    rows = db.session.execute(stmt.add_columns(User.email).outerjoin(User, User.id == A.official_id)
                              .order_by(A.at.desc(), A.id).limit(limit)).all()
    return [{"at": a.at, "by": email or a.official_id, "official_id": a.official_id, "what": a.what,
             "object_type": a.object_type, "object_id": a.object_id, "full_contact": a.full_contact}
            for a, email in rows]
