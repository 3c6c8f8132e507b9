"""Custody API: ``/t/<tenant>/api/v1/agencies`` and ``/t/<tenant>/api/v1/custody-enrollments``."""
from flask import g
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice import forms
from ipservice.core import exports
from ipservice.core.access import access
from ipservice.core.idempotency import idempotent
from ipservice.custody import schemas, services

blp = Blueprint("api_custody", __name__, url_prefix="/t/<tenant>/api/v1",
                description="中小微企业知识产权托管 — custody enrollment and custody service agencies")

PAGE = {"page_size": 50, "max_page_size": 500}

# --- agencies ----------------------------------------------------------------------------------------

@blp.route("/agencies")
class Agencies(MethodView):
    @access("anyone")
    @blp.arguments(schemas.CustodyAgencyQuery, location="query")
    @blp.response(200, schemas.CustodyAgencyOut(many=True))
    def get(self, query):
        """托管服务机构 — the approved custody agencies (the bureau adds ``?all=1`` for every agency)."""
        return services.list_agencies(include_unapproved=query["all"] and services.is_own_bureau(current_user))

    @access("bureau")
    @blp.arguments(schemas.CustodyAgencyIn)
    @blp.response(201, schemas.CustodyAgencyOut)
    @blp.alt_response(409, description="an agency with this USCC exists in the tenant")
    def post(self, data):
        """Add a custody agency (approved at once)."""
        return services.create_agency(data)

@blp.route("/agencies/<agency_id>")
class Agency(MethodView):
    @access("anyone")
    @blp.response(200, schemas.CustodyAgencyOut)
    def get(self, agency_id):
        """One agency (one that is not approved: bureau only)."""
        return services.get_agency(agency_id, include_unapproved=services.is_own_bureau(current_user))

@blp.route("/agencies/<agency_id>/approval")
class AgencyApproval(MethodView):
    @access("bureau")
    @blp.arguments(schemas.CustodyAgencyApprovalIn)
    @blp.response(200, schemas.CustodyAgencyOut)
    def post(self, data, agency_id):
        """Approve an agency (``{"approved": true}``) or withdraw its approval (``false``)."""
        return services.set_agency_approval(agency_id, data["approved"])

# --- enrollments -------------------------------------------------------------------------------------

@blp.route("/custody-enrollments")
class Enrollments(MethodView):
    @access("enterprise", "bureau")
    @blp.arguments(schemas.CustodyEnrollmentQuery, location="query")
    @blp.response(200, schemas.CustodyEnrollmentOut(many=True))
    @blp.paginate(**PAGE)
    def get(self, filters, pagination_parameters):
        """Custody enrollments, newest first (enterprise: its own; bureau: all in the tenant)."""
        items, total = services.list_enrollments(current_user, filters, pagination_parameters.page,
                                                 pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return items

    @access("enterprise")
    @idempotent
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": schemas.CustodyEnrollmentBase}}},
        description="The body is the tenant's custody form (``GET /forms``): these base fields plus the "
                    "tenant's own fields at the top level.")
    @blp.response(201, schemas.CustodyEnrollmentOut)
    @blp.alt_response(409, description="an enrollment for an overlapping period is submitted or approved")
    @blp.alt_response(422, description="validation failed, or the agency is unknown or not approved")
    def post(self):
        """File a custody enrollment (``Idempotency-Key`` accepted)."""
        return services.submit(current_user, forms.load_json(g.tenant, "custody"))

@blp.route("/custody-enrollments/<enrollment_id>")
class Enrollment(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, schemas.CustodyEnrollmentOut)
    def get(self, enrollment_id):
        """One custody enrollment (another enterprise's or tenant's: 404)."""
        return services.get(current_user, enrollment_id)

@blp.route("/custody-enrollments/<enrollment_id>/decision")
class Decision(MethodView):
    @access("bureau")
    @blp.arguments(schemas.CustodyDecisionIn)
    @blp.response(200, schemas.CustodyEnrollmentOut)
    @blp.alt_response(409, description="decided already")
    def post(self, data, enrollment_id):
        """Approve or reject (a rejection needs a reason) a submitted enrollment, once."""
        return services.decide(current_user, enrollment_id, data)

exports.export_routes(blp, "/custody-enrollments", schemas.CustodyEnrollmentQuery,
                      lambda fmt, filters: services.export(fmt, current_user, filters), "enrollments")

BLUEPRINTS = [blp]
