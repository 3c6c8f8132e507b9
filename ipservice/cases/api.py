"""Cases API: ``/t/<tenant>/api/v1/cases`` — intake, lists, a case with its history, moves, evidence."""

from flask import g, request
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice import forms
from ipservice.cases import (
    schemas,
    services,
)
from ipservice.core import exports
from ipservice.core.access import access
from ipservice.core.attachments import AttachmentOut, download_doc
from ipservice.core.idempotency import idempotent

blp = Blueprint("api_cases", __name__, url_prefix="/t/<tenant>/api/v1",
                description="保护中心案件受理 — protection-center and rights-assistance cases")

PAGE = {"page_size": 50, "max_page_size": 500}




def _case(case_id: str):
    return services.get(current_user, case_id)


@blp.route("/cases")
class Cases(MethodView):
    @access("enterprise", "bureau")
    @blp.arguments(schemas.CaseQuery, location="query")
    @blp.response(200, schemas.CaseListOut(many=True))
    @blp.paginate(**PAGE)
    def get(self, filters, pagination_parameters):
        """Cases (enterprise: its own; bureau: all), filtered by type, status, center and overdue.

        ``?sort=due`` puts the nearest deadline first (the bureau's queue); default newest first.
        """
        items, total = services.page(current_user, filters,
                                           pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return [services.case_dict(g.tenant, c, current_user, detail=False) for c in items]

    @access("enterprise")
    @idempotent
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": schemas.CaseBase}}},
             description="The body is the tenant's case form (``GET /forms``): these base fields plus the "
                         "tenant's own fields at the top level. ``center`` may be left out when the tenant "
                         "has one center.")
    @blp.response(201, schemas.CaseOut)
    @blp.alt_response(422, description="validation failed: a type or center the tenant does not offer, a "
                                       "right number with a bad check digit, 专利预审 without an accepted 备案 …")
    def post(self):
        """File a case (``Idempotency-Key`` accepted); it gets its number and its due dates."""
        data = forms.load_json(g.tenant, "case")
        case = services.submit(current_user, data)
        return services.case_dict(g.tenant, case, current_user)


@blp.route("/cases/<case_id>")
class CaseResource(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, schemas.CaseOut)
    def get(self, case_id):
        """One case with its history (another enterprise's or tenant's: 404)."""
        return services.case_dict(g.tenant, _case(case_id), current_user)


@blp.route("/cases/<case_id>/transitions")
class Transitions(MethodView):
    @access("enterprise", "bureau")
    @blp.arguments(schemas.TransitionIn)
    @blp.response(200, schemas.CaseOut)
    @blp.alt_response(403, description="not the caller's move (withdrawn: the applicant; all others: bureau)")
    @blp.alt_response(409, description="not allowed from the current status; the message names the moves "
                                       "that are")
    @blp.alt_response(422, description="declined, mediated and resolved need a note")
    def post(self, data, case_id):
        """Move a case: submitted → accepted | declined; accepted → in_progress; in_progress → mediated |
        resolved; mediated | resolved → closed; withdrawn (by the applicant) from any open status."""
        case = services.transition(g.tenant, _case(case_id), data["to"], data.get("note"), current_user)
        return services.case_dict(g.tenant, case, current_user)


@blp.route("/cases/<case_id>/attachments")
class Evidence(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, AttachmentOut(many=True))
    def get(self, case_id):
        """The case's evidence files."""
        return services.evidence_list(_case(case_id))

    @access("enterprise")
    @blp.arguments(schemas.UploadIn, location="files")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(413, description="larger than 10 MB")
    @blp.alt_response(415, description="not a PDF, JPEG or PNG (checked by content)")
    def post(self, files, case_id):
        """Add an evidence file (multipart ``file``) to one's own open case."""
        return services.add_evidence(_case(case_id), request.files.get("file"), current_user)


@blp.route("/cases/<case_id>/attachments/<attachment_id>")
class EvidenceFile(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, description="the file")
    @blp.doc(**download_doc(*services.EVIDENCE_TYPES))
    def get(self, case_id, attachment_id):
        """Download an evidence file (the applicant and the bureau only)."""
        from ipservice.core.attachments import send

        return send(services.evidence(_case(case_id), attachment_id))


exports.export_routes(blp, "/cases", schemas.CaseQuery,
                      lambda fmt, filters: services.export(g.tenant, fmt, current_user, filters), "cases")

BLUEPRINTS = [blp]
