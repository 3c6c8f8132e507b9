"""The audit trail: who did what, when, from where — written in the same transaction as the change."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db


class AuditEvent(TenantScoped, db.Model):
    """审计日志 — one state change in a tenant."""

    __tablename__ = "audit_events"
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    ip: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_tenant_at", "tenant_id", "at"),)


def record(action: str, object_type: str, object_id: str | None = None, detail: dict | None = None,
           actor=None) -> AuditEvent:
    """Add an audit event to the current session; it commits (or rolls back) with the change."""
    actor = actor if actor is not None else (current_user if has_request_context() else None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor_id=actor.id if authenticated else None,
        actor_email=actor.email if authenticated else None,
        actor_role=actor.role if authenticated else None,
        action=action, object_type=object_type, object_id=object_id, detail=detail or {},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    from ipservice.core import hooks

    hooks.audit_event(event)  # e.g. the notification of the change, in this same transaction
    return event


def event_row(action: str, object_type: str, object_id: str | None, detail: dict, actor, at,
              tenant_id: str | None = None) -> dict:
    """The row ``record`` would add, as a dict for ``insert_rows`` (the bulk import writes its events with
    one statement per chunk): the current tenant's (or ``tenant_id``, which must be it), at ``at``, by
    ``actor`` (a user), no request address."""
    from ipservice.core.ids import new_id
    from ipservice.core.tenancy import current_tenant_id

    tenant_id = tenant_id or current_tenant_id()
    return {"tenant_id": tenant_id, "id": new_id(), "at": at, "actor_id": actor.id,
            "actor_email": actor.email, "actor_role": actor.role, "action": action,
            "object_type": object_type, "object_id": object_id, "detail": detail or {}, "ip": None}


def insert_rows(rows: list[dict]) -> None:
    """Write events made by ``event_row`` in one statement (``bulkinsert``), in the current transaction."""
    from ipservice.core.bulkinsert import insert_many

    insert_many(AuditEvent.__table__, rows)
