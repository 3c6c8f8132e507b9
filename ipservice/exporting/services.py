"""Large exports as jobs: counted in the request, queued with the request's transaction, built by a job that
runs the kind's own export as the user who asked (same rows, same masking, same language), kept in the
shared uploads folder (every app node sees it), announced by a notification."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, g, jsonify, make_response, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import update

from ipservice.core import audit, filing, jobs
from ipservice.core.errors import error
from ipservice.core.tenancy import current_tenant, current_tenant_id, signed_in_as, tenant_context
from ipservice.core.transaction import unit_of_work
from ipservice.core.types import utcnow
from ipservice.exporting.models import ExportJob
from ipservice.extensions import db

log = logging.getLogger(__name__)


def defer_if_large(kind, fmt: str, filters: dict):
    """A 202 answer with the queued job when the filtered list has more rows than ``EXPORT_JOB_ROWS``."""
    _first, total = kind.service.page(current_user, filters, 1, 1)
    if total <= current_app.config["EXPORT_JOB_ROWS"]:
        return None
    job = ExportJob(user_id=current_user.id, kind=kind.name, fmt=fmt, query=request.args.to_dict(),
                    language=str(get_locale() or "zh"), rows=total)
    db.session.add(job)
    db.session.flush()
    audit.record("export.queued", "export", job.id, {"kind": kind.name, "format": fmt, "rows": total})
    jobs.enqueue("exports.build", current_tenant_id(), job.id)
    response = make_response(jsonify(as_dict(job)), 202)
    response.headers["Location"] = url_for("api_exporting.Export", tenant=current_tenant_id(),
                                           export_id=job.id)
    return response


def as_dict(job: ExportJob) -> dict:
    tenant = job.tenant_id
    return {"id": job.id, "kind": job.kind, "format": job.fmt, "status": job.status, "rows": job.rows,
            "created_at": job.created_at, "finished_at": job.finished_at,
            "status_url": url_for("api_exporting.Export", tenant=tenant, export_id=job.id),
            "download_url": (url_for("api_exporting.ExportFile", tenant=tenant, export_id=job.id)
                             if job.status == "done" else None)}


def mine(user) -> list[ExportJob]:
    return list(db.session.scalars(db.select(ExportJob).where(ExportJob.user_id == user.id)
                                   .order_by(ExportJob.created_at.desc()).limit(50)))


def get(user, export_id: str) -> ExportJob:
    """The user's own export job (another user's or tenant's: 404)."""
    job = db.session.scalar(db.select(ExportJob).where(ExportJob.id == export_id,
                                                       ExportJob.user_id == user.id))
    if job is None:
        error(404)
    return job


def stored_file(job: ExportJob) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "exports" / job.tenant_id / f"{job.id}.{job.fmt}"


def send(user, export_id: str):
    """The built file as a download (409 while it is being built)."""
    from flask import send_file

    from ipservice.core.exports import MIME

    job = get(user, export_id)
    path = stored_file(job)
    if job.status != "done" or not path.is_file():
        error(409, _("导出文件尚未生成完毕，请稍后再试。"))
    return send_file(path, mimetype=MIME[job.fmt], as_attachment=True,
                     download_name=job.filename or path.name, max_age=0)


def build_job(tenant_id: str, export_id: str) -> None:
    """Build one export. Run twice (a retry, a worker killed midway) it builds the file once more and ends
    the same: the file is written whole under a temporary name, then renamed; a done job is left alone."""
    with tenant_context(tenant_id):
        with unit_of_work():
            taken = db.session.execute(update(ExportJob).where(
                ExportJob.id == export_id, ExportJob.status.in_(("queued", "running")))
                .values(status="running").execution_options(synchronize_session=False)).rowcount
            job = db.session.get(ExportJob, (tenant_id, export_id))
            user_id, kind_name, fmt, query, language = job.user_id, job.kind, job.fmt, job.query, job.language
        if not taken:
            return
        try:
            filename, rows = _build(tenant_id, export_id, user_id, kind_name, fmt, query, language)
        except Exception as exc:  # recorded on the job and told to its user; the worker goes on
            log.exception("export %s of tenant %s failed", export_id, tenant_id)
            _finish(tenant_id, export_id, user_id, status="failed", error=str(exc)[:500])
            return
        _finish(tenant_id, export_id, user_id, status="done", filename=filename, rows=rows)


def _build(tenant_id, export_id, user_id, kind_name, fmt, query, language) -> tuple[str, int]:
    from ipservice.accounts.models import User

    kind = filing.kind(kind_name)
    with current_app.test_request_context(f"/t/{tenant_id}/exports/{export_id}", query_string=query), \
            force_locale(language), tenant_context(tenant_id):
        g.tenant = current_tenant()
        signed_in_as(user_id)
        with unit_of_work():  # the export's own audit and access records, as if the user had waited for it
            user = db.session.get(User, user_id)
            login_user(user)
            filters = kind.api.query().load({k: v for k, v in query.items() if k in kind.api.query().fields})
            response = kind.api.export(fmt, user, filters)
        with unit_of_work():
            job = db.session.get(ExportJob, (tenant_id, export_id))
            target, rows = stored_file(job), job.rows
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(response.get_data())
        partial.replace(target)
        return _download_name(response) or target.name, rows


def _download_name(response) -> str | None:
    from urllib.parse import unquote

    disposition = response.headers.get("Content-Disposition", "")
    marker = "filename*=UTF-8''"
    return unquote(disposition.split(marker, 1)[1]) if marker in disposition else None


def _finish(tenant_id, export_id, user_id, **values) -> None:
    from ipservice.notifications import events

    with tenant_context(tenant_id), unit_of_work():
        db.session.execute(update(ExportJob).where(ExportJob.id == export_id).values(
            finished_at=utcnow(), **values).execution_options(synchronize_session=False))
        job = db.session.get(ExportJob, (tenant_id, export_id))
        events.notify([user_id], "background", f"export.{values['status']}",
                      {"export_id": export_id, "export_kind": job.kind, "rows": job.rows, "format": job.fmt},
                      tenant_id)
