"""资助/奖励 API beside the applications (which are the one filing API: ``subsidy.kind``): the rules, the
estimate and the liability."""
from flask import g
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice import forms
from ipservice.core import http_cache
from ipservice.core.access import access
from ipservice.subsidy import budget, schemas, services
from ipservice.subsidy.kind import BODY_TEXT

blp = Blueprint("api_subsidy", __name__, url_prefix="/t/<tenant>/api/v1",
                description="资助/奖励申请 — subsidy applications under the district's funded policy rules")

BODY_DOC = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": schemas.SubsidyApplicationBase}}}}

@blp.route("/subsidy-rules")
class Rules(MethodView):
    @access("anyone")
    @http_cache.document(max_age=300)
    @blp.arguments(schemas.SubsidyRulesQuery, location="query")
    @blp.response(200, schemas.SubsidyRuleOut(many=True))
    def get(self, query):
        """The rules an organization can apply for on a day (``?on=``, default today): what each pays, its
        form, its evidence documents and its citation."""
        return schemas.rule_views(g.tenant, query.get("on"))


@blp.route("/subsidy-estimate")
class Estimate(MethodView):
    @access("enterprise")
    @blp.doc(**BODY_DOC, description=BODY_TEXT)
    @blp.response(200, schemas.SubsidyEstimateOut)
    @blp.alt_response(409, description="an object of the application is claimed already")
    @blp.alt_response(422, description="validation failed, or the rule does not apply")
    def post(self):
        """The estimate an application would get, without filing it."""
        return services.estimate(current_user, forms.load_json(g.tenant, "subsidy"))


@blp.route("/subsidy-liability")
class Liability(MethodView):
    @access("bureau")
    @blp.arguments(schemas.SubsidyLiabilityQuery, location="query")
    @blp.response(200, schemas.SubsidyLiabilityReportOut)
    def get(self, query):
        """The liability per year and rule (owed, expected) and the budget lines with what is committed."""
        return {"liability": budget.liability(query.get("year")), "budgets": budget.budgets()}


BLUEPRINTS = [blp]
