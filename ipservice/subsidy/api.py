"""资助/奖励申请 API — ``/t/<tenant>/api/v1/subsidy-rules`` and ``/subsidy-applications``."""
from flask import g, request
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint

from ipservice import forms
from ipservice.core import exports
from ipservice.core.access import access
from ipservice.core.attachments import AttachmentOut, download_doc, send
from ipservice.core.idempotency import idempotent
from ipservice.subsidy import budget, schemas, services
from ipservice.subsidy import exports as application_exports

blp = Blueprint("api_subsidy", __name__, url_prefix="/t/<tenant>/api/v1",
                description="资助/奖励申请 — subsidy applications under the district's funded policy rules")

BODY_DOC = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": schemas.SubsidyApplicationBase}}}}
BODY_TEXT = ("The body is the form of the rule it names (``GET /subsidy-rules``: ``form.fields``): the "
             "base fields the rule needs plus the tenant's and the rule's own fields at the top level.")


@blp.route("/subsidy-rules")
class Rules(MethodView):
    @access("anyone")
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


@blp.route("/subsidy-applications")
class Applications(MethodView):
    @access("enterprise", "bureau")
    @blp.arguments(schemas.SubsidyApplicationQuery, location="query")
    @blp.response(200, schemas.SubsidyApplicationOut(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, query, pagination_parameters):
        """The organization's own applications (enterprise) or all of the tenant's (bureau), newest first.

        Filters: ``status``, ``rule``, ``submitted_from``, ``submitted_to`` (days, China time, inclusive)."""
        items, total = services.page(current_user, query, pagination_parameters.page,
                                     pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return items

    @access("enterprise")
    @idempotent
    @blp.doc(**BODY_DOC, description=BODY_TEXT)
    @blp.response(201, schemas.SubsidyApplicationOut)
    @blp.alt_response(409, description="an object of the application (patent, award certificate, loan…) is "
                                       "claimed already under the rule in the tenant")
    @blp.alt_response(422, description="validation failed; the rule was not in force on basis_date, or does "
                                       "not fund this kind of organization")
    def post(self):
        """Apply for a subsidy (``Idempotency-Key`` accepted); the answer carries the estimate and its citation."""
        return services.submit(current_user, forms.load_json(g.tenant, "subsidy")), 201


@blp.route("/subsidy-applications/<application_id>")
class Application(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, schemas.SubsidyApplicationOut)
    def get(self, application_id):
        """One application with its estimate and evidence (another organization's: 404)."""
        return services.get(current_user, application_id)


@blp.route("/subsidy-applications/<application_id>/attachments")
class Attachments(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, AttachmentOut(many=True))
    def get(self, application_id):
        """The application's evidence files."""
        return services.attachments_of(services.get(current_user, application_id))

    @access("enterprise")
    @blp.arguments(schemas.SubsidyUploadIn, location="form", content_type="multipart/form-data")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(409, description="the application is decided")
    @blp.alt_response(413, description="larger than the upload limit")
    @blp.alt_response(415, description="the content is not a PDF, JPEG or PNG")
    def post(self, form, application_id):
        """Add an evidence file (multipart ``file``: PDF, JPEG or PNG by content; ``document``: which of the
        rule's evidence documents, default the first) to one's own submitted application."""
        return services.add_evidence(current_user, application_id, request.files.get("file"),
                                     form.get("document")), 201


@blp.route("/subsidy-applications/<application_id>/attachments/<attachment_id>")
class AttachmentFile(MethodView):
    @access("enterprise", "bureau")
    @blp.response(200, description="the file")
    @blp.doc(**download_doc(*services.EVIDENCE_TYPES))
    def get(self, application_id, attachment_id):
        """Download an evidence file (the applicant and the tenant's bureau only)."""
        return send(services.evidence_file(current_user, application_id, attachment_id))


@blp.route("/subsidy-applications/<application_id>/decision")
class Decision(MethodView):
    @access("bureau")
    @blp.arguments(schemas.SubsidyDecisionIn)
    @blp.response(200, schemas.SubsidyDecisionOut)
    @blp.alt_response(409, description="decided already, or the grant would take a budget line set to refuse "
                                       "(``over = \"refuse\"``) over its amount")
    @blp.alt_response(422, description="a rejection without a reason, an amount above the estimate, or no "
                                       "amount where the policy sets none")
    def post(self, data, application_id):
        """Approve with the amount granted (``amount_cny``: at most the estimate; default the estimate;
        required where the policy sets no amount) or reject with a reason, once. ``warning`` says when the
        grant takes a budget line of the rule over its amount (exact under concurrent approvals: they are
        serialized on the line's running total); a line the district set to refuse answers 409 instead."""
        return services.decide(current_user, application_id, data)


@blp.route("/subsidy-liability")
class Liability(MethodView):
    @access("bureau")
    @blp.arguments(schemas.SubsidyLiabilityQuery, location="query")
    @blp.response(200, schemas.SubsidyLiabilityReportOut)
    def get(self, query):
        """The liability per year and rule (owed, expected) and the budget lines with what is committed."""
        return {"liability": budget.liability(query.get("year")), "budgets": budget.budgets()}


exports.export_routes(blp, "/subsidy-applications", schemas.SubsidyApplicationQuery,
                      lambda fmt, filters: application_exports.export(fmt, current_user, filters), "applications")

BLUEPRINTS = [blp]
