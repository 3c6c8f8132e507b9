"""The bulk-import engine every filing kind uses: read the first sheet (streamed), find the header row, turn
each row into the API body through the kind's columns, load it with the tenant's form schema, file it (and
decide it, for a historical decided row) with the kind's own service — one transaction per row — and write
the row-by-row report. What is specific to a kind (its columns, its duplicate rule, how a decided status is
reached) is its ``ImportSpec``, kept with the kind (``ipservice/<area>/imports.py``).

Decisions (see also the README, "Bulk import"):

- The header row is the first of the first ten rows that names at least two known columns (a title row
  above it, as in the service's own exports, is fine). Headers are the Chinese column names or the English
  field names; unknown columns are ignored (listed on stderr).
- Every row passes the same validation and rules as an API filing: the tenant's form schema loads it and
  the kind's service files it, so a refusal of the service (``core.errors.Refusal``) becomes the row's
  errors, next to the columns they concern.
- The importing user (``--as EMAIL``, a bureau user of the tenant) is recorded as the one who filed the
  record and made the decision; each imported record also gets a ``<type>.imported`` audit event with the
  file name and row number.
- The organization of a row is found by its USCC in the tenant. When there is none yet it is created, owned
  by a placeholder enterprise user that cannot log in (``uscc-<uscc>@<tenant>.import.invalid``, inactive,
  no usable password).
- Re-importing creates no duplicates: the kind's duplicate rule skips a row whose record exists, before any
  other check. A rejected record blocks only a rejected row (a rejected filing may be filed again).
- One SAVEPOINT per row, a commit every ``BATCH_ROWS`` rows (the chunk boundary, the only place the import
  commits): a bad row leaves nothing behind (not even its placeholder organization), and the import does
  not pay a commit per row. A row another writer came first for (a unique index refuses it) is refused
  inside its own savepoint — the services never roll back the transaction — so the rows before it in the
  chunk stay, and the report says exactly what is stored.
- A kind whose spec has ``bulk`` (see ``BulkRules``) is imported in chunks of ``BATCH_ROWS`` rows: every
  row is validated as above (same schemas, same messages), the chunk's look-ups are one query each (its
  organizations by USCC, what the kind's rules read), the rules are applied row after row in Python with
  what the earlier rows of the chunk did, and the chunk is written with one INSERT … executemany per table
  under one SAVEPOINT and committed. A row the rules refuse is reported and left out; should the database
  refuse the chunk anyway (a constraint: another writer came in between), the chunk is rolled back and
  imported again row by row, so the report stays exact.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from ipservice.core.errors import Refusal
from ipservice.core.transaction import savepoint
from ipservice.importing.cells import Column, Invalid, as_text, check_size, joiner, norm

HEADER_SEARCH_ROWS = 10
BATCH_ROWS = 500  # rows per commit (row by row: a SAVEPOINT each; a kind with bulk rules: one chunk)
LANGS = {"zh": "zh_CN", "en": "en"}
BOOKKEEPING = ("enterprise_name", "uscc", "status", "reason")


@dataclass
class ImportSpec:
    """How one filing kind comes in from a spreadsheet.

    - ``command``: the name under ``flask import``; ``help``: its one-line help.
    - ``columns(tenant)``: the kind's columns (base fields, the tenant's own fields, status and reason).
    - ``decisions``: a historical status → the ``decide`` payloads that reach it (``{"reason"}`` is filled
      from the row's reason column where a payload names it).
    - ``existing(values, enterprise, context, row_status)``: why the row is a duplicate, or None.
    - ``resolve(values, errors)``: a lookup the row needs (custody: the agency), passed as ``context``.
    - ``payload(values, context)``: the API body (default: the values without the bookkeeping columns).
    - ``error_keys``: the service's field names that are not column keys (``agency_id`` → ``agency``).
    """

    command: str
    help: str
    columns: Callable
    existing: Callable
    decisions: dict = field(default_factory=dict)
    resolve: Callable | None = None
    payload: Callable | None = None
    error_keys: dict = field(default_factory=dict)
    bulk: Callable | None = None  # ``bulk(importer, rows, orgs)`` → the kind's ``BulkRules`` for one chunk

    def __post_init__(self):
        if self.bulk is not None and self.resolve is not None:
            raise ValueError(f"import {self.command}: bulk rules look up what the row needs themselves (no resolve)")


@dataclass
class Prepared:
    """A row of a chunk after its cells are read: values and errors by column key, the USCC as the
    registration form loads it (None when missing or invalid: the error is in ``errors``)."""

    row_no: int
    values: dict
    errors: dict
    uscc: str | None
    status: str


@dataclass
class Org:
    """An organization of a chunk: found by its USCC, or created by an earlier row of the chunk."""

    id: str
    uscc: str
    new: bool = False
    name: str = ""
    owner_email: str = ""
    created_at: dt.datetime | None = None


class BulkRules(Protocol):
    """What a kind brings to import a chunk without a query per row (``ImportSpec.bulk`` makes one per
    chunk): the same rules as its service, with what they read fetched for the whole chunk at once.

    - ``__init__(importer, rows, orgs)``: the chunk's look-ups, one query each (``rows``: ``Prepared``;
      ``orgs``: ``{uscc: Org}`` of the organizations that exist, locked as the service locks them);
    - ``existing(row, org)``: why the row is a duplicate (the spec's ``existing`` rule, seeing also what
      the earlier rows of the chunk wrote), or None;
    - ``add(row, data, org, events)``: apply the service's rules to the loaded ``data`` and keep the
      filing to write; raises ``Refusal`` as the service would, *before* keeping anything; appends its
      audit events (``audit.event_row``) to ``events``; returns the filing's id;
    - ``write()``: write what was kept (executemany), after the organizations and before the events.
    """

    def __init__(self, importer, rows: list[Prepared], orgs: dict[str, Org]):
        ...

    def existing(self, row: Prepared, org: Org | None) -> str | None:
        ...

    def add(self, row: Prepared, data: dict, org: Org, events: list[dict]) -> str:
        ...

    def write(self) -> None:
        ...


def blocks(existing_status: str, row_status: str) -> bool:
    """Whether an existing record makes the row a duplicate: any record that is not rejected, and a
    rejected one for a rejected row (a rejected filing may be filed again, as through the API)."""
    return existing_status != "rejected" or row_status == "rejected"


# --- reading the workbook ----------------------------------------------------------------------------------

class Sheet:
    """The first sheet of a workbook, read row by row (openpyxl read-only: memory stays flat)."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self._wb = load_workbook(path, read_only=True, data_only=True)
        self._ws = self._wb.worksheets[0]
        self.size_hint = self._ws.max_row or 0

    def rows(self) -> Iterator[tuple]:
        return self._ws.iter_rows(values_only=True)

    def close(self):
        self._wb.close()


def map_header(rows: list[tuple], columns: list[Column]):
    """``(header row index, {column key: cell index}, ignored headers)`` of the header row: the first of the
    first rows that names at least two known columns (else the first non-empty row)."""
    by_name: dict[str, Column] = {}
    for col in columns:
        for name in col.names:
            by_name.setdefault(norm(name), col)
    for col in columns:  # the English label too (the English template's headers), after every other name
        by_name.setdefault(norm(col.label_en), col)

    def mapping(row):
        found, ignored = {}, []
        for i, cell in enumerate(row):
            text = as_text(cell)
            if not text:
                continue
            col = by_name.get(norm(text))
            if col is None:
                ignored.append(text)
            else:
                found.setdefault(col.key, i)
        return found, ignored

    first = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if first is None and any(as_text(c) for c in row):
            first = index
        found, ignored = mapping(row)
        if len(found) >= 2:
            return index, found, ignored
    if first is None:
        return None, {}, []
    found, ignored = mapping(rows[first])
    return first, found, ignored


# --- the outcome of a row ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Outcome:
    """One row's result, kept until the report is written: small (slots, no list of its own when the row
    has no errors), so that a ledger of 100 000 rows does not grow the import's memory by much."""

    row: int
    result: str                                # "ok", "skipped", "error"
    detail: str = ""                           # why skipped
    errors: list[tuple[str, str]] | tuple = ()  # (column label, message)

    def result_text(self) -> str:
        return {"ok": _("导入成功"), "skipped": _("跳过"), "error": _("错误")}[self.result]

    def detail_text(self) -> str:
        if self.result == "skipped":
            return self.detail
        if self.result == "error":
            return ("；" if joiner() == "、" else "; ").join(
                _("%(field)s：%(message)s", field=f, message=m) if f else m for f, m in self.errors)
        return ""

    def lines(self) -> list[str]:
        if self.result == "ok":
            return [_("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())]
        if self.result == "skipped":
            return [_("第 %(row)s 行：跳过（%(reason)s）", row=self.row, reason=self.detail)]
        head = _("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())
        return [head] + ["    " + (_("%(field)s：%(message)s", field=f, message=m) if f else m)
                         for f, m in self.errors]


class RowErrors(Exception):
    def __init__(self, errors: dict):
        super().__init__("row errors")
        self.errors = errors


def flatten(messages) -> list[str]:
    from ipservice.core.i18n import localize_errors

    messages = localize_errors(messages)
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flatten(value)]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in flatten(value)]
    return [str(messages)]


def forms_schema(tenant, kind_name: str):
    """The tenant's form schema of the kind, one instance for the whole file."""
    from ipservice import forms

    return forms.schema_for(tenant, kind_name)()


# --- the importer ------------------------------------------------------------------------------------------

class Importer:
    """Imports the rows of one kind into the current tenant, one savepoint per row, a commit per batch."""

    error_keys = {"decision": "status", "to": "status", "extra": None}

    def __init__(self, kind, tenant, user, filename: str):
        self.kind, self.spec = kind, kind.importer
        self.tenant, self.user_id, self._user, self.filename = tenant, user.id, user, filename
        self.form_schema = forms_schema(tenant, kind.name)
        self._schemas: dict = {}
        self.columns = self.spec.columns(tenant)
        self.by_key = {c.key: c for c in self.columns}
        self.error_keys = {**self.error_keys, **self.spec.error_keys}
        self.written_unanalyzed = 0  # rows imported since the tables were last analyzed (importing.statistics)

    @property
    def user(self):
        # Kept, not fetched per row: after a commit the object reloads itself once (expire_on_commit).
        return self._user

    def _registration(self, field_name: str):
        """The registration form's schema for one field, built once per file (building costs more than a load)."""
        from ipservice.accounts.schemas import RegistrationSchema

        schema = self._schemas.get(field_name)
        if schema is None:
            schema = self._schemas[field_name] = RegistrationSchema(only=(field_name,))
        return schema

    def label_of(self, key: str | None) -> str:
        key = self.error_keys.get(key, key)
        col = self.by_key.get(key) if key else None
        return col.label if col is not None else ""

    def values(self, row: tuple, mapping: dict) -> tuple[dict, dict]:
        """``(values by column key, errors by column key)``; empty cells are left out."""
        values, errors = {}, {}
        for key, index in mapping.items():
            raw = row[index] if index < len(row) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                values[key] = self.by_key[key].convert(check_size(raw))
            except Invalid as exc:
                errors[key] = [str(exc)]
        return values, errors

    def enterprise(self, values: dict, errors: dict):
        """The row's organization by USCC (``None`` when it is new); the USCC and, for a new one, the name
        are validated as on the registration form."""
        from ipservice.accounts.models import Enterprise
        from ipservice.extensions import db

        uscc = self.uscc_of(values, errors)
        if uscc is None:
            return None, None
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
        if enterprise is None:
            self.check_new_name(values, errors)
        return uscc, enterprise

    def uscc_of(self, values: dict, errors: dict) -> str | None:
        """The row's USCC as the registration form loads it; None (and the error) when missing or invalid."""
        if not values.get("uscc"):
            errors.setdefault("uscc", []).append(_("缺少必填字段。"))
            return None
        try:
            return self._registration("uscc").load({"uscc": values["uscc"]})["uscc"]
        except ValidationError as exc:
            errors.setdefault("uscc", []).extend(flatten(exc.messages))
            return None

    def check_new_name(self, values: dict, errors: dict) -> None:
        """The name of an organization the row creates, validated as on the registration form."""
        try:
            self._registration("name").load({"name": values.get("enterprise_name") or ""})
        except ValidationError as exc:
            errors.setdefault("enterprise_name", []).extend(flatten(exc.messages))

    def placeholder_email(self, uscc: str) -> str:
        return f"uscc-{uscc}@{self.tenant.slug}.import.invalid".lower()

    def create_enterprise(self, uscc: str, name: str, row: int):
        """A new organization owned by a placeholder user that cannot log in (see the module docstring)."""
        from ipservice.accounts import services as accounts
        from ipservice.accounts.models import Enterprise
        from ipservice.core import audit
        from ipservice.extensions import db

        email = self.placeholder_email(uscc)
        owner = accounts.find_user(email)
        if owner is None:
            # No password to hash (scrypt was most of an import's time): a marker no password matches.
            owner = accounts.create_user(email, None, "enterprise", self.tenant.slug, name.strip(),
                                         password_hash=accounts.UNUSABLE_PASSWORD, verified=False)
        owner.active = False
        db.session.flush()
        enterprise = Enterprise(name=name.strip(), uscc=uscc, contact_name="", contact_phone="", user_id=owner.id)
        db.session.add(enterprise)
        db.session.flush()
        audit.record("enterprise.imported", "enterprise", enterprise.id,
                     {"name": enterprise.name, "uscc": uscc, "owner": email, "file": self.filename, "row": row},
                     actor=self.user)
        return enterprise

    @staticmethod
    def status_of(values: dict) -> str:
        return values.get("status") or "submitted"

    # -- one row

    def run_row(self, row_no: int, row: tuple, mapping: dict) -> Outcome:
        """One row under its own SAVEPOINT: released when it is imported, rolled back otherwise, so a bad row
        leaves nothing behind while the rows are committed in chunks (``end_chunk``)."""
        try:
            with savepoint():
                outcome = self._row(row_no, row, mapping)
        except RowErrors as exc:
            outcome = Outcome(row_no, "error", errors=self._messages(exc.errors))
        except Refusal as exc:  # the kind's service refused the row
            outcome = self.refused(row_no, exc)
        except (OperationalError, InterfaceError):
            raise  # the database is gone: stop (what was committed stays), never report rows it lost
        except Exception as exc:  # noqa: BLE001 — one broken row must not stop the import
            outcome = Outcome(row_no, "error",
                              errors=[("", _("内部错误：%(error)s", error=f"{type(exc).__name__}: {exc}"))])
        return outcome

    def refused(self, row_no: int, exc: Refusal) -> Outcome:
        """The report row of a domain refusal (its field messages by column, else its message)."""
        return Outcome(row_no, "error", errors=self._messages(exc.errors) or [("", exc.text)])

    def end_chunk(self) -> None:
        """The chunk boundary: commit the rows imported since the last one (a transaction per chunk)."""
        from ipservice.extensions import db

        db.session.commit()

    def _messages(self, errors: dict) -> list[tuple[str, str]]:
        """``[(column label, message)]`` in the order of the columns (the row's own messages first)."""
        order = {c.key: n for n, c in enumerate(self.columns)}
        out = []
        for key, messages in sorted(errors.items(),
                                    key=lambda kv: order.get(self.error_keys.get(kv[0], kv[0]), -1)):
            if key == "extra" and isinstance(messages, dict):
                out += self._messages(messages)
                continue
            label = "" if key == "_schema" else (self.label_of(key) or key)
            out += [(label, m) for m in flatten(messages)]
        return out

    # -- a chunk of rows (a kind with ``bulk``)

    def run_chunk(self, chunk: list[tuple[int, tuple]], mapping: dict) -> list[Outcome]:
        """Import ``chunk`` (``[(row number, cells)]``) in one go when the kind has ``bulk`` rules, else row
        by row; a chunk the database refuses is rolled back and imported row by row (the exact report)."""
        from ipservice.importing import statistics

        # the planner's statistics of what the import grows, before the chunk's look-ups (PostgreSQL)
        if statistics.refresh([self.kind.model.__tablename__, "enterprises"], self.written_unanalyzed):
            self.written_unanalyzed = 0
        outcomes = self._chunk(chunk, mapping)
        self.written_unanalyzed += sum(o.result == "ok" for o in outcomes)
        self.chunk_done(outcomes)
        self.end_chunk()
        return outcomes

    def chunk_done(self, outcomes: list[Outcome]) -> None:
        """A hook, called with the chunk's outcomes in the chunk's transaction, before it commits (a page
        import records its progress and report rows there: what is stored and what is reported commit
        together)."""

    def _chunk(self, chunk: list[tuple[int, tuple]], mapping: dict) -> list[Outcome]:
        if self.spec.bulk is None or not chunk:
            return [self.run_row(row_no, row, mapping) for row_no, row in chunk]
        try:
            with savepoint():
                return self._bulk(chunk, mapping)
        except (OperationalError, InterfaceError):
            raise  # the database is gone (see run_row)
        except Exception as exc:  # noqa: BLE001 — a constraint (or anything unforeseen): redo it row by row
            from flask import current_app

            self.fallbacks += 1
            current_app.logger.warning("import: rows %s–%s redone row by row (%s: %s)", chunk[0][0], chunk[-1][0],
                                       type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return [self.run_row(row_no, row, mapping) for row_no, row in chunk]

    fallbacks = 0  # chunks imported row by row after the database refused them whole
    _last_now = None

    def now(self):
        """``utcnow()``, strictly increasing within the import: a chunk's rows keep the file's order in
        ``submitted_at`` and the audit trail as when they were written one by one."""
        from ipservice.core.types import utcnow

        now, last = utcnow(), self._last_now
        if last is not None and now <= last:
            now = last + dt.timedelta(microseconds=1)
        self._last_now = now
        return now

    def _bulk(self, chunk: list[tuple[int, tuple]], mapping: dict) -> list[Outcome]:
        from ipservice.accounts.models import Enterprise
        from ipservice.core import audit
        from ipservice.core.locks import lock_row
        from ipservice.extensions import db

        rows = []
        for row_no, cells in chunk:
            values, errors = self.values(cells, mapping)
            rows.append(Prepared(row_no, values, errors, self.uscc_of(values, errors), self.status_of(values)))
        usccs = sorted({r.uscc for r in rows if r.uscc})
        orgs: dict[str, Org] = {}
        if usccs:
            # Locked before anything is read, as the service locks an organization before its rules read its
            # filings (core.locks; on SQLite this takes the database's write lock first).
            lock_row(Enterprise, Enterprise.uscc.in_(usccs))
            orgs = {uscc: Org(id_, uscc) for id_, uscc in db.session.execute(
                select(Enterprise.id, Enterprise.uscc).where(Enterprise.uscc.in_(usccs)))}
        rules = self.spec.bulk(self, rows, orgs)
        new_orgs: list[Org] = []
        events: list[dict] = []
        outcomes = []
        for row in rows:
            try:
                outcome = self._bulk_row(row, orgs, rules, new_orgs, events)
            except RowErrors as exc:
                outcome = Outcome(row.row_no, "error", errors=self._messages(exc.errors))
            except Refusal as exc:
                outcome = self.refused(row.row_no, exc)
            outcomes.append(outcome)
        self._write_orgs(new_orgs)
        rules.write()
        audit.insert_rows(events)
        return outcomes

    def _bulk_row(self, row: Prepared, orgs: dict, rules, new_orgs: list, events: list) -> Outcome:
        """One row of a chunk: the steps of ``_row`` in the same order, with the chunk's look-ups."""
        from ipservice.core import audit
        from ipservice.core.ids import new_id

        values, errors = row.values, row.errors
        org = orgs.get(row.uscc) if row.uscc else None
        if row.uscc and org is None:
            self.check_new_name(values, errors)
        skip = rules.existing(row, org)
        if skip:
            return Outcome(row.row_no, "skipped", detail=skip)
        data = self.form_data(values, None, errors)
        mine: list[dict] = []
        if org is None:
            name = values["enterprise_name"].strip()
            org = Org(new_id(), row.uscc, new=True, name=name, owner_email=self.placeholder_email(row.uscc),
                      created_at=self.now())  # before its audit event, as when it is flushed first
            mine.append(audit.event_row("enterprise.imported", "enterprise", org.id, {
                "name": name, "uscc": row.uscc, "owner": org.owner_email, "file": self.filename,
                "row": row.row_no}, self.user, self.now(), self.tenant.slug))
        record_id = rules.add(row, data, org, mine)  # refuses before it keeps anything
        mine.append(audit.event_row(f"{self.kind.object_type}.imported", self.kind.object_type, record_id,
                                    {"file": self.filename, "row": row.row_no, "status": row.status},
                                    self.user, self.now(), self.tenant.slug))
        if org.new and row.uscc not in orgs:
            orgs[row.uscc] = org
            new_orgs.append(org)
        events.extend(mine)
        return Outcome(row.row_no, "ok")

    def form_data(self, values: dict, context, errors: dict) -> dict:
        """The row loaded by the tenant's form, as the API loads a body; ``RowErrors`` with the cells' own
        errors and the form's when anything is wrong."""
        payload = (self.spec.payload(values, context) if self.spec.payload
                   else {k: v for k, v in values.items() if k not in BOOKKEEPING})
        try:
            data = self.form_schema.load(payload)
        except ValidationError as exc:
            for key, messages in exc.messages.items():
                # a cell that could not be converted keeps its own message
                errors.setdefault(self.error_keys.get(key, key) or key, messages)
        if errors:
            raise RowErrors(errors)
        return data

    def _write_orgs(self, new_orgs: list[Org]) -> None:
        """The chunk's new organizations, each owned by its placeholder user (an existing placeholder user
        of that e-mail is reused and made inactive, as ``create_enterprise`` does)."""
        from ipservice.accounts import services as accounts
        from ipservice.accounts.models import Enterprise, User
        from ipservice.core.ids import new_id
        from ipservice.extensions import db

        if not new_orgs:
            return
        emails = [o.owner_email for o in new_orgs]
        found = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        if found:
            db.session.execute(update(User).where(User.id.in_(list(found.values()))).values(active=False)
                               .execution_options(synchronize_session=False))
        users, enterprises = [], []
        for org in new_orgs:
            owner_id = found.get(org.owner_email)
            now = org.created_at
            if owner_id is None:
                owner_id = new_id()
                users.append({"id": owner_id, "email": org.owner_email, "password_hash": accounts.UNUSABLE_PASSWORD,
                              "role": "enterprise", "tenant_id": self.tenant.slug, "display_name": org.name,
                              "active": False, "created_at": now, "session_generation": 0})
            enterprises.append({"tenant_id": self.tenant.slug, "id": org.id, "name": org.name, "uscc": org.uscc,
                                "contact_name": "", "contact_phone": "", "user_id": owner_id, "created_at": now,
                                "verified_at": None, "verified_by": None})
        if users:
            db.session.execute(User.__table__.insert(), users)
        db.session.execute(Enterprise.__table__.insert(), enterprises)

    def _row(self, row_no: int, row: tuple, mapping: dict) -> Outcome:
        from ipservice.core import audit

        values, errors = self.values(row, mapping)
        uscc, enterprise = self.enterprise(values, errors)
        context = self.spec.resolve(values, errors) if self.spec.resolve else None
        status = self.status_of(values)
        skip = self.spec.existing(values, enterprise, context, status)
        if skip:
            return Outcome(row_no, "skipped", detail=skip)
        data = self.form_data(values, context, errors)
        if enterprise is None:
            enterprise = self.create_enterprise(uscc, values["enterprise_name"], row_no)
        record = self.kind.service.submit(self.user, data, enterprise=enterprise)
        for step in self.spec.decisions.get(status, ()):
            step = {k: (values.get("reason") if v is None else v) for k, v in step.items()}
            self.kind.advance(self.user, record.id, step)
        audit.record(f"{self.kind.object_type}.imported", self.kind.object_type, record.id,
                     {"file": self.filename, "row": row_no, "status": status}, actor=self.user)
        return Outcome(row_no, "ok")
