"""Custody pages: the enterprise's applications and new-application form, the bureau's queue, decision,
agency management and exports. Views are thin: the services do the work, the schemas the checking."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ipservice import forms
from ipservice.core.access import access
from ipservice.core.errors import Refusal, error
from ipservice.core.idempotency import once_per_form
from ipservice.core.validators import page_number
from ipservice.custody import schemas, services
from ipservice.forms.render import flat_errors, for_page, load_form, refusal

bp = Blueprint("custody", __name__, template_folder="templates", url_prefix="/t/<tenant>/custody")

PAGE_SIZE = 50


@bp.context_processor
def _helpers():
    return {"services_text": services.services_text, "scale_text": services.scale_text,
            "tenant_fields": services.tenant_fields}


def _service_failure(exc: Refusal):
    """The message and field errors of a 409/422 raised by a service, for showing on the form."""
    if exc.status not in (409, 422):
        raise exc
    status, message, errors = refusal(exc)
    return message, errors, status


def _page_number() -> int:
    return page_number(request.args.get("page", 1))


def _filters():
    """The queue's filters from the query string: ``(filters, errors)``."""
    raw = {k: v for k in ("status", "submitted_from", "submitted_to") if (v := request.args.get(k, "").strip())}
    data, errors = load_form(schemas.CustodyEnrollmentQuery(), MultiDict(raw))
    return (data or {}), flat_errors(errors), raw


# --- enterprise --------------------------------------------------------------------------------------

@bp.route("/mine")
@access("enterprise")
def mine():
    """我的托管申请."""
    items, total = services.list_enrollments(current_user, {}, _page_number(), PAGE_SIZE)
    return render_template("custody/mine.html", items=items, total=total, page=_page_number(),
                           page_size=PAGE_SIZE)


def _form_fields(schema) -> list[dict]:
    """The tenant's custody form for the page; the agency is a choice among the approved agencies."""
    specs = for_page(schema)
    agencies = services.list_agencies()
    for spec in specs:
        if spec["name"] == "agency_id":
            spec["type"] = "choice"
            spec["choices"] = [{"value": a.id, "label": a.name, "label_zh": a.name, "label_en": a.name}
                               for a in agencies]
    return specs


@bp.route("/new", methods=["GET", "POST"])
@access("enterprise")
@once_per_form
def new():
    """新建托管申请 — the form comes from the tenant's form schema."""
    schema = forms.schema_for(g.tenant, "custody")()
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        errors, status = flat_errors(errors), (422 if errors else 200)
        if data:
            try:
                enrollment = services.submit(current_user, data)
            except Refusal as exc:
                message, errors, status = _service_failure(exc)
            else:
                flash(_("托管申请已提交，请等待知识产权局审核。"))
                return redirect(url_for(".detail", enrollment_id=enrollment.id))
    return render_template("custody/new.html", fields=_form_fields(schema), values=values, errors=errors,
                           message=message), status


# --- both --------------------------------------------------------------------------------------------

@bp.route("/<enrollment_id>")
@access("enterprise", "bureau")
def detail(enrollment_id):
    enrollment = services.get(current_user, enrollment_id)
    return render_template("custody/detail.html", e=enrollment, values={}, errors={}, message=None,
                           page_url=url_for(".detail", enrollment_id=enrollment.id))


# --- bureau ------------------------------------------------------------------------------------------

@bp.route("/queue")
@access("bureau")
def queue():
    """托管审核 — every enrollment of the tenant, with filters and exports."""
    filters, errors, raw = _filters()
    page = _page_number()
    items, total = ([], 0) if errors else services.list_enrollments(current_user, filters, page, PAGE_SIZE)
    counts = services.stats()
    return render_template("custody/queue.html", items=items, total=total, page=page, page_size=PAGE_SIZE,
                           filters=raw, errors=errors, counts=counts,
                           statuses=schemas.STATUSES), (422 if errors else 200)


@bp.route("/<enrollment_id>/decision", methods=["POST"])
@access("bureau")
def decide(enrollment_id):
    data, errors = load_form(schemas.CustodyDecisionIn(), request.form)
    errors, message, status = flat_errors(errors), None, 422
    if data:
        try:
            enrollment = services.decide(current_user, enrollment_id, data)
        except Refusal as exc:
            message, errors, status = _service_failure(exc)
        else:
            flash(_("已批准该托管申请。") if enrollment.status == "approved" else _("已驳回该托管申请。"))
            return redirect(url_for(".detail", enrollment_id=enrollment.id))
    enrollment = services.get(current_user, enrollment_id)
    # shown on the POST URL: the language links go to the detail page (GET), not here
    return render_template("custody/detail.html", e=enrollment, values=request.form, errors=errors,
                           message=message, page_url=url_for(".detail", enrollment_id=enrollment.id)), status


@bp.route("/agencies", methods=["GET", "POST"])
@access("bureau")
def agencies():
    """托管服务机构 — list (approved or not) and add."""
    schema = schemas.CustodyAgencyIn()
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        errors, status = flat_errors(errors), (422 if errors else 200)
        if data:
            try:
                agency = services.create_agency(data)
            except Refusal as exc:
                message, errors, status = _service_failure(exc)
            else:
                flash(_("已添加托管服务机构：%(name)s", name=agency.name))
                return redirect(url_for(".agencies"))
    return render_template("custody/agencies.html", agencies=services.list_agencies(include_unapproved=True),
                           fields=for_page(schema), values=values, errors=errors, message=message), status


@bp.route("/agencies/<agency_id>/approval", methods=["POST"])
@access("bureau")
def agency_approval(agency_id):
    approved = request.form.get("approved") in ("true", "1", "on")
    agency = services.set_agency_approval(agency_id, approved)
    flash(_("已批准托管服务机构：%(name)s", name=agency.name) if approved
          else _("已撤销托管服务机构的批准：%(name)s", name=agency.name))
    return redirect(url_for(".agencies"))


@bp.route("/export.<any(xlsx, csv):fmt>")
@access("bureau")
def export(fmt):
    filters, errors, _raw = _filters()
    if errors:
        error(422, errors=errors, location="query")
    return services.export(fmt, current_user, filters)


# --- navigation, home page, demo data ------------------------------------------------------------------

def nav_links():
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated or current_user.tenant_id != tenant.slug:
        return []
    if current_user.role == "enterprise":
        return [{"url": url_for("custody.mine"), "label": _("托管申请")}]
    if current_user.role == "bureau":
        return [{"url": url_for("custody.queue"), "label": _("托管审核")},
                {"url": url_for("custody.agencies"), "label": _("托管服务机构")}]
    return []


def agencies_section(tenant):
    """The tenant's approved custody agencies on its home page."""
    agencies = services.list_agencies()
    if not agencies:
        return None
    return "custody/_home_agencies.html", {"agencies": agencies}

