"""托管服务机构 API — ``/t/<tenant>/api/v1/agencies`` (the enrollments are the one filing API:
``custody.kind``)."""
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice.core.access import access
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
        everything = query["all"] and services.is_own_bureau(current_user)
        return services.list_agencies(include_unapproved=everything)

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

BLUEPRINTS = [blp]
