"""A chunk imported in one go, for a kind whose spec has ``bulk`` rules (see ``spec.BulkRules``): every
row validated as row by row, the chunk's look-ups one query each, the rules applied row after row with what
the earlier rows of the chunk did, and the chunk written with one INSERT per table (``core.bulkinsert``). The
``Importer`` runs it under one SAVEPOINT and falls back to row by row when the database refuses it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from ipservice.core.errors import Refusal
from ipservice.importing.outcome import Outcome, RowErrors
from ipservice.importing.spec import Org, Prepared


class BulkChunk:
    """The ``Importer``'s chunk-at-a-time path (a mixin: it uses the importer's row steps)."""

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
            rows.append(Prepared(row_no, values, errors, self.uscc_of(values, errors),
                                 self.status_of(values)))
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

    def _write_orgs(self, new_orgs: list[Org]) -> None:
        """The chunk's new organizations, each owned by its placeholder user (an existing placeholder user
        of that e-mail is reused and made inactive, as ``create_enterprise`` does)."""
        from ipservice.accounts import services as accounts
        from ipservice.accounts.models import Enterprise, User
        from ipservice.core.bulkinsert import insert_many
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
                users.append({"id": owner_id, "email": org.owner_email,
                              "password_hash": accounts.UNUSABLE_PASSWORD,
                              "role": "enterprise", "tenant_id": self.tenant.slug, "display_name": org.name,
                              "active": False, "created_at": now, "session_generation": 0})
            enterprises.append({"tenant_id": self.tenant.slug, "id": org.id, "name": org.name,
                                "uscc": org.uscc, "contact_name": "", "contact_phone": "",
                                "user_id": owner_id, "created_at": now,
                                "verified_at": None, "verified_by": None})
        insert_many(User.__table__, users)
        insert_many(Enterprise.__table__, enterprises)
