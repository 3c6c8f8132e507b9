"""贯标备案 pages: the organization's own records and the new-record form; the bureau's queue, decision and
exports. Session cookie + CSRF; the same services as the API."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import EXCLUDE, ValidationError
from ipservice import forms
from ipservice.certification import schemas, services
from ipservice.core.access import access
from ipservice.core.attachments import send
from ipservice.core.errors import Refusal, error
from ipservice.core.i18n import localize_errors
from ipservice.core.idempotency import once_per_form
from ipservice.core.validators import page_number
from ipservice.forms.render import for_page, load_form, refusal

bp = Blueprint("certification", __name__, template_folder="templates")
PAGE_SIZE = 50


def _failure(exc: Refusal, file_field: bool = False) -> tuple[int, dict, str]:
    """(status, field errors, message) of a service's refusal; an upload's 413/415 goes next to the file."""
    status, message, errors = refusal(exc)
    if file_field and status in (413, 415) and "file" not in errors:
        errors["file"] = [message]
    return status, errors, message


FILTERS = ("status", "submitted_from", "submitted_to")


def _filters() -> tuple[dict, dict]:
    raw = {k: v for k, v in request.args.items() if v.strip() and k in FILTERS}
    try:
        return schemas.CertificationQuery(unknown=EXCLUDE).load(raw), {}
    except ValidationError as exc:
        return {}, localize_errors(exc.messages)


def _page_no() -> int:
    return page_number(request.args.get("page", 1))


@bp.route("/t/<tenant>/certifications")
@access("enterprise", "bureau")
def index():
    filters, errors = _filters()
    page_no = _page_no()
    records, total = services.page(current_user, filters, page_no, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    template = "certification/queue.html" if current_user.role == "bureau" else "certification/mine.html"
    # only the list's own filters reach url_for: "endpoint", "_anchor", "_external", "tenant"… would not
    args = {k: v for k, v in request.args.items() if k in FILTERS}
    return render_template(template, records=records, total=total, page=page_no, pages=pages, args=args,
                           filters=request.args, errors=errors,
                           statuses=schemas.RECORD_STATUSES, org_type_label=services.org_type_label), \
        (422 if errors else 200)


def _form_fields():
    schema = forms.schema_for(g.tenant, "certification")()
    fields = for_page(schema)
    fields.append({"name": "file", "type": "file", "required": False, "accept": "application/pdf,.pdf",
                   "label": _("证书扫描件（PDF，不超过 10 MB；也可提交后在详情页上传）")})
    return schema, fields


@bp.route("/t/<tenant>/certifications/new", methods=["GET", "POST"])
@access("enterprise")
@once_per_form
def new():
    schema, fields = _form_fields()
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            upload = request.files.get("file")
            try:
                record = services.submit(current_user, data,
                                         upload=upload if upload is not None and upload.filename else None)
            except Refusal as exc:
                if exc.status not in (409, 413, 415, 422):
                    raise
                status, errors, message = _failure(exc, file_field=True)
                errors = errors or {"_schema": [message]}
            else:
                flash(_("贯标备案已提交。"))
                return redirect(url_for("certification.detail", record_id=record.id))
        if errors and request.files.get("file") and request.files["file"].filename and "file" not in errors:
            errors["file"] = [_("请重新选择要上传的文件。")]
    return render_template("certification/new.html", fields=fields, values=values, errors=errors), status


def _detail(record, status=200, **ctx):
    return render_template(
        "certification/detail.html", record=record, estimate=services.estimate_of(record),
        attachments=services.attachments_of(record), org_type_label=services.org_type_label,
        page_url=url_for("certification.detail", record_id=record.id), **ctx), status


@bp.route("/t/<tenant>/certifications/<record_id>")
@access("enterprise", "bureau")
def detail(record_id):
    return _detail(services.get(current_user, record_id))


@bp.route("/t/<tenant>/certifications/<record_id>/attachments", methods=["POST"])
@access("enterprise")
def upload(record_id):
    try:
        services.attach(current_user, record_id, request.files.get("file"))
    except Refusal as exc:
        if exc.status not in (409, 413, 415, 422):
            raise
        status, errors, message = _failure(exc, file_field=True)
        return _detail(services.get(current_user, record_id), status,
                       upload_errors=errors or {"file": [message]})
    flash(_("附件已上传。"))
    return redirect(url_for("certification.detail", record_id=record_id))


@bp.route("/t/<tenant>/certifications/<record_id>/attachments/<attachment_id>")
@access("enterprise", "bureau")
def attachment(record_id, attachment_id):
    return send(services.attachment(current_user, record_id, attachment_id))


@bp.route("/t/<tenant>/certifications/<record_id>/decision", methods=["POST"])
@access("bureau")
def decision(record_id):
    try:
        data = schemas.CertificationDecisionIn().load({k: v for k, v in request.form.items()
                                          if k in ("decision", "reason") and v.strip()})
        services.decide(current_user, record_id, data)
    except ValidationError as exc:
        return _detail(services.get(current_user, record_id), 422,
                       decision_errors=localize_errors(exc.messages),
                       reason_value=request.form.get("reason", ""))
    except Refusal as exc:
        if exc.status not in (409, 422):
            raise
        status, errors, message = _failure(exc)
        return _detail(services.get(current_user, record_id), status,
                       decision_errors=errors or {"_schema": [message]},
                       reason_value=request.form.get("reason", ""))
    flash(_("审核结果已保存。"))
    return redirect(url_for("certification.detail", record_id=record_id))


@bp.route("/t/<tenant>/certifications/export.<fmt>")
@access("bureau")
def export(fmt):
    if fmt not in ("xlsx", "csv"):
        error(404)
    filters, errors = _filters()
    if errors:
        error(422, errors=errors, location="query")
    return services.export(fmt, current_user, filters)


def nav():
    """贯标备案 (enterprise) / 贯标审核 (bureau), inside the user's own tenant only."""
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated or current_user.tenant_id != tenant.slug:
        return []
    if current_user.role == "enterprise":
        return [{"url": url_for("certification.index"), "label": _("贯标备案")}]
    if current_user.role == "bureau":
        return [{"url": url_for("certification.index"), "label": _("贯标审核")}]
    return []

