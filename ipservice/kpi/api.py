from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from ipservice.core.access import access
from ipservice.core.exports import filename_stem, xlsx_response
from ipservice.kpi import schemas, services, xlsx

blp = Blueprint("api_kpi", __name__, url_prefix="/t/<tenant>/api/v1",
                description="指标与任务 — KPI tables and task lists")


@blp.route("/kpis")
class Kpis(MethodView):
    @access("anyone")
    @blp.arguments(schemas.KpiQuery, location="query")
    @blp.response(200, schemas.IndicatorOut(many=True))
    def get(self, query):
        """The KPI table(s): targets, computed or reported actuals; ``?year=`` adds progress."""
        return services.kpi_table(g.tenant, query.get("year"))


@blp.route("/kpis/<code>/actuals/<int:year>")
class KpiActual(MethodView):
    @access("bureau")
    @blp.arguments(schemas.ActualIn)
    @blp.response(200, schemas.ActualSaved)
    @blp.alt_response(409, description="the indicator is computed by the service")
    def put(self, data, code, year):
        """Record a reported indicator's actual value for a year (bureau)."""
        if not 2000 <= year <= 2100:
            from ipservice.core.errors import error

            error(404)
        row = services.set_actual(g.tenant, code, year, data["value"], data["note"], current_user)
        return {"code": code, "year": row.year, "value": row.value, "note": row.note, "as_of": row.as_of}


@blp.route("/kpis.xlsx")
class KpisXlsx(MethodView):
    @access("anyone")
    @blp.response(200, description="Excel workbook, one sheet per published table")
    def get(self):
        """The KPI table(s) as an Excel workbook in the published layout."""
        return xlsx_response(xlsx.build(g.tenant), f"{filename_stem(g.tenant, _('指标表'))}.xlsx")


@blp.route("/tasks")
class Tasks(MethodView):
    @access("anyone")
    @blp.response(200, schemas.TaskOut(many=True))
    def get(self):
        """The task list (重点任务 / 任务分解表) with the bureau's status and progress note."""
        return services.task_list(g.tenant)


@blp.route("/tasks/<code>")
class Task(MethodView):
    @access("bureau")
    @blp.arguments(schemas.TaskProgressIn)
    @blp.response(200, schemas.TaskOut)
    def put(self, data, code):
        """Set a task's status (not_started / in_progress / done) and progress note (bureau)."""
        return services.set_task_progress(g.tenant, code, data["status"], data["note"], current_user)


BLUEPRINTS = [blp]
