"""The filing mechanism every kind shares (custody enrollments, certification records, cases, …): an
organization submits on its tenant's form; the bureau decides once, or works it through states.

- The registry: each area registers its ``FilingKind`` once (``register_kind(app, kind)`` in its
  ``init_app``); whatever spans filings — statistics, worklists, imports, labels, forms, navigation —
  iterates ``kinds()`` and never names a kind.
- The model mixes in ``FilingMixin``; the area's service calls ``submit``/``decide`` here, which write
  the audit event in the same transaction and never commit (the request or command does).
- Ownership is a query filter (``owned``): another enterprise's filing is simply not found (404).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.kind import FilingKind, Metric, Move, allowed_moves, check, mover_of
from ipservice.core.types import CHINA, UTCDateTime, utcnow
from ipservice.extensions import db


KINDS_KEY = "ipservice.filing_kinds"
METRICS_KEY = "ipservice.metrics"


def register_kind(app, kind: FilingKind) -> FilingKind:
    """Make ``kind`` known to everything that spans filings (once per app): its statuses to the app's
    ``labels.status_label``, its metrics to the app's KPIs (``metrics(app)``)."""
    from ipservice.core import labels

    check(kind)
    kinds = app.extensions.setdefault(KINDS_KEY, {})
    if kind.name in kinds and kinds[kind.name] is not kind:
        raise RuntimeError(f"filing kind {kind.name!r} registered twice")
    known = app.extensions.setdefault(METRICS_KEY, {})
    for name in kind.metrics:
        if name in known and known[name] is not kind.metrics[name]:
            raise RuntimeError(f"metric {name!r} declared by two kinds")
    labels.register_statuses(app, kind.statuses)
    kinds[kind.name] = kind
    known.update(kind.metrics)
    return kind


def metrics(app=None) -> dict[str, Metric]:
    """Every KPI metric the app's kinds declared, by name."""
    return dict((app or current_app).extensions.get(METRICS_KEY, {}))


def kinds(app=None) -> list[FilingKind]:
    """The registered kinds, in the order their areas were set up."""
    return list((app or current_app).extensions.get(KINDS_KEY, {}).values())


def kind(name: str, app=None) -> FilingKind | None:
    return (app or current_app).extensions.get(KINDS_KEY, {}).get(name)


class FilingMixin:
    """Columns every filing has. Use with ``TenantScoped``."""

    enterprise_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="submitted", index=True)
    submitted_by: Mapped[str] = mapped_column(String(36), nullable=False)
    submitted_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    form_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The tenant's own form fields (forms.toml), validated by the tenant's form schema.
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    @declared_attr.directive
    def __table_args__(cls):
        return (
            ForeignKeyConstraint(["tenant_id", "enterprise_id"], ["enterprises.tenant_id", "enterprises.id"]),
        )


def owner_conditions(model, user, enterprise_id: str | None) -> list:
    """WHERE conditions that keep an enterprise user to its own rows (none for the bureau)."""
    if user.role == "enterprise":
        return [model.enterprise_id == (enterprise_id or "-")]
    return []


def china_midnight(day) -> object:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


def list_conditions(model, filters: dict) -> list:
    """The filters every filing list offers: ``status``, ``submitted_from`` / ``submitted_to`` (days in
    China time, inclusive)."""
    conds = []
    if filters.get("status"):
        conds.append(model.status == filters["status"])
    if filters.get("submitted_from"):
        conds.append(model.submitted_at >= china_midnight(filters["submitted_from"]))
    if filters.get("submitted_to"):
        conds.append(model.submitted_at < china_midnight(filters["submitted_to"] + dt.timedelta(days=1)))
    return conds


def owned(model, user, enterprise_id: str | None):
    """A SELECT of ``model`` that an enterprise user sees only its own rows of (bureau: all)."""
    return select(model).where(*owner_conditions(model, user, enterprise_id))


def get_or_404(model, filing_id: str, user, enterprise_id: str | None):
    from ipservice.core import privacy

    obj = db.session.scalar(owned(model, user, enterprise_id).where(model.id == filing_id))
    if obj is None:
        error(404)
    if user.role == "bureau":  # who looked at whose filing (one INSERT, with the request's transaction)
        privacy.record_access("filing", model.__tablename__, obj.id, obj.enterprise_id)
    return obj


def submit(filing, object_type: str, user, detail: dict | None = None, *, at=None):
    """Add a new filing (status ``submitted``, at ``at`` or now) and its audit event; the caller commits."""
    filing.status = "submitted"
    filing.submitted_by = user.id
    filing.submitted_at = at or utcnow()
    code = getattr(type(filing), "number_code", None)
    if code and not filing.number:  # a kind numbered here (custody, certification): the year in China time
        from ipservice.core import numbering

        filing.number = numbering.filing_number(type(filing).__tablename__, code,
                                                filing.submitted_at.astimezone(CHINA).year)
    db.session.add(filing)
    db.session.flush()
    audit.record(f"{object_type}.submitted", object_type, filing.id, detail or {}, actor=user)
    return filing


def decide(filing, object_type: str, decision: str, outcomes: dict[str, str], reason: str | None, user,
           reason_required_for: tuple[str, ...]):
    """Decide a submitted filing once: ``outcomes`` maps the decision word to the new status.

    409 once decided; 422 when the decision needs a reason and has none. The status changes with an
    UPDATE conditional on ``status = 'submitted'``, so of two concurrent decisions exactly one applies
    and the other gets 409 (a check in Python alone lets both through).
    """
    new_status, reason = checked_decision(filing.status, decision, outcomes, reason, reason_required_for)
    model, now = type(filing), utcnow()
    db.session.flush()
    result = db.session.execute(
        update(model)
        .where(model.tenant_id == filing.tenant_id, model.id == filing.id, model.status == "submitted")
        .values(status=new_status, decided_by=user.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # another decision came first: what is stored now, for the answer and the page
        if filing in db.session:
            db.session.expire(filing)
        _decided_already(db.session.scalar(select(model.status).where(model.id == filing.id)))
    # the row is updated; tell the loaded object without marking it dirty
    set_committed_value(filing, "status", new_status)
    set_committed_value(filing, "decided_by", user.id)
    set_committed_value(filing, "decided_at", now)
    set_committed_value(filing, "decision_reason", reason)
    audit.record(f"{object_type}.{new_status}", object_type, filing.id, decision_detail(new_status, reason),
                 actor=user)
    return filing


def checked_decision(status: str, decision: str, outcomes: dict[str, str], reason: str | None,
                     reason_required_for: tuple[str, ...]) -> tuple[str, str | None]:
    """``(new status, reason)`` of a decision on a filing in ``status``, or the refusal ``decide`` answers
    (422: no such decision; 409: decided already; 422: a reason is needed). The bulk import decides the
    rows it writes itself through this same check."""
    if decision not in outcomes:
        error(422, errors={"decision": [_("必须是以下之一：%(choices)s。", choices=", ".join(outcomes))]})
    if status != "submitted":
        _decided_already(status)
    reason = (reason or "").strip() or None
    if decision in reason_required_for and not reason:
        error(422, _("驳回时必须填写理由。"), {"reason": [_("驳回时必须填写理由。")]})
    return outcomes[decision], reason


def decision_detail(new_status: str, reason: str | None) -> dict:
    """The audit detail of a decision (``<object type>.<new status>``)."""
    return {"from": "submitted", "to": new_status, "reason": reason}


def _decided_already(status):
    from ipservice.core.labels import status_label

    error(409,
          _("该申请已于此前作出决定（当前状态：%(status)s），不能再次决定。", status=status_label(status)))


class _Moved(Exception):
    """The filing was no longer in the status read (another writer moved it first)."""


def move(filing, moves: tuple[Move, ...], object_type: str, data: dict, user, *, effects=None, record=None,
         detail: dict | None = None, at=None):
    """Move ``filing`` along its kind's state machine (``data``: ``{"to", "note"}``).

    ``to`` is one of the kind's statuses (its body schema checks that). 403 when the move is not the caller's
    to make (the applicant's or the bureau's); 409 when it is not allowed from the current status, or no move
    leads there (the message names the moves that are); 422 when the move needs a note. ``effects(move, at,
    user, note)`` gives the kind's other columns (a deadline started, a decision recorded); ``record(old, to,
    user, at, note)`` adds the kind's history row. The status changes by an UPDATE conditional on the status
    read, in a savepoint with the history row and the audit event: of two concurrent moves exactly one
    applies, the other gets 409.
    """
    from ipservice.core.labels import status_label
    from ipservice.core.transaction import savepoint

    to, note = data.get("to"), (data.get("note") or "").strip() or None
    step = next((m for m in moves if m.to == to), None)  # None: a status no move leads to (409 below)
    if step is not None and mover_of(user) != step.by:
        error(403,
              _("只有申请人可以作此变更。") if step.by == "applicant" else _("只有知识产权局可以作此变更。"))
    old = filing.status
    if step is None or old not in step.sources:
        allowed = allowed_moves(moves, old, mover_of(user))
        message = _("当前状态为“%(status)s”，不能变更为“%(to)s”。当前允许的操作：%(moves)s。",
                    status=status_label(old), to=status_label(to), moves=_moves_text(allowed))
        error(409, message, {"to": [message]})
    if step.note_required and not note:
        message = _("变更为“%(to)s”时必须填写说明。", to=status_label(to))
        error(422, message, {"note": [message]})
    model, at = type(filing), at or utcnow()
    changes = {"status": to, **(effects(step, at, user, note) if effects else {})}
    try:
        with savepoint():  # the move, its history row and its audit event stand or fall together
            result = db.session.execute(
                update(model).where(model.tenant_id == filing.tenant_id, model.id == filing.id,
                                    model.status == old)
                .values(**changes).execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise _Moved
            if record:
                record(old, to, user, at, note)
            audit.record(f"{object_type}.{to}", object_type, filing.id,
                         {**(detail or {}), "from": old, "to": to, "note": note}, actor=user)
            db.session.flush()
    except (IntegrityError, _Moved):
        if filing in db.session:
            db.session.expire(filing)  # another writer moved it: show what is stored now
        error(409, _("状态已被他人更新，请刷新后重试。"))
    db.session.refresh(filing)
    return filing


def _moves_text(moves) -> str:
    from ipservice.core.labels import status_label

    if not moves:
        return _("无")
    return _("、").join(_("%(label)s（%(code)s）", label=status_label(m), code=m) for m in moves)
