"""资助申请 pages: the rules an organization can apply for (可申请的政策) with the estimate shown before
submitting; the organization's applications; the bureau's queue, decision (with the budget warning),
exports and liability. Thin: the services do the work, the rule's form does the checking."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import EXCLUDE, ValidationError

from ipservice.core.access import access
from ipservice.core.attachments import send
from ipservice.core.errors import Refusal, error
from ipservice.core.i18n import localize_errors, pick
from ipservice.core.idempotency import once_per_form
from ipservice.core.labels import ORG_TYPES, label
from ipservice.core.types import today_china
from ipservice.core.validators import filter_date_problem, page_number
from ipservice.forms.render import for_page, load_form, refusal
from ipservice.subsidy import budget as budget_lines, exports, schemas, services
from ipservice.subsidy.config import settings

bp = Blueprint("subsidy", __name__, template_folder="templates", url_prefix="/t/<tenant>/subsidies")
PAGE_SIZE = 50


@bp.context_processor
def _helpers():
    return {"rule_name": services.rule_name, "org_type_label": lambda k: label(ORG_TYPES, k),
            "objects_text": exports.objects_text,
            "budget_line": lambda code: settings(g.tenant).budget(code)}  # its reading, beside its figures


def _refused(exc: Refusal, statuses=(409, 413, 415, 422)):
    """(status, message, field errors) of a service's refusal shown on the page; anything else goes on."""
    if exc.status not in statuses:
        raise exc
    return refusal(exc)


# --- the rules (可申请的政策) ---------------------------------------------------------------------------------

def _day(text: str | None) -> tuple[dt.date, str | None]:
    if not text:
        return today_china(), None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return today_china(), _("不是有效的日期（格式 YYYY-MM-DD）。")
    problem = filter_date_problem(day)
    return (today_china(), problem) if problem else (day, None)


@bp.route("/rules")
@access("anyone")
def rules():
    """可申请的政策 — the rules in force on a day (today by default) and the others, with what each pays."""
    day, problem = _day(request.args.get("on"))
    tenant = g.tenant
    pairs = services.rules(tenant)
    current = [(cfg, rule) for cfg, rule in pairs if rule.in_force(day)]
    others = [(cfg, rule) for cfg, rule in pairs if not rule.in_force(day)]
    return render_template("subsidy/rules.html", day=day, problem=problem, current=current, others=others,
                           pays=lambda cfg, rule: services.pays(tenant, cfg, rule),
                           cite=services.citation_of, org_types=services.org_types_of), (422 if problem else 200)


def _apply_fields(cfg, rule):
    fields = [f for f in for_page(schemas.rule_form(g.tenant, cfg)()) if f["name"] != "rule"]
    return fields


@bp.route("/apply/<rule_code>", methods=["GET", "POST"])
@access("enterprise")
@once_per_form
def apply(rule_code):
    """申请资助 under one rule: "估算" shows the estimate without filing, "提交申请" files."""
    cfg, rule = services.rule_pair(g.tenant, rule_code)
    if cfg is None:
        error(404)
    schema = schemas.rule_form(g.tenant, cfg)()
    values, errors, message, status, estimate = {}, {}, None, 200, None
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        errors = {k: (v if isinstance(v, list) else [str(v)]) for k, v in errors.items()}
        status = 422 if errors else 200
        if data:
            try:
                if request.form.get("action") == "submit":
                    app = services.submit(current_user, data)
                    flash(_("资助申请已提交，申请编号 %(number)s。", number=app.number))
                    return redirect(url_for(".detail", application_id=app.id))
                estimate = services.estimate(current_user, data)
            except Refusal as exc:
                status, message, errors = _refused(exc)
    return render_template("subsidy/apply.html", cfg=cfg, rule=rule, fields=_apply_fields(cfg, rule),
                           values=values, errors=errors, message=message, estimate=estimate,
                           pays=services.pays(g.tenant, cfg, rule), cite=services.citation_of(g.tenant, rule)), status


# --- lists ---------------------------------------------------------------------------------------------------

FILTERS = ("status", "rule", "submitted_from", "submitted_to")


def _filters():
    raw = {k: v for k, v in request.args.items() if k in FILTERS and v.strip()}
    try:
        return schemas.SubsidyApplicationQuery(unknown=EXCLUDE).load(raw), {}
    except ValidationError as exc:
        return {}, localize_errors(exc.messages)


@bp.route("")
@access("enterprise", "bureau")
def index():
    """我的资助申请 (enterprise) / 资助审核 (bureau: every application, filters, exports)."""
    filters, errors = _filters()
    page_no = page_number(request.args.get("page", 1))
    items, total = ([], 0) if errors else services.page(current_user, filters, page_no, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    # only the list's own filters reach url_for: "endpoint", "_method", "_external", "tenant"… would not
    args = {k: v for k, v in request.args.items() if k in FILTERS}
    template = "subsidy/queue.html" if current_user.role == "bureau" else "subsidy/mine.html"
    return render_template(template, items=items, total=total, page=page_no, pages=pages, args=args,
                           filters=request.args, errors=errors, statuses=schemas.STATUSES,
                           counts=services.stats() if current_user.role == "bureau" else None,
                           rule_choices=schemas.rule_choices(g.tenant)), (422 if errors else 200)


# --- one application -----------------------------------------------------------------------------------------

def _detail(app, status=200, **ctx):
    warning = None
    if current_user.role == "bureau" and app.status == "submitted" and app.estimate_cny is not None:
        warning = budget_lines.budget_warning(app.rule_code, app.basis_year, app.estimate_cny)
    budget = settings(g.tenant).budget_chain(app.rule_code)
    lines = {b["code"]: b for b in budget_lines.budgets()} if budget else {}
    cfg, rule = services.rule_pair(g.tenant, app.rule_code)
    own = tuple(g.tenant.forms.fields_for("subsidy")) + (cfg.fields if cfg else ())
    return render_template(
        "subsidy/detail.html", a=app, estimate=services.estimate_of(app), evidence=services.evidence_status(app),
        budget_warning=warning, budget_lines=[lines[b.code] for b in budget], own_fields=own,
        basis_label=pick(cfg.basis.zh, cfg.basis.en) if cfg else _("依据日期"),
        base_label=pick(cfg.base.zh, cfg.base.en) if cfg and cfg.base else None, **ctx), status


@bp.route("/<application_id>")
@access("enterprise", "bureau")
def detail(application_id):
    return _detail(services.get(current_user, application_id))


@bp.route("/<application_id>/attachments", methods=["POST"])
@access("enterprise")
def upload(application_id):
    try:
        services.attach(current_user, application_id, request.files.get("file"),
                              request.form.get("document") or None)
    except Refusal as exc:
        status, message, errors = _refused(exc)
        return _detail(services.get(current_user, application_id), status,
                       upload_errors={"file": [message]} if not errors else errors)
    flash(_("附件已上传。"))
    return redirect(url_for(".detail", application_id=application_id))


@bp.route("/<application_id>/attachments/<attachment_id>")
@access("enterprise", "bureau")
def attachment(application_id, attachment_id):
    return send(services.attachment(current_user, application_id, attachment_id))


@bp.route("/<application_id>/decision", methods=["POST"])
@access("bureau")
def decision(application_id):
    data, errors = load_form(schemas.SubsidyDecisionIn(), request.form)
    message, status = None, 422
    if data:
        try:
            app = services.decide(current_user, application_id, data)
        except Refusal as exc:
            status, message, errors = _refused(exc, (409, 422))
        else:
            if app.status == "approved":
                flash(_("已批准，核定金额 %(amount)s 元。", amount=f"{app.granted_cny:,}"))
                if app.warning:
                    flash(app.warning, "warning")
            else:
                flash(_("已驳回该资助申请。"))
            return redirect(url_for(".detail", application_id=application_id))
    return _detail(services.get(current_user, application_id), status, decision_errors=errors,
                   decision_message=message, decision_values=request.form)


@bp.route("/export.<any(xlsx, csv):fmt>")
@access("bureau")
def export(fmt):
    filters, errors = _filters()
    if errors:
        error(422, errors=errors, location="query")
    return exports.export(fmt, current_user, filters)


@bp.route("/liability")
@access("bureau")
def liability():
    """资助负债 — owed and expected per year and rule, and each budget line with what is committed."""
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        year = None
    return render_template("subsidy/liability.html", rows=budget_lines.liability(year), budgets=budget_lines.budgets(),
                           year=year)


def home_section(tenant):
    """The tenant home: how many rules can be applied for, linked to 可申请的政策 (for everyone)."""
    pairs = services.rules(tenant)
    if not pairs:
        return None
    today = today_china()
    current = [rule for _cfg, rule in pairs if rule.in_force(today)]
    # with none in force today, open the page on the last day of the latest period, where they are listed
    on = None if current else max(rule.effective_to for _cfg, rule in pairs).isoformat()
    return "subsidy/_home.html", {"total": len(pairs), "current": len(current), "on": on}


# --- navigation ----------------------------------------------------------------------------------------------

def nav_links():
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated or current_user.tenant_id != tenant.slug:
        return []
    if current_user.role == "enterprise":
        return [{"url": url_for("subsidy.rules"), "label": _("可申请的政策")},
                {"url": url_for("subsidy.index"), "label": _("资助申请")}]
    if current_user.role == "bureau":
        return [{"url": url_for("subsidy.index"), "label": _("资助审核")},
                {"url": url_for("subsidy.liability"), "label": _("资助负债")}]
    return []
