"""Retention by rule (``notice.toml`` ``[retention]``, a district's ``privacy.toml`` over it): what is past
its period goes, each deletion in the audit trail. ``run(dry_run)`` is the periodic job's plain function
(the job queue calls it per tenant in context); ``flask --app wsgi retention run [--dry-run]`` runs it for
every tenant.

- ``rejected_attachments_days``: the files of filings of any registered kind rejected that long ago are
  deleted (row and file) — here, over the filing-kind registry;
- every other rule is an area's (``core.privacy.retention_rule``): the organizations area's rejected claims
  (``rejected_claims_days``), the cases area's closed cases' free text (``closed_case_text_days``).
A period of 0 keeps the records.

A rule that keeps a person's data for its period says what (``core.privacy.retention_rule(holds=…)``);
``held_for`` lists it for an erasure request, which leaves that data and states the rule.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ipservice.core import attachments, audit, filing, privacy
from ipservice.core.tenancy import current_tenant
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.privacy import notice


def _cutoff(key: str):
    days = notice.of(current_tenant()).retention.get(key, 0)
    return None if days == 0 else utcnow() - dt.timedelta(days=days)


def rejected_attachments(cutoff, dry_run) -> list[dict]:
    found = []
    for kind in filing.kinds():
        rejected = select(kind.model.id).where(kind.model.status == "rejected",
                                               kind.model.decided_at < cutoff)
        for att in db.session.scalars(select(attachments.Attachment).where(
                attachments.Attachment.owner_type == kind.object_type,
                attachments.Attachment.owner_id.in_(rejected))):
            found.append({"rule": "rejected_attachments", "object_type": kind.object_type,
                          "object_id": att.owner_id, "attachment_id": att.id})
            if not dry_run:
                attachments.delete(att)
    return found


def run(dry_run: bool = False) -> list[dict]:
    """What the current tenant's rules remove (``dry_run``: what they would), each removal audited."""
    done = []
    rules = {"rejected_attachments_days": rejected_attachments, **privacy.retention_rules()}
    for key, rule in rules.items():
        cutoff = _cutoff(key)
        if cutoff is not None:
            done.extend(rule(cutoff, dry_run))
    if not dry_run:
        for item in done:
            audit.record(f"retention.{item['rule']}_deleted", item["object_type"], item["object_id"],
                         {k: v for k, v in item.items() if k not in ("object_type", "object_id")}, actor=None)
        db.session.flush()
    return done


def held_for(user_id: str, enterprise_id: str | None) -> list[dict]:
    """What the current tenant's rules still keep of this person: ``{"rule", "object_type", "object_id",
    "fields", "until", "days", "what_zh", "what_en"}`` (JSON, stored on the erasure request) with the
    ``model`` beside it for the erasure itself."""
    periods = notice.of(current_tenant()).retention
    found = []
    for setting, holds in privacy.retention_holds().items():
        days = periods.get(setting, 0)
        for h in holds(user_id, enterprise_id, days):
            found.append({"rule": setting, "days": days, "object_type": h.model.__tablename__,
                          "object_id": h.object_id, "fields": list(h.fields),
                          "until": h.until.isoformat() if h.until else None,
                          "what_zh": h.what[0], "what_en": h.what[1], "model": h.model})
    return found


def stored(held: list[dict]) -> list[dict]:
    return [{k: v for k, v in h.items() if k != "model"} for h in held]
