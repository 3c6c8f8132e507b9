"""Taking an erased person's name, e-mail and telephone out of the append-only trails.

On PostgreSQL ``audit_events`` and ``case_transitions`` refuse UPDATE to every role (trigger
``append_only``, migration 0008). Migration 0020 lets the trigger pass an UPDATE only when (a) it runs as
the tables' owner — which the app role can become only inside the SECURITY DEFINER function
``ipservice_erase_person_in_audit`` — (b) that function has marked the transaction as erasing, and (c) the
row keeps every column but ``actor_email``, ``detail`` and ``by_email``. The function itself acts only for
an erasure request of the current tenant that is approved and not yet carried out, and only on the events
of that person (actor, or the objects erased). SQLite has no roles or triggers: the same rewrite in Python.
"""
from __future__ import annotations

from sqlalchemy import or_, select, text, update

from ipservice.core.audit import AuditEvent
from ipservice.extensions import db


def _replaced(value, needles, erased):
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, erased)
        return value
    if isinstance(value, list):
        return [_replaced(v, needles, erased) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, needles, erased) for k, v in value.items()}
    return value


def audit_trail(row, object_ids: list[str], needles: list[str], person_id: str, erased_email: str,
                erased: str) -> None:
    emails = [n for n in needles if "@" in n]
    needles = sorted(needles, key=len, reverse=True)  # "li.si@x.cn" before a name it contains
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT ipservice_erase_person_in_audit(:request_id, :object_ids, :needles, :emails, "
            ":erased_email, :erased)"),
            {"request_id": row.id, "object_ids": object_ids, "needles": needles, "emails": emails,
             "erased_email": erased_email, "erased": erased})
        return
    # SQLite: what the PostgreSQL function does (the case history by its table: no area's model imported)
    events = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor_id == person_id, AuditEvent.object_id.in_(object_ids),
        AuditEvent.actor_email.in_(emails))))
    for event in events:
        if event.actor_email in emails:
            event.actor_email = erased_email
        event.detail = _replaced(event.detail, needles, erased)
    transitions = db.metadata.tables.get("case_transitions")
    if emails and transitions is not None:
        db.session.execute(update(transitions).where(transitions.c.tenant_id == row.tenant_id,
                                                     transitions.c.by_email.in_(emails))
                           .values(by_email=erased_email))
    db.session.flush()
