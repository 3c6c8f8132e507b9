from flask import current_app
from flask.views import MethodView
from ipservice.core.openapi import ErrorSchema
from ipservice.extensions import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ipservice.core import dbtimeouts
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.extensions import db
from ipservice.tenants import registry
from ipservice.tenants.schemas_api import HealthOut, TenantOut

RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before asking again",
                               "schema": {"type": "integer"}}}

blp = Blueprint("api_global", __name__, url_prefix="/api/v1", description="服务与地区 — service and tenants")


@blp.route("/health")
class Health(MethodView):
    @access("anyone")
    @blp.response(200, HealthOut)
    def get(self):
        """Liveness: ``{"status": "ok"}`` whenever the service answers

        Answered without asking the database: a hung database must not make healthy workers look dead.
        Whether the database answers is ``/api/v1/health/ready``."""
        return {"status": "ok"}


@blp.route("/health/ready")
class Ready(MethodView):
    @access("anyone")
    @blp.response(200, HealthOut)
    @blp.alt_response(503, schema=ErrorSchema, headers=RETRY_AFTER,
                      description="the database does not answer within IPSERVICE_DB_READY_TIMEOUT seconds")
    def get(self):
        """Readiness: ``{"status": "ok"}`` when the database answers

        The database is asked within a short timeout of its own (``IPSERVICE_DB_READY_TIMEOUT``, 2 s);
        503 with Retry-After when it does not answer in time."""
        with dbtimeouts.budget(current_app.config["IPSERVICE_DB_READY_TIMEOUT"]):
            try:
                db.session.execute(text("SELECT 1"))
            except SQLAlchemyError as exc:  # the unit of work rolls the request back
                retry_after = str(current_app.config["RETRY_AFTER_SECONDS"])
                raise Refusal(503, headers={"Retry-After": retry_after}) from exc
        return {"status": "ok"}


@blp.route("/tenants")
class Tenants(MethodView):
    @access("anyone")
    @blp.response(200, TenantOut(many=True))
    def get(self):
        """Every district the service runs, with its policy documents."""
        return registry.all()
BLUEPRINTS = [blp]
