from flask import current_app
from flask.views import MethodView
from ipservice.extensions import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ipservice.core import dbtimeouts
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.extensions import db
from ipservice.tenants import registry
from ipservice.tenants.schemas_api import HealthOut, TenantOut

blp = Blueprint("api_global", __name__, url_prefix="/api/v1", description="服务与地区 — service and tenants")


@blp.route("/health")
class Health(MethodView):
    @access("anyone")
    @blp.response(200, HealthOut)
    def get(self):
        """Liveness: ``{"status": "ok"}`` whenever the service answers, without asking the database (a
        hung database must not make the workers look dead). Readiness is ``/api/v1/health/ready``."""
        return {"status": "ok"}


@blp.route("/health/ready")
class Ready(MethodView):
    @access("anyone")
    @blp.response(200, HealthOut)
    @blp.alt_response(503, description="the database does not answer within IPSERVICE_DB_READY_TIMEOUT seconds "
                                       "(Retry-After says when to ask again)")
    def get(self):
        """Readiness: ``{"status": "ok"}`` when the database answers within its own short timeout
        (``IPSERVICE_DB_READY_TIMEOUT``, 2 s), 503 with Retry-After otherwise."""
        with dbtimeouts.budget(current_app.config["IPSERVICE_DB_READY_TIMEOUT"]):
            try:
                db.session.execute(text("SELECT 1"))
            except SQLAlchemyError:
                db.session.rollback()
                raise Refusal(503, headers={"Retry-After": str(current_app.config["RETRY_AFTER_SECONDS"])})
        return {"status": "ok"}


@blp.route("/tenants")
class Tenants(MethodView):
    @access("anyone")
    @blp.response(200, TenantOut(many=True))
    def get(self):
        """Every district the service runs, with its policy documents."""
        return registry.all()
BLUEPRINTS = [blp]
