"""Retention by rule (``notice.toml`` ``[retention]``, a district's ``privacy.toml`` over it): what is past
its period goes, each deletion in the audit trail. ``run(dry_run)`` is the periodic job's plain function
(the job queue calls it per tenant); ``flask --app wsgi retention run [--dry-run]`` runs it for every tenant.

- ``rejected_claims``: organization claims rejected more than ``rejected_claims_days`` ago (the claimant's
  name, e-mail, telephone and password hash) are deleted with their licence scans;
- ``rejected_attachments``: the files of filings of any kind rejected more than ``rejected_attachments_days``
  ago are deleted (row and file);
- ``closed_case_text``: the summary and request of cases closed more than ``closed_case_text_days`` ago are
  replaced (the case, its dates and outcome stay: statistics do not change).
A period of 0 keeps the records.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from ipservice.core import attachments, audit, filing
from ipservice.core.tenancy import current_tenant, current_tenant_id
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.privacy import notice

REMOVED = "已按保存期限删除"


def _cutoff(key: str):
    days = notice.of(current_tenant()).retention[key]
    return None if days == 0 else utcnow() - dt.timedelta(days=days)


def _table(name):
    return db.metadata.tables.get(name)


def _mine(table):
    """The current tenant's rows of a table read as a table (the session's tenant filter covers mapped
    classes only; on SQLite nothing else would keep another tenant's rows out)."""
    return table.c.tenant_id == current_tenant_id()


def _claims(cutoff, dry_run) -> list[dict]:
    claims = _table("organization_claims")
    ids = list(db.session.scalars(select(claims.c.id).where(_mine(claims), claims.c.status == "rejected",
                                                            claims.c.decided_at < cutoff)))
    if ids and not dry_run:
        for att in db.session.scalars(select(attachments.Attachment).where(  # the licence scans
                attachments.Attachment.owner_id.in_(ids))):
            attachments.stored_path(att).unlink(missing_ok=True)
            db.session.delete(att)
        db.session.flush()
        db.session.execute(delete(claims).where(_mine(claims), claims.c.id.in_(ids)))
    return [{"rule": "rejected_claims", "object_type": "organization_claim", "object_id": i} for i in ids]


def _attachments(cutoff, dry_run) -> list[dict]:
    found = []
    for kind in filing.kinds():
        rejected = select(kind.model.id).where(kind.model.status == "rejected", kind.model.decided_at < cutoff)
        for att in db.session.scalars(select(attachments.Attachment).where(
                attachments.Attachment.owner_type == kind.object_type,
                attachments.Attachment.owner_id.in_(rejected))):
            found.append({"rule": "rejected_attachments", "object_type": kind.object_type,
                          "object_id": att.owner_id, "attachment_id": att.id})
            if not dry_run:
                attachments.stored_path(att).unlink(missing_ok=True)
                db.session.delete(att)
    return found


def _case_text(cutoff, dry_run) -> list[dict]:
    cases = _table("cases")
    ids = list(db.session.scalars(select(cases.c.id).where(_mine(cases), cases.c.status == "closed",
                                                           cases.c.closed_at < cutoff, cases.c.summary != REMOVED)))
    if ids and not dry_run:
        db.session.execute(update(cases).where(_mine(cases), cases.c.id.in_(ids))
                           .values(summary=REMOVED, request=REMOVED))
    return [{"rule": "closed_case_text", "object_type": "case", "object_id": i} for i in ids]


RULES = {"rejected_claims_days": _claims, "rejected_attachments_days": _attachments,
         "closed_case_text_days": _case_text}


def run(dry_run: bool = False) -> list[dict]:
    """What the current tenant's rules remove (``dry_run``: what they would), each removal audited."""
    done = []
    for key, rule in RULES.items():
        cutoff = _cutoff(key)
        if cutoff is None or (rule is _case_text and _table("cases") is None) or (
                rule is _claims and _table("organization_claims") is None):
            continue
        done.extend(rule(cutoff, dry_run))
    if not dry_run:
        for item in done:
            audit.record(f"retention.{item['rule']}_deleted", item["object_type"], item["object_id"],
                         {k: v for k, v in item.items() if k not in ("object_type", "object_id")}, actor=None)
        db.session.flush()
    return done
