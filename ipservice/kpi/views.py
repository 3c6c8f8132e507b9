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
from ipservice.core.types import today_china
from ipservice.forms.render import for_page, load_form
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


@bp.route("/t/<tenant>/kpis/<code>", methods=["GET", "POST"])
@access("bureau")
def report_actual(code):
    ind = g.tenant.indicator(code)
    if ind is None:
        abort(404)
    schema = schemas.ActualIn()
    values, errors = request.form, {}
    year = request.values.get("year", type=int) or today_china().year
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        if not 2000 <= year <= 2100:
            errors = {**errors, "year": [_("年份须在 2000 到 2100 之间。")]}
        if data and not errors:
            services.set_actual(g.tenant, code, year, data["value"], data["note"], current_user)
            flash(_("已保存 %(year)s 年实际值。", year=year))
            return redirect(url_for("tenants.home") + "#kpis")
    reported_so_far = services.actuals(g.tenant, ind, services.reported_actuals([code]))
    return render_template("kpi/report.html", ind=ind, reported=reported_so_far, fields=for_page(schema), values=values,
                           errors=errors, year=year), (422 if errors else 200)


@bp.route("/t/<tenant>/tasks/<code>", methods=["GET", "POST"])
@access("bureau")
def task_progress(code):
    task = next((t for t in services.task_list(g.tenant) if t["code"] == code), None)
    if task is None:
        abort(404)
    schema = schemas.TaskProgressIn()
    values, errors = (request.form if request.method == "POST" else {"status": task["status"], "note": task["note"]}), {}
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        if data:
            services.set_task_progress(g.tenant, code, data["status"], data["note"], current_user)
            flash(_("任务进展已更新。"))
            return redirect(url_for("tenants.home") + "#tasks")
    return render_template("kpi/task.html", task=task, fields=for_page(schema), values=values,
                           errors=errors), (422 if errors else 200)


def _nav():
    if not g.get("tenant"):
        return []
    return [{"url": url_for("tenants.overview") + "#kpis", "label": _("指标")},
            {"url": url_for("tenants.overview") + "#tasks", "label": _("任务")}]


def init_app(app):
    hooks.nav(app, _nav)
    hooks.home_section(app, kpi_section)
