"""Subsidy pages beside the one set of filing pages (``core/filing_pages.py``:
``/t/<t>/subsidy-applications/``): the rules an organization can apply for (可申请的政策), the bureau's
liability, what the filing pages ask of subsidies (the rule a new application is filed under, the
application's estimate and budget lines), the header links and the old page URLs redirecting."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import filing, filing_pages
from ipservice.core.access import access
from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.labels import ORG_TYPES, label
from ipservice.core.types import today_china
from ipservice.core.validators import filter_date_problem
from ipservice.subsidy import budget as budget_lines, exports, schemas, services
from ipservice.subsidy.config import settings

bp = Blueprint("subsidy", __name__, template_folder="templates", url_prefix="/t/<tenant>/subsidies")


filing_pages.redirects(bp, {"": "pages_subsidy.index", "/apply/<rule>": "pages_subsidy.new",
                            "/<application_id>": "pages_subsidy.detail",
                            "/<application_id>/decision": "pages_subsidy.decision",
                            "/<application_id>/attachments": "pages_subsidy.upload",
                            "/<application_id>/attachments/<attachment_id>": "pages_subsidy.attachment",
                            "/export.<fmt>": "pages_subsidy.export"})


@bp.context_processor
def _helpers():
    return {"rule_name": services.rule_name, "org_type_label": lambda k: label(ORG_TYPES, k),
            "budget_line": lambda code: settings(g.tenant).budget(code)}  # its reading, beside its figures


# --- the rules (可申请的政策) -------------------------------------------------------------------------

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
                           cite=services.citation_of, org_types=services.org_types_of), \
        (422 if problem else 200)


# --- what the one set of filing pages asks of subsidies (subsidy/kind.py) ---------------------------------

def chosen_rule():
    """The rule a new application is filed under (``?rule=`` or the form's ``rule``): ``(cfg, rule)``; none
    named: the rules to choose from (可申请的政策); an unknown one: 404."""
    code = request.values.get("rule")
    if not code:
        abort(redirect(url_for("subsidy.rules")))
    cfg, rule = services.rule_pair(g.tenant, code)
    if cfg is None:
        error(404)
    return cfg, rule


def rule_form():
    return schemas.rule_form(g.tenant, chosen_rule()[0])()


def application_info(app) -> dict:
    """What an application's page shows beside its columns: the estimate, labels, budget lines."""
    warning = None
    if current_user.role == "bureau" and app.status == "submitted" and app.estimate_cny is not None:
        warning = budget_lines.budget_warning(app.rule_code, app.basis_year, app.estimate_cny)
    budget = settings(g.tenant).budget_chain(app.rule_code)
    lines = {b["code"]: b for b in budget_lines.budgets()} if budget else {}
    cfg, _rule = services.rule_pair(g.tenant, app.rule_code)
    return {"estimate": services.estimate_of(app), "budget_warning": warning,
            "budget_lines": [lines[b.code] for b in budget],
            "own_fields": tuple(g.tenant.forms.fields_for("subsidy")) + (cfg.fields if cfg else ()),
            "basis_label": pick(cfg.basis.zh, cfg.basis.en) if cfg else _("依据日期"),
            "base_label": pick(cfg.base.zh, cfg.base.en) if cfg and cfg.base else None}


def page_helpers() -> dict:
    tenant = g.tenant
    return {"rule_name": services.rule_name, "org_type_label": lambda k: label(ORG_TYPES, k),
            "objects_text": exports.objects_text, "evidence_status": services.evidence_status,
            "budget_line": lambda code: settings(tenant).budget(code), "application_info": application_info,
            "chosen_rule": chosen_rule, "pays": lambda cfg, rule: services.pays(tenant, cfg, rule),
            "cite": lambda rule: services.citation_of(tenant, rule)}


@bp.route("/liability")
@access("bureau")
def liability():
    """资助负债 — owed and expected per year and rule, and each budget line with what is committed."""
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        year = None
    return render_template("subsidy/liability.html", rows=budget_lines.liability(year),
                           budgets=budget_lines.budgets(),
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


# --- navigation --------------------------------------------------------------------------------------

def nav_links():
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated or current_user.tenant_id != tenant.slug:
        return []
    links = filing_pages.nav_links(filing.kind("subsidy"))
    if current_user.role == "enterprise":
        return [{"url": url_for("subsidy.rules"), "label": _("可申请的政策")}, *links]
    return [*links, {"url": url_for("subsidy.liability"), "label": _("资助负债")}] if links else []
