"""KPI tables and task lists on the tenant home page; the bureau's pages to report actuals and progress."""
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import hooks
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.core.i18n import is_english, pick
from ipservice.core.types import today_china
from ipservice.forms.render import for_page, load_form, refusal
from ipservice.kpi import schemas, services

bp = Blueprint("kpi", __name__, template_folder="templates")


def _tables(tenant):
    rows = services.kpi_table(tenant)
    this_year = today_china().year
    out = []
    for table in tenant.kpi_tables:
        year = min(this_year, max(table.years))
        table_rows = []
        for r in (x for x in rows if x["table"] == table.code):
            ind = tenant.indicator(r["code"])
            r["progress"] = services.progress(ind, year, r["actuals"])
            r["latest"] = r["actuals"][-1] if r["actuals"] else None
            table_rows.append(r)
        out.append({"table": table, "year": year, "rows": table_rows,
                    "document": tenant.document(table.document)})
    return out


def kpi_section(tenant):
    return "kpi/_home.html", {"tables": _tables(tenant), "tasks": services.task_list(tenant),
                              "documents": {d.code: d for d in tenant.documents}}


def _versions(code: str, years: list[int]) -> dict[int, int]:
    reported = services.reported_actuals([code])
    return {y: reported[(code, y)].version if (code, y) in reported else 0 for y in years}


@bp.route("/t/<tenant>/kpis/<code>", methods=["GET", "POST"])
@access("bureau")
def report_actual(code):
    """Enter a reported indicator's value for one of its target years. The version of each year's value
    travels in the form, so an edit made meanwhile by someone else is shown, not overwritten."""
    ind = g.tenant.indicator(code)
    if ind is None or ind.source == "computed":
        abort(404)
    years = services.target_years(g.tenant, ind)
    schema = schemas.actual_page_schema(years)()
    asked = request.args.get("year", type=int)
    values = {"year": str(asked if asked in years else services.default_year(g.tenant, ind))}
    errors, message, status = {}, None, 200
    versions = _versions(code, years)
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            year = data["year"]
            try:
                services.set_actual(g.tenant, code, year, data["value"], data["note"], current_user,
                                    request.form.get(f"version_{year}", type=int))
            except Refusal as exc:
                status, message, errors = refusal(exc)
                versions = _versions(code, years)  # resubmitting now overwrites knowingly
            else:
                flash(_("已保存“%(name)s”%(year)s 年实际值。", name=pick(ind.name_zh, ind.name_en),
                        year=year),
                      "#kpis")
                return redirect(url_for("tenants.overview") + "#kpis")
    reported = services.actuals(g.tenant, ind, services.reported_actuals([code]))
    comma, semicolon, colon = (", ", "; ", ": ") if is_english() else ("、", "；", "：")
    return render_template(
        "kpi/report.html", ind=ind, fields=for_page(schema), values=values, errors=errors, message=message,
        versions=versions, target_years_text=comma.join(str(y) for y in years) or "—",
        reported_text=semicolon.join(f"{a['year']}{colon}{a['value']:g}" for a in reported) or "—"), status


@bp.route("/t/<tenant>/tasks/<code>", methods=["GET", "POST"])
@access("bureau")
def task_progress(code):
    task = next((t for t in services.task_list(g.tenant) if t["code"] == code), None)
    if task is None:
        abort(404)
    schema = schemas.TaskProgressIn()
    values = {"status": task["status"], "note": task["note"], "version": task["version"]}
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            try:
                services.set_task_progress(g.tenant, code, data["status"], data["note"], current_user,
                                           data.get("version"))
            except Refusal as exc:
                status, message, errors = refusal(exc)
                task = next(t for t in services.task_list(g.tenant) if t["code"] == code)
                values = {**request.form.to_dict(), "version": task["version"]}
            else:
                flash(_("任务进展已更新：%(title)s。", title=task["title"]), "#tasks")
                return redirect(url_for("tenants.overview") + "#tasks")
    return render_template("kpi/task.html", task=task, fields=for_page(schema), values=values,
                           errors=errors, message=message), status


def _nav():
    if not g.get("tenant"):
        return []
    return [{"url": url_for("tenants.overview") + "#kpis", "label": _("指标")},
            {"url": url_for("tenants.overview") + "#tasks", "label": _("任务")}]


def init_app(app):
    hooks.nav(app, _nav)
    hooks.home_section(app, kpi_section)
