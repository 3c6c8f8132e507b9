"""The second floor (issue 23 item 4): the service's certification submission as its statements alone.

``POST /same/t/<tenant>/certifications`` sends, on the service's own tables and database, the statements
``POST /t/<tenant>/api/v1/certifications`` sends (``tests/test_statement_counts.py`` pins their number),
written by hand with SQLAlchemy Core on a bare Flask app: on PostgreSQL the role and tenant settings of the
transaction, the token with its user and organization (through the same SECURITY DEFINER function), the
Idempotency-Key claimed by ``INSERT … ON CONFLICT DO NOTHING``, the organization's lock, the duplicate number
and the prior claim in one query, a SAVEPOINT, the year's counter, the record, its audit event, the bureau
with its notification settings, their notifications, the RELEASE, the key's stored answer, the commit.

What it leaves out is the framework above the statements: the form schema, the tenant's configuration and its
subsidy rules (the estimate here is a fixed text), Flask-Login, the ORM's unit of work, the audit and
notification hooks, marshmallow's answer, Flask-Babel. The service's req/s ÷ this floor's is the framework's
share; this floor ÷ the bare insert (``/insert``) is the statements' (the rules') share.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os

from flask import Blueprint, jsonify, request
from sqlalchemy import and_, insert, or_, select, text, update

from ipservice.accounts.models import ApiToken, Enterprise, User
from ipservice.certification.models import CertificationRecord
from ipservice.core.audit import AuditEvent
from ipservice.core.idempotency import IdempotencyRecord
from ipservice.core.ids import new_id
from ipservice.core.locks import conflict_insert
from ipservice.core.numbering import Counter
from ipservice.notifications.models import Notification, NotificationSettings

RECORDS, EVENTS, KEYS = CertificationRecord.__table__, AuditEvent.__table__, IdempotencyRecord.__table__
COUNTERS, NOTES = Counter.__table__, Notification.__table__
ENTERPRISES, USERS, SETTINGS = Enterprise.__table__, User.__table__, NotificationSettings.__table__
STANDARD, EDITION = "GB/T 29490", "GB/T 29490-2013"
EXPLANATION = "依据贯标认证企业奖励，同一单位同一标准只资助一次。"

_PG_SETTINGS = text("SELECT set_config('role', :role, true), set_config('app.tenant_id', :tenant, true), "
                    "set_config('app.cross_tenant', 'off', true), set_config('app.user_id', '', true), "
                    "set_config('statement_timeout', '10000', true), "
                    "set_config('lock_timeout', '5000', true)")
_PG_TOKEN = text("SELECT t.id, t.email, t.role, t.active, t.token_id, e.id AS enterprise_id "
                 "FROM ipservice_auth_lookup_token(:digest) AS t(id, email, role, tenant_id, display_name, "
                 "active, created_at, session_generation, email_verified_at, token_id) "
                 "LEFT OUTER JOIN enterprises e ON e.user_id = t.id AND e.tenant_id = :tenant")


def _account(conn, tenant: str, digest: str):
    if conn.dialect.name == "postgresql":
        return conn.execute(_PG_TOKEN, {"digest": digest, "tenant": tenant}).mappings().first()
    tokens = ApiToken.__table__
    return conn.execute(
        select(USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.active, tokens.c.id.label("token_id"),
               ENTERPRISES.c.id.label("enterprise_id"))
        .join(tokens, tokens.c.user_id == USERS.c.id)
        .outerjoin(ENTERPRISES, and_(ENTERPRISES.c.user_id == USERS.c.id, ENTERPRISES.c.tenant_id == tenant))
        .where(tokens.c.token_hash == digest, tokens.c.expires_at > dt.datetime.now(dt.UTC),
               USERS.c.active.is_(True))).mappings().first()


def _lock(conn, tenant: str, enterprise_id: str) -> None:
    where = and_(ENTERPRISES.c.tenant_id == tenant, ENTERPRISES.c.id == enterprise_id)
    if conn.dialect.name == "postgresql":
        conn.execute(select(ENTERPRISES.c.id).where(where).with_for_update())
    else:
        conn.execute(update(ENTERPRISES).where(where).values(id=ENTERPRISES.c.id))


def _number(conn, tenant: str, year: int) -> int:
    bump = (update(COUNTERS).where(COUNTERS.c.tenant_id == tenant, COUNTERS.c.name == RECORDS.name,
                                   COUNTERS.c.year == year)
            .values(value=COUNTERS.c.value + 1).returning(COUNTERS.c.value))
    value = conn.execute(bump).scalar()
    if value is None:
        conn.execute(conflict_insert(COUNTERS, conn).values(tenant_id=tenant, id=new_id(), name=RECORDS.name,
                                                            year=year, value=0)
                     .on_conflict_do_nothing(index_elements=["tenant_id", "name", "year"]))
        value = conn.execute(bump).scalar()
    return value


def _claim_key(conn, tenant: str, user_id: str, key: str, now):
    stmt = (conflict_insert(KEYS, conn)
            .values(tenant_id=tenant, id=new_id(), user_id=user_id, key=key,
                    request_hash=hashlib.sha256(request.get_data()).hexdigest(), created_at=now)
            .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "key"]).returning(KEYS.c.id))
    return conn.execute(stmt).scalar()


def _duplicate(data: dict):
    return and_(RECORDS.c.certificate_no == data["certificate_no"], RECORDS.c.status != "rejected")


def _claims(enterprise_id: str):
    return and_(RECORDS.c.enterprise_id == enterprise_id, RECORDS.c.standard == STANDARD,
                RECORDS.c.status.in_(("submitted", "verified")), RECORDS.c.subsidy_claim.is_(True))


def _record(tenant: str, account, data: dict, prior, now) -> dict:
    return {"tenant_id": tenant, "id": new_id(), "enterprise_id": account["enterprise_id"],
            "status": "submitted", "submitted_by": account["id"], "submitted_at": now,
            "org_type": data["org_type"], "standard": STANDARD, "standard_edition": EDITION,
            "certificate_no": data["certificate_no"], "certification_body": data["certification_body"],
            "issued_on": dt.date.fromisoformat(data["issued_on"]),
            "expires_on": dt.date.fromisoformat(data["expires_on"]),
            "consulting_agency": data.get("consulting_agency"), "scope": data["scope"],
            "subsidy_amount_cny": 0 if prior else 100000, "subsidy_rule_code": "same-statements",
            "subsidy_explanation": EXPLANATION, "subsidy_prior_id": prior.id if prior else None,
            "subsidy_claim": prior is None, "extra": {}, "form_version": 1}


def _audit_and_notify(conn, tenant: str, account, record: dict, now) -> None:
    conn.execute(insert(EVENTS).values(
        tenant_id=tenant, id=new_id(), at=now, actor_id=account["id"], actor_email=account["email"],
        actor_role=account["role"], action="certification.submitted", object_type="certification",
        object_id=record["id"], ip=request.remote_addr,
        detail={"certificate_no": record["certificate_no"], "standard": EDITION}))
    bureau = conn.execute(
        select(USERS.c.id, SETTINGS.c.new_filings).outerjoin(SETTINGS, SETTINGS.c.user_id == USERS.c.id)
        .where(USERS.c.tenant_id == tenant, USERS.c.role == "bureau", USERS.c.active.is_(True))).all()
    if bureau:
        conn.execute(insert(NOTES), [
            {"id": new_id(), "user_id": user_id, "tenant_id": tenant, "event_class": "new_filing",
             "event": "certification.submitted", "created_at": now, "email_wanted": False,
             "email_attempts": 0, "params": {"kind": "certification", "id": record["id"]}}
            for user_id, _ in bureau])


def blueprint(engine, role: str) -> Blueprint:
    bp = Blueprint("same_statements", __name__)

    @bp.post("/same/t/<tenant>/certifications")
    def submit(tenant: str):
        auth = request.headers.get("Authorization", "")
        digest = hashlib.sha256(auth.removeprefix("Bearer ").encode()).hexdigest()
        key, data = request.headers["Idempotency-Key"], request.get_json()
        now = dt.datetime.now(dt.UTC)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(_PG_SETTINGS, {"role": role or "none", "tenant": tenant})
            account = _account(conn, tenant, digest)
            if account is None or account["enterprise_id"] is None:
                return {"message": "unauthorized"}, 401
            key_id = _claim_key(conn, tenant, account["id"], key, now)
            if key_id is None:
                return {"message": "replayed"}, 409
            _lock(conn, tenant, account["enterprise_id"])
            rows = conn.execute(select(RECORDS, _duplicate(data).label("duplicate"))
                                .where(RECORDS.c.tenant_id == tenant,
                                       or_(_duplicate(data), _claims(account["enterprise_id"])))).all()
            if any(row.duplicate for row in rows):
                return {"message": "duplicate"}, 409
            record = _record(tenant, account, data, rows[0] if rows else None, now)
            with conn.begin_nested():
                record["number"] = f"HB-GB-{now.year}-{_number(conn, tenant, now.year):06d}"
                conn.execute(insert(RECORDS).values(record))
                _audit_and_notify(conn, tenant, account, record, now)
            answer = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
                      for k, v in record.items()}
            conn.execute(update(KEYS).where(KEYS.c.tenant_id == tenant, KEYS.c.id == key_id)
                         .values(status_code=201, body=answer))
        return jsonify(answer), 201

    return bp


def role_from_env() -> str:
    return os.environ.get("BENCH_SAME_ROLE", "")
