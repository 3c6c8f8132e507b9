"""``POST /t/<tenant>/api/v1/imports`` (a spreadsheet and its kind → 202, the job runs it) and
``GET /t/<tenant>/api/v1/imports/<id>`` (its progress and counts), the report as CSV or XLSX."""
from flask import request, url_for
from flask.views import MethodView
from flask_login import current_user

from ipservice.core.access import access
from ipservice.core.exports import FILE_SCHEMA, MIME
from ipservice.extensions import Blueprint
from ipservice.importing import reports, schemas, services

blp = Blueprint("api_imports", __name__, url_prefix="/t/<tenant>/api/v1",
                description="导入 — imports of a bureau's spreadsheets, run as jobs")
BLUEPRINTS = [blp]


def as_dict(imp) -> dict:
    ended = imp.status in ("done", "failed")
    return {"id": imp.id, "kind": imp.kind, "status": imp.status, "rows": imp.rows,
            "processed": imp.processed, "ok": imp.ok, "skipped": imp.skipped, "errors": imp.errors,
            "report_url": url_for("api_imports.report_csv", tenant=imp.tenant_id, import_id=imp.id)
            if ended else None}


@blp.route("/imports")
class Imports(MethodView):
    @access("bureau")
    @blp.arguments(schemas.ImportUploadIn, location="form", content_type="multipart/form-data")
    @blp.response(202, schemas.ImportQueuedOut)
    @blp.alt_response(413, description="larger than the import limit")
    @blp.alt_response(415, description="not an Excel workbook (.xlsx)")
    @blp.alt_response(422, description="no kind or an unknown one, no file, an empty one, required columns "
                                       "missing")
    def post(self, form):
        """Import a spreadsheet (multipart ``file``, an .xlsx; ``kind``: the filing kind of its rows) through
        the same engine as ``flask import``: checked now (nothing is stored when it is refused), run by a
        job."""
        imp = services.create(current_user, form.get("kind"), request.files.get("file"))
        return {"id": imp.id, "status": imp.status}, 202


@blp.route("/imports/<import_id>")
class ImportOne(MethodView):
    @access("bureau")
    @blp.response(200, schemas.ImportOut)
    @blp.alt_response(404, description="no import of the tenant with this id")
    def get(self, import_id):
        """An import of the tenant: its status, the rows of the file, how many are processed, imported,
        skipped and refused, and its report once it has ended."""
        return as_dict(services.get(import_id))


def _report_route(fmt: str) -> None:
    def get(self, import_id):
        return reports.report_response(services.get(import_id), fmt)

    get.__doc__ = (f"The import's report as {fmt.upper()}, a row per spreadsheet row: its result and details "
                   "(what `flask import --report` writes).")
    get = access("bureau")(blp.alt_response(404, description="no import of the tenant with this id")(
        blp.response(200, description=f"the report as {fmt.upper()}", content_type=MIME[fmt],
                     schema=FILE_SCHEMA)(get)))
    blp.route(f"/imports/<import_id>/report.{fmt}", endpoint=f"report_{fmt}")(
        type(f"ImportReport{fmt.capitalize()}", (MethodView,), {"get": get}))


for _fmt in ("csv", "xlsx"):
    _report_route(_fmt)
