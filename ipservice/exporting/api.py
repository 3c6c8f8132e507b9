"""大批量导出 API — ``/t/<tenant>/api/v1/exports``: the caller's export jobs, one job, its file."""
from flask.views import MethodView
from flask_login import current_user
from marshmallow import fields

from ipservice.core.access import access
from ipservice.core.attachments import download_doc
from ipservice.core.exports import MIME
from ipservice.exporting import services
from ipservice.exporting.models import STATUSES
from ipservice.extensions import Blueprint
from ipservice.core.dump import OutSchema

blp = Blueprint("api_exporting", __name__, url_prefix="/t/<tenant>/api/v1",
                description="大批量导出 — exports too large for one request, built by a job")


class ExportJobOut(OutSchema):
    id = fields.String()
    kind = fields.String(metadata={"description": "the filing kind exported"})
    format = fields.String(metadata={"enum": list(MIME)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    rows = fields.Integer()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    status_url = fields.String()
    download_url = fields.String(allow_none=True, metadata={"description": "once ``status`` is done"})


@blp.route("/exports")
class Exports(MethodView):
    @access("bureau")
    @blp.response(200, ExportJobOut(many=True))
    def get(self):
        """The caller's export jobs, newest first (the last 50)."""
        return [services.as_dict(j) for j in services.mine(current_user)]


@blp.route("/exports/<export_id>")
class Export(MethodView):
    @access("bureau")
    @blp.response(200, ExportJobOut)
    def get(self, export_id):
        """One of the caller's export jobs (another user's: 404)."""
        return services.as_dict(services.get(current_user, export_id))


@blp.route("/exports/<export_id>/file")
class ExportFile(MethodView):
    @access("bureau")
    @blp.response(200, description="the file")
    @blp.doc(**download_doc(*MIME.values()))
    @blp.alt_response(409, description="not built yet (``status`` is not done)")
    def get(self, export_id):
        """Download the built file (its owner only)."""
        return services.send(current_user, export_id)


BLUEPRINTS = [blp]
