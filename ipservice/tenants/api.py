from flask.views import MethodView
from ipservice.extensions import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ipservice.core.access import access
from ipservice.core.errors import error
from ipservice.extensions import db
from ipservice.tenants import registry
from ipservice.tenants.schemas_api import HealthOut, TenantOut

blp = Blueprint("api_global", __name__, url_prefix="/api/v1", description="服务与地区 — service and tenants")


@blp.route("/health")
class Health(MethodView):
    @access("anyone")
    @blp.response(200, HealthOut)
    @blp.alt_response(503, description="the database does not answer")
    def get(self):
        """``{"status": "ok"}`` when the database answers."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            error(503)  # Unavailable: the unit of work rolls the request back
        return {"status": "ok"}


@blp.route("/tenants")
class Tenants(MethodView):
    @access("anyone")
    @blp.response(200, TenantOut(many=True))
    def get(self):
        """Every district the service runs, with its policy documents."""
        return registry.all()
BLUEPRINTS = [blp]
