"""The job of a page import, and the sweep that gives a lost one to a worker again.

- A job first takes the import with a conditional UPDATE (queued, or running with its lease run out: its
  worker died) and commits; a second job of the same import finds nothing to take and does nothing.
- It counts the data rows, then runs them through the ``Importer`` chunk by chunk, exactly as ``flask
  import`` does (same report). Each chunk's report rows, the counts and the progress are written in the
  chunk's own transaction (``chunk_done``), and the lease is renewed there: a job that starts again after
  its worker died goes on after the last committed chunk, and its report is the one a single run gives.
- At the end the import is done (or failed, with why) and its owner is told (站内信, e-mail by the owner's
  settings) in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from ipservice.core import jobs
from ipservice.core.bulkinsert import insert_many
from ipservice.core.ids import new_id
from ipservice.core.tenancy import tenant_context
from ipservice.core.transaction import unit_of_work
from ipservice.core.types import utcnow
from ipservice.extensions import db
from ipservice.importing import engine, workbook
from ipservice.importing.engine import Importer
from ipservice.importing.models import ImportRow, PageImport
from ipservice.importing.services import JOB, file_path

log = logging.getLogger(__name__)
SWEEP = "importing.sweep"


def init_app(app) -> None:
    jobs.job(app, JOB, run_job)
    jobs.periodic(app, SWEEP, sweep_job, minutes=1, catch_up=True)


def _lease():
    return utcnow() + dt.timedelta(seconds=current_app.config["IMPORT_LEASE_SECONDS"])


def run_job(tenant_id: str, import_id: str) -> None:
    with tenant_context(tenant_id):
        with unit_of_work():
            attempt = _take(import_id)
        if not attempt:
            return
        with unit_of_work():
            imp = db.session.get(PageImport, (tenant_id, import_id))
            lang = imp.lang
        with force_locale(engine.LANGS.get(lang, "zh_CN")):
            if attempt > current_app.config["IMPORT_MAX_ATTEMPTS"]:
                _end(tenant_id, import_id, "failed", _("导入尝试 %(n)s 次仍未完成，已停止。", n=attempt - 1))
                return
            try:
                with unit_of_work():
                    _run(tenant_id, import_id)
            except (OperationalError, InterfaceError):
                raise  # the database is gone: the lease runs out and the sweep queues the import again
            except workbook.Unreadable as exc:
                _end(tenant_id, import_id, "failed", exc.message)
                return
            except Exception as exc:  # the import fails, saying why; the worker goes on
                log.exception("import %s failed", import_id)
                _end(tenant_id, import_id, "failed",
                     _("内部错误：%(error)s", error=f"{type(exc).__name__}: {exc}"))
                return
            _end(tenant_id, import_id, "done", None)


def _take(import_id: str) -> int:
    """Take the import for this job: its attempt number, or 0 (done, or another job is running it)."""
    p = PageImport
    now = utcnow()
    result = db.session.execute(
        update(p).where(p.id == import_id, or_(p.status == "queued",
                                               (p.status == "running") & (p.lease_until < now)))
        .values(status="running", lease_until=_lease(), attempts=p.attempts + 1,
                started_at=db.func.coalesce(p.started_at, now))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return 0
    return db.session.scalar(select(p.attempts).where(p.id == import_id))


class PageImporter(Importer):
    """The engine's importer, recording each chunk's report rows and progress before the chunk commits."""

    def __init__(self, imp: PageImport, kind, tenant, user):
        super().__init__(kind, tenant, user, imp.filename)
        self.import_key = (imp.tenant_id, imp.id)

    def chunk_done(self, outcomes) -> None:
        if not outcomes:
            return
        tenant_id, import_id = self.import_key
        insert_many(ImportRow.__table__, [  # one statement per chunk (core/bulkinsert.py)
            {"tenant_id": tenant_id, "id": new_id(), "import_id": import_id, "row": o.row, "result": o.result,
             "detail": o.detail, "errors": [list(e) for e in o.errors]} for o in outcomes])
        counts = {k: sum(o.result == k for o in outcomes) for k in ("ok", "skipped", "error")}
        p = PageImport
        db.session.execute(update(p).where(p.tenant_id == tenant_id, p.id == import_id).values(
            processed=p.processed + len(outcomes), ok=p.ok + counts["ok"],
            skipped=p.skipped + counts["skipped"],
            errors=p.errors + counts["error"], last_row=outcomes[-1].row, lease_until=_lease())
            .execution_options(synchronize_session=False))


def _run(tenant_id: str, import_id: str) -> None:
    from ipservice.core import filing
    from ipservice.tenants import registry

    imp = db.session.get(PageImport, (tenant_id, import_id))
    user = _owner(imp.user_id)
    kind = filing.kind(imp.kind)
    importer = PageImporter(imp, kind, registry.get(tenant_id), user)
    path, done_up_to = file_path(imp), imp.last_row
    rows = _count(importer, path, imp.filename)
    db.session.execute(update(PageImport).where(PageImport.id == import_id).values(rows=rows)
                       .execution_options(synchronize_session=False))
    importer.end_chunk()  # the count is seen at once; the first chunk begins afresh
    sheet = workbook.open_sheet(path, imp.filename)
    try:
        layout = workbook.Layout(importer, sheet)
        data = ((n, row) for n, row in layout.data() if n > done_up_to)  # a job started again goes on
        for chunk in workbook.chunks(data):
            importer.run_chunk(chunk, layout.mapping)
    finally:
        sheet.close()


def _owner(user_id: str):
    from ipservice.accounts.models import User

    return db.session.get(User, user_id)


def _count(importer: Importer, path, name: str) -> int:
    """The data rows of the file (one streamed pass: the progress bar's length)."""
    sheet = workbook.open_sheet(path, name)
    try:
        return sum(1 for _row in workbook.Layout(importer, sheet).data())
    finally:
        sheet.close()


def _end(tenant_id: str, import_id: str, status: str, message: str | None) -> None:
    """The import done or failed, and its owner told, in one transaction (class ``background``: work the
    user started that a job finished, as a large export)."""
    from ipservice.notifications.events import notify

    with unit_of_work():
        imp = db.session.get(PageImport, (tenant_id, import_id))
        imp.status, imp.message, imp.finished_at, imp.lease_until = status, message, utcnow(), None
        notify([imp.user_id], "background", f"import.{status}",
               {"import": imp.id, "kind": imp.kind, "file": imp.filename, "ok": imp.ok,
                "skipped": imp.skipped, "errors": imp.errors, "message": message}, tenant_id)


def sweep_job() -> None:
    """Queue again every import whose job was lost: queued for more than a lease (the store was down when
    it was queued) or running with its lease run out (its worker died)."""
    from ipservice.tenants import registry

    now = utcnow()
    p = PageImport
    stale = now - dt.timedelta(seconds=current_app.config["IMPORT_LEASE_SECONDS"])
    for tenant in registry.all():
        with tenant_context(tenant.slug), unit_of_work():
            lost = db.session.scalars(select(p.id).where(or_(
                (p.status == "queued") & (p.created_at < stale),
                (p.status == "running") & (p.lease_until < now)))).all()
        for import_id in lost:
            jobs.enqueue_now(JOB, tenant.slug, import_id)
