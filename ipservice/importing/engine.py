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
  what the earlier rows of the chunk did, and the chunk is written with one INSERT per table
  under one SAVEPOINT and committed. A row the rules refuse is reported and left out; should the database
  refuse the chunk anyway (a constraint: another writer came in between), the chunk is rolled back and
  imported again row by row, so the report stays exact.

Its parts: what a kind brings (``spec``), reading the workbook (``sheet``), a row's outcome (``outcome``),
the chunk-at-a-time path (``bulk``), the cells (``cells``) and the command around it (``command``).
"""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from ipservice.core.errors import Refusal
from ipservice.core.transaction import savepoint
from ipservice.importing.bulk import BulkChunk
from ipservice.importing.cells import Invalid, check_size
from ipservice.importing.outcome import Outcome, RowErrors, flatten
from ipservice.importing.spec import BOOKKEEPING

BATCH_ROWS = 500  # rows per commit (row by row: a SAVEPOINT each; a kind with bulk rules: one chunk)
LANGS = {"zh": "zh_CN", "en": "en"}


def forms_schema(tenant, kind_name: str):
    """The tenant's form schema of the kind, one instance for the whole file."""
    from ipservice import forms

    return forms.schema_for(tenant, kind_name)()


# --- the importer ------------------------------------------------------------------------------------------

class Importer(BulkChunk):
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
        # rows imported since each table the import grows was last analyzed (importing.statistics)
        self.written_unanalyzed = dict.fromkeys((kind.model.__tablename__, "enterprises"), 0)
        # what a kind's bulk rules keep from one chunk to the next of this file (certification: estimates)
        self.memo: dict = {}

    @property
    def user(self):
        # Kept, not fetched per row: after a commit the object reloads itself once (expire_on_commit).
        return self._user

    def _registration(self, field_name: str):
        """The registration form's schema for one field, built once per file (building costs more than a
        load)."""
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
        enterprise = Enterprise(name=name.strip(), uscc=uscc, contact_name="", contact_phone="",
                                user_id=owner.id)
        db.session.add(enterprise)
        db.session.flush()
        audit.record("enterprise.imported", "enterprise", enterprise.id,
                     {"name": enterprise.name, "uscc": uscc, "owner": email, "file": self.filename,
                      "row": row},
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
        for table in statistics.refresh(self.written_unanalyzed):
            self.written_unanalyzed[table] = 0
        outcomes = self._chunk(chunk, mapping)
        imported = sum(o.result == "ok" for o in outcomes)
        for table in self.written_unanalyzed:  # an organization per row at most: enterprises counted high
            self.written_unanalyzed[table] += imported
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
            current_app.logger.warning("import: rows %s–%s redone row by row (%s: %s)",
                                       chunk[0][0], chunk[-1][0],
                                       type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return [self.run_row(row_no, row, mapping) for row_no, row in chunk]

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
