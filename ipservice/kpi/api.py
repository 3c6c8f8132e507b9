from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice.core import http_cache
from ipservice.core.access import access
from ipservice.core.exports import FILE_SCHEMA, XLSX_MIME, filename_stem, xlsx_response
from ipservice.kpi import schemas, services, xlsx

blp = Blueprint("api_kpi", __name__, url_prefix="/t/<tenant>/api/v1",
                description="指标与任务 — KPI tables and task lists")


@blp.route("/kpis")
class Kpis(MethodView):
    @access("anyone")
    @http_cache.document(max_age=0)  # reported actuals change it: revalidated on every use
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
    @blp.alt_response(409, description="the indicator is computed by the service; or a stale ``version``; or "
                                       "no ``version`` for a value that exists already")
    def put(self, data, code, year):
        """Record a reported indicator's actual value for a year (bureau).

        Concurrent edits do not overwrite each other: send ``version`` as read from ``GET /kpis`` (the
        actual's ``version``). Without it (or with 0) the PUT only creates the year's first value; once a
        value exists, a PUT without the current version is 409, as is a stale one — read again and resend.
        Any year from 2000 to 2100 is accepted; one the indicator has no target for is kept with a
        ``warning`` (its progress cannot be computed)."""
        if not 2000 <= year <= 2100:
            from ipservice.core.errors import error

            error(404)
        row, warning = services.set_actual(g.tenant, code, year, data["value"], data["note"], current_user,
                                           data.get("version"))
        return {"code": code, "year": row.year, "value": row.value, "note": row.note, "as_of": row.as_of,
                "version": row.version, "warning": warning}


@blp.route("/kpis.xlsx")
class KpisXlsx(MethodView):
    @access("anyone")
    @blp.response(200, description="Excel workbook, one sheet per published table", content_type=XLSX_MIME,
                  schema=FILE_SCHEMA)
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
    @blp.alt_response(409, description="a stale ``version``, or none for progress recorded already")
    def put(self, data, code):
        """Set a task's status (not_started / in_progress / done) and progress note (bureau).

        Send ``version`` as read from ``GET /tasks``: without it (or with 0) only the first progress is
        recorded; afterwards a missing or stale version is 409 (read again and resend)."""
        return services.set_task_progress(g.tenant, code, data["status"], data["note"], current_user,
                                          data.get("version"))


BLUEPRINTS = [blp]
