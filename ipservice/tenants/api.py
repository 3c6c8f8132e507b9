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
from ipservice.tenants import TenantUnavailable, registry
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
    @blp.paginate()
    def get(self, pagination_parameters):
        """The districts the service runs, with their policy documents, by slug, a page at a time

        A page's districts are loaded as any district's first request loads it (the service may run
        thousands); a district whose configuration is broken is left out of its page (it answers 503)."""
        identities = registry.identities()
        pagination_parameters.item_count = len(identities)
        first = pagination_parameters.first_item
        shown = identities[first:first + pagination_parameters.page_size]
        return [t for t in (_loaded(i.slug) for i in shown) if t is not None]


def _loaded(slug):
    try:
        return registry.get(slug)
    except TenantUnavailable:  # logged once by the registry, with the file and field
        return None
BLUEPRINTS = [blp]
