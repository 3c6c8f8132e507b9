from flask import g
from flask.views import MethodView
from ipservice.extensions import Blueprint

from ipservice.core import http_cache
from ipservice.core.access import access
from ipservice.policy import schemas, services

blp = Blueprint("api_policy", __name__, url_prefix="/t/<tenant>/api/v1",
                description="政策规则 — policy rules")


@blp.route("/policy")
class Policy(MethodView):
    @access("anyone")
    @http_cache.document(max_age=300)
    @blp.arguments(schemas.PolicyQuery, location="query")
    @blp.response(200, schemas.PolicyOut)
    def get(self, query):
        """The tenant's documents and dated rules, each with its citation (document, clause, quote)."""
        return services.policy_document(g.tenant, query.get("applies_to"), query.get("on"))


BLUEPRINTS = [blp]
