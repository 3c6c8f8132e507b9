"""贯标认证备案 API — ``/t/<tenant>/api/v1/certifications``."""
from flask import g, request
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice import forms
from ipservice.certification import schemas, services
from ipservice.core import exports
from ipservice.core.access import access
from ipservice.core.attachments import AttachmentOut, download_doc, send
from ipservice.core.idempotency import idempotent

blp = Blueprint("api_certification", __name__, url_prefix="/t/<tenant>/api/v1",
                description="贯标认证备案 — records of certification to the IP management standard")


@blp.route("/certifications")
class Certifications(MethodView):
    @access("enterprise", "bureau")
    @blp.arguments(schemas.CertificationQuery, location="query")
    @blp.response(200, schemas.CertificationOut(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, query, pagination_parameters):
        """The organization's own records (enterprise) or all of the tenant's (bureau), newest first.

        Filters: ``status``, ``submitted_from``, ``submitted_to`` (days, China time, inclusive)."""
        records, total = services.page(current_user, query, pagination_parameters.page,
                                       pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return records

    @access("enterprise")
    @idempotent
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": schemas.CertificationBase}}},
             description="The body is the tenant's certification form (GET /forms): these base fields plus the "
                         "tenant's own fields at the top level.")
    @blp.response(201, schemas.CertificationOut)
    @blp.alt_response(409, description="the certificate number is already recorded in the tenant")
    @blp.alt_response(422, description="validation failed")
    def post(self):
        """File a 贯标 certification record; the answer carries the subsidy estimate with its citation."""
        data = forms.load_json(g.tenant, "certification")
        return services.submit(current_user, data), 201


@blp.route("/certifications/<record_id>")
class Certification(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, schemas.CertificationOut)
    def get(self, record_id):
        """One record with its attachments and subsidy estimate (404 for another organization's)."""
        return services.get(current_user, record_id)


@blp.route("/certifications/<record_id>/attachments")
class Attachments(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, AttachmentOut(many=True))
    def get(self, record_id):
        """The record's attachments."""
        return services.attachments_of(services.get(current_user, record_id))

    @access("enterprise")
    @blp.arguments(schemas.CertificationUploadIn, location="files")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(413, description="larger than 10 MB")
    @blp.alt_response(415, description="the content is not a PDF")
    def post(self, files, record_id):
        """Add the certificate scan (multipart ``file``: a PDF by content, at most 10 MB) to one's own record."""
        return services.add_scan(current_user, record_id, request.files.get("file")), 201


@blp.route("/certifications/<record_id>/attachments/<attachment_id>")
class AttachmentFile(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, description="the file")
    @blp.doc(**download_doc("application/pdf"))
    def get(self, record_id, attachment_id):
        """Download an attachment (the owner and the tenant's bureau only)."""
        return send(services.scan(current_user, record_id, attachment_id))


@blp.route("/certifications/<record_id>/decision")
class Decision(MethodView):
    @access("bureau")
    @blp.arguments(schemas.CertificationDecisionIn)
    @blp.response(200, schemas.CertificationOut)
    @blp.alt_response(409, description="already decided")
    def post(self, data, record_id):
        """Verify or reject (a reason is required) a submitted record."""
        return services.decide(current_user, record_id, data)


def _export(fmt, query):
    headers, rows = services.export_table(g.tenant, current_user, query)
    title, caption, stem = services.export_name(g.tenant)
    return exports.table_response(fmt, title, headers, rows, stem, caption=caption)


exports.export_routes(blp, "/certifications", schemas.CertificationQuery, _export, "records")


BLUEPRINTS = [blp]
