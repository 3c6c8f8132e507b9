"""Case pages: the enterprise files and follows its cases; the bureau works its center's queue."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ipservice import forms
from ipservice.cases import config, schemas, services
from ipservice.cases.models import CASE_MOVES
from ipservice.core.kind import mover_of
from ipservice.core import labels
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.core.idempotency import once_per_form
from ipservice.core.validators import page_number
from ipservice.forms.render import for_page, load_form, refusal

bp = Blueprint("cases", __name__, template_folder="templates")




def _messages(exc: Refusal) -> tuple[str, dict]:
    """The message and field errors a service's ``error(...)`` carries."""
    _status, message, errors = refusal(exc)
    return message, errors


def _filters() -> tuple[dict, dict]:
    """The queue's filters from the query string (bad values are ignored, not an error page)."""
    errors = {}
    try:
        filters = schemas.CaseQuery().load({k: v for k, v in request.args.items() if v != "" and k in
                                            schemas.CaseQuery().fields})
    except Exception as exc:  # marshmallow ValidationError
        errors = getattr(exc, "messages", {})
        filters = {"sort": "due"}
    return filters, errors


@bp.route("/t/<tenant>/cases")
@access("enterprise", "bureau")
def index():
    filters, _errors = _filters()
    if current_user.role == "bureau" and "sort" not in request.args:
        filters["sort"] = "due"
    page = page_number(request.args.get("page", 1))
    items, total = services.page(current_user, filters, page, 50)
    rows = [services.case_dict(g.tenant, c, current_user, detail=False) for c in items]
    return render_template(
        "cases/list.html", rows=rows, total=total, page=page, pages=max(1, -(-total // 50)), filters=filters,
        statuses=services.STATUSES, case_types=config.of(g.tenant).case_types,
        centers=config.of(g.tenant).centers,
        # only the list's own filters reach url_for: "endpoint", "_anchor", "_external", "tenant"… would not
        export_args={k: v for k, v in request.args.items() if k in schemas.CaseQuery().fields and k != "page"},
    )


@bp.route("/t/<tenant>/cases/new", methods=["GET", "POST"])
@access("enterprise")
@once_per_form
def new():
    schema = forms.schema_for(g.tenant, "case")()
    values, errors, message, status = {}, {}, None, 200
    if len(config.of(g.tenant).centers) == 1:
        values = {"center": config.of(g.tenant).centers[0].code}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        if data:
            try:
                case = services.submit(current_user, data)
            except Refusal as exc:
                if exc.status not in (403, 409, 422):
                    raise
                message, errors = _messages(exc)
                status = exc.status
            else:
                flash(_("案件已提交，案件编号：%(number)s。", number=case.number))
                return redirect(url_for("cases.detail", case_id=case.id))
        else:
            status = 422
    return render_template("cases/new.html", fields=for_page(schema), values=values, errors=errors,
                           message=message), status


def _render_detail(case, message=None, errors=None, note="", status=200):
    info = services.case_dict(g.tenant, case, current_user)
    needs_note = {m.to for m in CASE_MOVES if m.note_required}
    moves = [{"to": to, "label": services.move_label(to), "note_required": to in needs_note}
             for to in info["allowed_moves"]]
    return render_template("cases/detail.html", case=info, moves=moves, message=message, errors=errors or {},
                           note=note, max_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
                           page_url=url_for("cases.detail", case_id=case.id)), status


@bp.route("/t/<tenant>/cases/<case_id>")
@access("enterprise", "bureau")
def detail(case_id):
    return _render_detail(services.get(current_user, case_id))


@bp.route("/t/<tenant>/cases/<case_id>/transitions", methods=["POST"])
@access("enterprise", "bureau")
def move(case_id):
    case = services.get(current_user, case_id)
    note = request.form.get("note", "")
    # the API's schema: the page refuses what the API refuses (length, control characters)
    data, errors = load_form(schemas.TransitionIn(), request.form)
    if errors:
        message = " ".join(t for texts in errors.values() for t in texts)
        return _render_detail(case, message, errors, note=note, status=422)
    to = data["to"]
    step = next((m for m in CASE_MOVES if m.to == to), None)
    if (step is not None and step.by == "applicant" == mover_of(current_user)
            and request.form.get("confirm") != "yes"):  # withdrawing cannot be undone: confirmed first
        message = _("撤回后不能恢复：请勾选确认后再撤回。")
        return _render_detail(case, message, {"confirm": [message]}, note=note, status=422)
    try:
        services.move(current_user, case_id, data)
    except Refusal as exc:
        if exc.status not in (403, 409, 422):
            raise
        message, errors = _messages(exc)
        case = services.get(current_user, case_id)
        return _render_detail(case, message, errors, note=note, status=exc.status)
    flash(_("案件状态已变更为“%(status)s”。", status=labels.status_label(to)))
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/t/<tenant>/cases/<case_id>/attachments", methods=["POST"])
@access("enterprise")
def upload(case_id):
    case = services.get(current_user, case_id)
    try:
        att = services.attach(current_user, case_id, request.files.get("file"))
    except Refusal as exc:
        if exc.status not in (409, 413, 415, 422):
            raise
        message, _errors = _messages(exc)
        return _render_detail(case, message, status=exc.status)
    flash(_("已上传：%(name)s", name=att.filename))
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/t/<tenant>/cases/<case_id>/attachments/<attachment_id>")
@access("enterprise", "bureau")
def download(case_id, attachment_id):
    from ipservice.core.attachments import send

    return send(services.attachment(current_user, case_id, attachment_id))


@bp.route("/t/<tenant>/cases.<any(xlsx, csv):fmt>")
@access("bureau")
def export(fmt):
    filters, _errors = _filters()
    return services.export(g.tenant, fmt, current_user, filters)


def nav_links():
    """维权案件 (enterprise) / 案件受理 (bureau), in a tenant whose centers take cases."""
    from ipservice.tenants import TenantUnavailable, registry

    user = current_user
    if not getattr(user, "is_authenticated", False) or user.role not in ("enterprise", "bureau"):
        return []
    try:
        tenant = registry.get(user.tenant_id)
    except TenantUnavailable:  # the page saying so is drawn without the district's links
        return []
    if tenant is None or not config.of(tenant).centers:
        return []
    label = _("维权案件") if user.role == "enterprise" else _("案件受理")
    return [{"url": url_for("cases.index", tenant=tenant.slug), "label": label}]


@bp.cli.command("recompute-due")
def recompute_due_cmd():
    """Recompute the deadlines estimated Monday–Friday once the official calendar covers their year."""
    import click

    recompute_due_in_every_tenant(click.echo)


def recompute_due_in_every_tenant(echo) -> int:
    """``recompute_estimated_due_dates`` in each tenant in turn (also run by ``flask calendar add-year``)."""
    from ipservice.core import calendar
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.transaction import unit_of_work
    from ipservice.tenants import registry

    bounds = calendar.covered_years()
    echo(f"the official calendar covers {bounds[0]}–{bounds[1]}" if bounds else "the official calendar is empty")
    total = 0
    for tenant in registry.all():  # the command line works across tenants, one tenant at a time
        with tenant_context(tenant.slug), unit_of_work():
            changed = services.recompute_estimated_due_dates(tenant)
            echo(f"  {tenant.slug}: {changed} case(s) recomputed")
            total += changed
    return total
