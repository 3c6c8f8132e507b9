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
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.types import CHINA, UTCDateTime, utcnow
from ipservice.extensions import db


Metric = Callable[[list[int]], dict]


@dataclass(frozen=True)
class FilingKind:
    """One kind of filing, as the rest of the service sees it.

    ``service`` answers, for the current tenant (request or command context) — the same signature for
    every kind:

    - ``submit(user, data, *, enterprise=None, upload=None)`` → the new filing (``data`` loaded by the
      tenant's form; ``enterprise`` files for another organization: the bulk import);
    - ``get(user, filing_id)`` → the filing, or a 404 ``Refusal`` (another organization's: not found);
    - ``page(user, filters, page_no, page_size)`` → ``(filings, total)``, newest first;
    - ``decide(user, filing_id, data)`` → the filing after the bureau's decision or move (``data``:
      ``{"decision", "reason"}`` for a kind decided once, ``{"to", "note"}`` for a case's next step);
    - ``stats()`` → the current tenant's counts as ``GET /api/v1/stats`` reports them.
    """

    name: str  # "custody": the contract's filing kind, the forms.toml section, the import's name
    model: type
    object_type: str  # the audit trail's object type
    label: tuple[str, str]  # (Chinese, English)
    statuses: dict[str, tuple[str, str]]  # every status → (Chinese, English) label, in workflow order
    pending: tuple[str, ...]  # statuses in which the filing waits for the bureau
    service: Any
    list_endpoint: str  # the page listing the kind (enterprise: own; bureau: queue)
    detail_endpoint: str  # the page of one filing, ``url_for(detail_endpoint, **{detail_arg: id})``
    detail_arg: str = "filing_id"
    # where the organization files one anew, and the statuses after which it may (a rejection): 我的办件
    # says so and links there instead of "nothing to do"
    new_endpoint: str | None = None
    refilable: tuple[str, ...] = ("rejected",)
    stats_key: str = ""  # its key in each tenant's ``GET /api/v1/stats`` entry (default: ``name``)
    stats_totals: Callable[[list[dict]], dict] | None = None  # totals over tenants (default: sums)
    # ``fn(aggregates, slugs) -> {slug: counts}``: the kind's statistics for every tenant at once, from the
    # cross-tenant aggregates the statistics area passes in (default: counts by status)
    stats_by_tenant: Callable | None = None
    stats_schema: Any = None  # the marshmallow schema of ``service.stats()``
    totals_schema: Any = None  # the schema of its totals (default: ``stats_schema``)
    number_attr: str | None = None  # the attribute holding the filing's number, if the kind numbers
    due_attr: str | None = None  # the attribute holding its next deadline, if it has one
    importer: Any = None  # an ``ipservice.importing.ImportSpec``: the kind's spreadsheet columns and rules
    # The KPI metrics the kind's records feed: name → ``fn(years) -> {year: value}`` (``kpi.metrics``);
    # ``register_kind`` makes them the app's, a name declared by one kind only.
    metrics: Mapping[str, Metric] = field(default_factory=dict)
    # ``fn() -> [{"year", "rule", "amount_cny", "count"}]``: what the bureau owes for granted filings (the
    # worklist's liability section), if the kind pays out
    liability: Callable[[], list[dict]] | None = None
    # ``fn(stats, names) -> [(section id, heading, chart)]``: the kind's own charts on the province view,
    # from each district's ``stats()`` (in the order of ``names``), beside the volumes every kind has
    stats_charts: Callable[[list[dict], list[str]], list] | None = None
    # More keys of the tenant's ``GET /api/v1/stats`` entry beside ``key`` (amounts only, never names):
    # ``stats_extra()`` → ``{"liability": [...]}`` for the current tenant.
    stats_extra: Callable[[], dict] | None = None
    stats_extra_schema: Any = None  # the marshmallow schema of ``stats_extra()`` (the OpenAPI document)
    # What the kind adds to a district's configuration (``tenants/<slug>/``), checked when it is loaded:
    # the schema of its ``forms.toml`` section (a ``tenants.schemas.FormSectionSchema`` with the kind's
    # choice settings; default: the tenant's own fields only) …
    form_section: Any = None
    # … whether its policy rules (``applies_to`` = its name) pay through the filing itself (the estimate on
    # the record): one such rule in force at a time, never applied for as a subsidy …
    funded_through_filing: bool = False
    # … and ``fn(folder, tenant, kinds)`` reading the kind's own tenant file, if it has one; the result is
    # ``tenant.part(name)``. It raises ``tenants.TenantConfigError`` naming the file and the field.
    tenant_config: Callable | None = None
    # ``fn(filings) -> [dict]``: the kind's filings as a person's copy of their data shows them (PIPL art. 45);
    # default: every column, the tenant's own fields and the filing's audit history (``privacy.export``)
    personal_data: Callable | None = None

    @property
    def key(self) -> str:
        return self.stats_key or self.name

    def status_label(self, status: str) -> str:
        from ipservice.core.i18n import pick

        pair = self.statuses.get(status)
        return pick(*pair) if pair else status


KINDS_KEY = "ipservice.filing_kinds"
METRICS_KEY = "ipservice.metrics"


def register_kind(app, kind: FilingKind) -> FilingKind:
    """Make ``kind`` known to everything that spans filings (once per app): its statuses to the app's
    ``labels.status_label``, its metrics to the app's KPIs (``metrics(app)``)."""
    from ipservice.core import labels

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


def submit(filing, object_type: str, user, detail: dict | None = None):
    """Add a new filing (status ``submitted``) and its audit event; the caller commits."""
    filing.status = "submitted"
    filing.submitted_by = user.id
    filing.submitted_at = utcnow()
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

    error(409, _("该申请已于此前作出决定（当前状态：%(status)s），不能再次决定。", status=status_label(status)))
