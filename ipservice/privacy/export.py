"""A copy of one's data (PIPL art. 45): a ZIP of JSON and CSV, built from the filing-kind registry and
what the areas contribute (``hooks.personal_data``) — a new kind or area is included without touching this.

Whose filings: those of the organization the user acts for (``Enterprise.user_id``: an organization has
one account, so "every filing the user made" and the organization's filings are the same set, with the
bureau's imports for it); a bureau official or administrator has none of their own.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import zipfile

from sqlalchemy import or_, select

from ipservice.accounts import services as accounts
from ipservice.core import attachments, filing, hooks
from ipservice.core.audit import AuditEvent
from ipservice.extensions import db

CSV_COLUMNS = ("kind", "id", "number", "status", "submitted_at", "decided_at", "decision_reason")


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _columns(obj) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key != "password_hash"}


def _event(e: AuditEvent) -> dict:
    return {"at": _plain(e.at), "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
            "actor_role": e.actor_role, "detail": e.detail}


def _filings(enterprise_id: str | None) -> tuple[list[dict], list]:
    """Every kind's filings of the organization, each with its history and attachments' metadata."""
    if enterprise_id is None:
        return [], []
    out, files = [], []
    for kind in filing.kinds():
        rows = list(db.session.scalars(select(kind.model).where(kind.model.enterprise_id == enterprise_id)))
        if not rows:
            continue
        ids = [r.id for r in rows]
        history = {}
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == kind.object_type,
                                                             AuditEvent.object_id.in_(ids))
                                    .order_by(AuditEvent.at, AuditEvent.id)):
            history.setdefault(e.object_id, []).append(_event(e))
        own = kind.personal_data(rows) if kind.personal_data else [_columns(r) for r in rows]
        for row, data in zip(rows, own, strict=True):
            atts = attachments.list_for(kind.object_type, row.id)
            files.extend((kind.name, row.id, a) for a in atts)
            out.append({"kind": kind.name, **data, "history": history.get(row.id, []),
                        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                                         "size": a.size, "sha256": a.sha256} for a in atts]})
    return out, files


def _csv(filings_: list[dict]) -> bytes:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for f in filings_:
        writer.writerow(["" if f.get(c) is None else f.get(c) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8")


def build(user) -> bytes:
    """The ZIP of ``user``'s own data, in the user's tenant (the caller puts it in context)."""
    from ipservice.privacy import services

    enterprise = accounts.enterprise_of(user)
    filings_, files = _filings(enterprise.id if enterprise else None)
    account = {"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
               "tenant": user.tenant_id, "created_at": _plain(user.created_at),
               "organization": _columns(enterprise) if enterprise else None,
               "privacy_notice_version": services.accepted_version(user),
               "erasure_requests": [_columns(r) for r in services.own_requests(user)]}
    events = db.session.scalars(select(AuditEvent).where(or_(AuditEvent.actor_id == user.id,
                                                             AuditEvent.object_id == user.id))
                                .order_by(AuditEvent.at, AuditEvent.id))
    parts = {"account.json": account, "filings.json": filings_, "audit.json": [_event(e) for e in events],
             "accesses.json": [{k: _plain(v) for k, v in a.items()} for a in services.accesses_of(user)]}
    parts.update(hooks.personal_data_parts(user))  # the areas' own parts (claims, …)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, json.dumps(data, ensure_ascii=False, indent=1, default=_plain))
        z.writestr("filings.csv", _csv(filings_))
        for kind, filing_id, att in files:
            path = attachments.stored_path(att)
            if path.is_file():
                z.write(path, f"attachments/{kind}/{filing_id}/{att.id}-{att.filename}")
    return buf.getvalue()
