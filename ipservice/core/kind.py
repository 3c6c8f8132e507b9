"""A filing kind, typed: what every kind answers, and the capabilities a kind declares it has.

A kind is one ``FilingKind`` value, registered once per app (``filing.register_kind``). What spans
filings — the one API and the one set of pages, statistics, worklists, imports, notifications, personal
data — reads these declarations and never names a kind. Every capability is optional by declaration
(``None``: the kind does not have it) and checked when the kind is registered (``check``).

- ``FilingService``: what every kind's service answers (submit, get, page, stats).
- ``Decision`` (决定, decided once) or ``StateMachine`` (办理, states and moves given as data).
- ``Attachments``: one signature for every kind's files.
- ``ApiSurface``: how the kind appears under ``/t/<tenant>/api/v1`` (its path, schemas, export).
- ``PageSurface``: what its pages (``/t/<tenant>/<api.path>/``, ``core/filing_pages.py``) need besides that.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from marshmallow import Schema
    from werkzeug.datastructures import FileStorage

    from ipservice.core.attachments import Attachment
    from ipservice.importing.spec import ImportSpec

SchemaClass = type["Schema"]
Metric = Callable[[list[int]], dict]  # ``fn(years) -> {year: value}`` (``kpi.metrics``)
Mover = Literal["bureau", "applicant"]


@runtime_checkable
class FilingService(Protocol):
    """What every kind's service answers, for the current tenant (request or command context)."""

    def submit(self, user, data: dict, *, enterprise=None, upload=None):
        """The new filing (``data`` loaded by the tenant's form; ``enterprise``: the bulk import files for
        another organization)."""

    def get(self, user, filing_id: str):
        """The filing, or ``NotFound`` (another organization's or tenant's: not found)."""

    def page(self, user, filters: dict, page_no: int, page_size: int) -> tuple[list, int]:
        """``(filings, total)``, newest first (an enterprise: its own)."""

    def stats(self) -> dict:
        """The current tenant's counts as ``GET /api/v1/stats`` reports them."""


@dataclass(frozen=True)
class Decision:
    """决定 — the bureau decides a submitted filing once: a decision word gives the new status."""

    outcomes: Mapping[str, str]  # "approve" → "approved"
    body: SchemaClass  # what a decision takes (the API's body, the page's form)
    apply: Callable[..., object]  # ``apply(user, filing_id, data)`` → the filing after the decision
    reason_required_for: tuple[str, ...] = ("reject",)
    answer: SchemaClass | None = None  # the API's 200 body when it is not the filing itself


@dataclass(frozen=True)
class Move:
    """One move of a state machine: to ``to`` from any of ``sources``, made by ``by``."""

    to: str
    sources: tuple[str, ...]
    by: Mover = "bureau"
    note_required: bool = False
    starts_deadline: str | None = None  # the deadline the move starts (the kind's ``deadlines`` names it)
    ends_deadlines: bool = False  # a final state: nothing is due any more


def mover_of(user) -> Mover | None:
    """Who the user is to a filing's state machine: its organization (the applicant) or the bureau."""
    return {"enterprise": "applicant", "bureau": "bureau"}.get(user.role)


def allowed_moves(moves: tuple[Move, ...], status: str, mover: Mover | None) -> list[str]:
    """The moves ``mover`` may make from ``status``, in the order declared."""
    return [m.to for m in moves if status in m.sources and m.by == mover]


@dataclass(frozen=True)
class StateMachine:
    """办理 — a filing worked through states by moves given as data."""

    moves: tuple[Move, ...]
    body: SchemaClass  # ``{"to", "note"}``
    apply: Callable[..., object]  # ``apply(user, filing_id, data)`` → the filing after the move

    def allowed(self, status: str, mover: Mover | None) -> list[str]:
        return allowed_moves(self.moves, status, mover)

    def movers(self) -> tuple[Mover, ...]:
        return tuple(dict.fromkeys(m.by for m in self.moves))

    def roles(self) -> tuple[str, ...]:
        """The user roles that make moves (the applicant is the organization's enterprise user)."""
        return tuple(dict.fromkeys("enterprise" if m == "applicant" else m for m in self.movers()))


@dataclass(frozen=True)
class Attachments:
    """Files on a filing, one signature for every kind."""

    content_types: tuple[str, ...]  # accepted by content (PDF, JPEG, PNG)
    # ``attach(user, filing_id, upload, slot)`` → the new attachment (``slot``: which document, if the kind
    # names its documents; None: its only or first one)
    attach: Callable[[object, str, FileStorage | None, str | None], Attachment]
    # ``attachment(user, filing_id, attachment_id)`` → one attachment of a filing the user may see
    attachment: Callable[[object, str, str], Attachment]
    # ``listing(user, filing_id)`` → the filing's attachments
    listing: Callable[[object, str], list]
    upload: SchemaClass  # the multipart form (``file`` and, where the kind names documents, ``document``)
    slot_field: str | None = None  # the upload form's field naming the slot
    what: str = "attachment"  # the OpenAPI's word for one file


@dataclass(frozen=True)
class ApiSurface:
    """How a kind appears under ``/t/<tenant>/api/v1``: ``/<path>``, ``/<path>/<id_arg>``, …"""

    path: str  # "custody-enrollments"
    id_arg: str  # "enrollment_id": the path parameter's name in the contract
    query: SchemaClass  # the list's filters (and the export's)
    out: SchemaClass  # one filing
    body: SchemaClass  # the submit body's base fields (the tenant's own fields come beside them)
    # ``export(fmt, user, filters)`` → the ``.xlsx`` / ``.csv`` response
    export: Callable[[str, object, dict], object]
    noun: str  # "enrollments": the OpenAPI's words for the export
    description: str  # the blueprint's description (Chinese name — English)
    list_out: SchemaClass | None = None  # a list item, when shorter than ``out``
    # ``present(filing, detail)`` → the answer's body (default: the filing, dumped by ``out``)
    present: Callable[[object, bool], object] | None = None
    # the refusals each operation documents beside the house's: {"submit": {409: "…"}, "decide": {…}}
    refusals: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    submit_text: str = ""  # the submit operation's description (what the body is)


def N_(text: str) -> str:
    """A Chinese message id for the catalog, translated where it is shown (``gettext(text, **values)``)."""
    return text


@dataclass(frozen=True)
class PageSurface:
    """What a kind's pages need besides its API surface (the one set of pages: ``core/filing_pages.py``).

    Texts are Chinese message ids marked ``N_`` (English in the catalog), formatted with ``%(number)s``,
    ``%(status)s``, ``%(name)s`` and whatever ``values(filing)`` adds.
    """

    # the kind's template of macros for what differs (``<kind>/_filing.html``): ``list_head()``,
    # ``list_row(f, url)``, ``detail(f)``; optional ``new_intro(fields)``, ``list_intro()``, ``sections(f)``,
    # ``decision_notes(f)``, ``files(f, listing)`` (its own listing of the attachments), ``after(f)``
    partial: str
    titles: Mapping[str, str]  # "mine", "queue", "new", "detail" (with ``%(number)s``) → the page's title
    nav: Mapping[str, str]  # role ("enterprise", "bureau") → its link to the list
    empty: str  # the list without rows
    # "submitted", each status a decision or move leads to (or "decided" / "moved" for all) → the message
    flashes: Mapping[str, str]
    actions: Mapping[str, str] = field(default_factory=dict)  # decision word or move target → its button
    helpers: Callable[[], dict] | None = None  # names the kind's partial calls (its cells' texts)
    values: Callable[[object], dict] | None = None  # more values for the flashed texts
    notices: Callable[[object], list[str]] | None = None  # warnings flashed after a decision
    # the new-filing form: ``form()`` → its schema (default: the tenant's form of the kind), ``fields(specs)``
    # → the fields as the page shows them (a choice among the tenant's current objects)
    form: Callable[[], object] | None = None
    fields: Callable[[list], list] | None = None
    initial: Callable[[], dict] | None = None  # the new form's values before anything is typed
    upload_on_new: bool = False  # the new form takes the first attachment (``file``)
    preview: Callable[[object, dict], object] | None = None  # ``(user, data)`` → what filing would give
    filter_choices: Mapping[str, Callable[[], list]] = field(default_factory=dict)  # name → [(value, label)]
    bureau_filters: Mapping[str, str] = field(default_factory=dict)  # the queue's default filters
    confirm: Mapping[str, str] = field(default_factory=dict)  # move target → what the mover must confirm
    slots: Callable[[object], list] | None = None  # ``slots(filing)`` → [(code, label)] of its documents


@dataclass(frozen=True)
class FilingKind:
    """One kind of filing, as the rest of the service sees it."""

    name: str  # "custody": the contract's filing kind, the forms.toml section, the import's name
    model: type
    object_type: str  # the audit trail's object type
    label: tuple[str, str]  # (Chinese, English)
    statuses: Mapping[str, tuple[str, str]]  # every status → (Chinese, English) label, in workflow order
    pending: tuple[str, ...]  # statuses in which the filing waits for the bureau
    service: FilingService
    # the page listing the kind (enterprise: own; bureau: queue) and the page of one filing,
    # ``url_for(detail_endpoint, **{detail_arg: id})``: with ``pages`` declared, its pages' (derived)
    list_endpoint: str = ""
    detail_endpoint: str = ""
    detail_arg: str = "filing_id"
    # the bureau's say: decided once, or worked through states (exactly one of the two)
    decision: Decision | None = None
    machine: StateMachine | None = None
    attachments: Attachments | None = None
    api: ApiSurface | None = None
    pages: PageSurface | None = None
    # where the organization files one anew, and the statuses after which it may (a rejection): 我的办件
    # says so and links there instead of "nothing to do"
    new_endpoint: str | None = None
    refilable: tuple[str, ...] = ("rejected",)
    stats_key: str = ""  # its key in each tenant's ``GET /api/v1/stats`` entry (default: ``name``)
    stats_totals: Callable[[list[dict]], dict] | None = None  # totals over tenants (default: sums)
    # ``fn(aggregates, slugs) -> {slug: counts}``: the kind's statistics for every tenant at once, from the
    # cross-tenant aggregates the statistics area passes in (default: counts by status)
    stats_by_tenant: Callable[[object, list[str]], dict] | None = None
    stats_schema: SchemaClass | None = None  # the marshmallow schema of ``service.stats()``
    totals_schema: SchemaClass | None = None  # the schema of its totals (default: ``stats_schema``)
    number_attr: str | None = None  # the attribute holding the filing's number, if the kind numbers
    due_attr: str | None = None  # the attribute holding its next deadline, if it has one
    importer: ImportSpec | None = None  # its spreadsheet columns and rules (``flask import``, page imports)
    # The KPI metrics the kind's records feed: name → ``fn(years) -> {year: value}`` (``kpi.metrics``);
    # ``register_kind`` makes them the app's, a name declared by one kind only.
    metrics: Mapping[str, Metric] = field(default_factory=dict)
    # More keys of the tenant's ``GET /api/v1/stats`` entry beside ``key`` (amounts only, never names):
    # ``stats_extra()`` → ``{"liability": [...]}`` for the current tenant.
    stats_extra: Callable[[], dict] | None = None
    stats_extra_schema: SchemaClass | None = None  # the schema of ``stats_extra()`` (the OpenAPI document)
    # ``fn() -> [{"year", "rule", "amount_cny", "count"}]``: what the bureau owes for granted filings (the
    # worklist's liability section), if the kind pays out
    liability: Callable[[], list[dict]] | None = None
    # ``fn(stats, names) -> [(section id, heading, chart)]``: the kind's own charts on the province view,
    # from each district's ``stats()`` (in the order of ``names``), beside the volumes every kind has
    stats_charts: Callable[[list[dict], list[str]], list] | None = None
    # What the kind adds to a district's configuration (``tenants/<slug>/``), checked when it is loaded:
    # the schema of its ``forms.toml`` section (a ``tenants.schemas.FormSectionSchema`` with the kind's
    # choice settings; default: the tenant's own fields only) …
    form_section: SchemaClass | None = None
    # … whether its policy rules (``applies_to`` = its name) pay through the filing itself (the estimate on
    # the record): one such rule in force at a time, never applied for as a subsidy …
    funded_through_filing: bool = False
    # … and ``fn(folder, tenant, kinds)`` reading the kind's own tenant file, if it has one; the result is
    # ``tenant.part(name)``. It raises ``tenants.TenantConfigError`` naming the file and the field.
    tenant_config: Callable[..., object] | None = None
    # ``fn(filings) -> [dict]``: the kind's filings as a person's copy of their data shows them (PIPL 45);
    # default: every column, the tenant's own fields and the filing's audit history (``privacy.export``)
    personal_data: Callable[[list], list[dict]] | None = None

    def __post_init__(self):
        if self.pages is not None and self.api is not None:  # its pages are the one set's: ``pages_<name>.…``
            if self.detail_arg == "filing_id":
                object.__setattr__(self, "detail_arg", self.api.id_arg)
            for attr, view in (("list_endpoint", "index"), ("detail_endpoint", "detail"),
                               ("new_endpoint", "new")):
                if not getattr(self, attr):
                    object.__setattr__(self, attr, f"pages_{self.name}.{view}")

    @property
    def key(self) -> str:
        return self.stats_key or self.name

    def advance(self, user, filing_id: str, data: dict):
        """The bureau's decision or the filing's next move, whichever the kind declares (the bulk import
        takes a row's recorded outcome through this same path)."""
        step = self.decision or self.machine
        if step is None:
            raise KindDeclarationError(f"filing kind {self.name!r} declares neither a decision nor moves")
        return step.apply(user, filing_id, data)

    def status_label(self, status: str) -> str:
        from ipservice.core.i18n import pick

        pair = self.statuses.get(status)
        return pick(*pair) if pair else status


class KindDeclarationError(TypeError):
    """A filing kind declares something inconsistent (raised when it is registered, at start-up)."""


def check(kind: FilingKind) -> None:
    """Refuse a kind whose declared capabilities do not fit together (at registration, not at first use)."""
    def fail(why: str):
        raise KindDeclarationError(f"filing kind {kind.name!r}: {why}")

    if not isinstance(kind.service, FilingService):
        missing = [n for n in ("submit", "get", "page", "stats")
                   if not callable(getattr(kind.service, n, None))]
        fail(f"its service lacks {', '.join(missing)}")
    if kind.decision is not None and kind.machine is not None:
        fail("declares both a decision and a state machine")
    unknown = set(kind.pending) - set(kind.statuses)
    if kind.decision is not None:
        unknown |= set(kind.decision.outcomes.values()) - set(kind.statuses)
        if not set(kind.decision.reason_required_for) <= set(kind.decision.outcomes):
            fail("a decision needing a reason is not one of its outcomes")
    if kind.machine is not None:
        for move in kind.machine.moves:
            unknown |= ({move.to} | set(move.sources)) - set(kind.statuses)
    if unknown:
        fail(f"names statuses it does not declare: {', '.join(sorted(unknown))}")
    if kind.pages is not None and kind.api is None:
        fail("has pages but no API surface (the pages live at its path)")
    if not kind.list_endpoint or not kind.detail_endpoint:
        fail("names no list and detail page (declare its pages, or the endpoints)")
    if kind.api is not None and kind.decision is None and kind.machine is None:
        fail("has an API but neither a decision nor a state machine")
    if kind.attachments is not None and kind.attachments.slot_field is not None \
            and kind.attachments.slot_field not in kind.attachments.upload._declared_fields:
        fail(f"its upload form has no field {kind.attachments.slot_field!r}")
