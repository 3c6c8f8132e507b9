from flask import request, url_for
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint
from marshmallow import Schema, fields, validate

from ipservice.accounts import throttle
from ipservice.core.access import access
from ipservice.core.attachments import download_doc, send
from ipservice.extensions import limiter, register_rate
from ipservice.organizations import completion, schemas, services

blp = Blueprint("api_organizations", __name__, url_prefix="/t/<tenant>/api/v1",
                description="单位认领与核实 — organization claims and verification")


class ClaimQuery(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))


class OrganizationQuery(Schema):
    verified = fields.Boolean()


def _out(claim):
    claim.licence = services.licence_of(claim)
    return claim


@blp.route("/organization-claims")
class Claims(MethodView):
    decorators = [throttle.register_attempts(), throttle.register_refused]

    @access("anyone")
    @blp.arguments(schemas.ClaimIn, location="form", content_type="multipart/form-data")
    @blp.response(201, schemas.ClaimReceiptOut)
    @blp.alt_response(409, description="an e-mail that cannot be used (one neutral answer)")
    @blp.alt_response(415, description="the licence is not a PDF, JPEG or PNG by content")
    def post(self, data):
        """Claim the organization registered in the tenant under a USCC (multipart, with ``licence``). The
        answer is the same whether the USCC is registered or not. Nothing is reserved: the claimant's account
        is made when the bureau has approved and the claimant completes the claim with the approval's code
        (``POST …/organization-claims/completion``)."""
        claim = services.submit_claim(data, request.files.get("licence"))
        return claim, 201

    @access("bureau")
    @blp.arguments(ClaimQuery, location="query")
    @blp.response(200, schemas.ClaimOut(many=True))
    def get(self, query):
        """The tenant's claims, newest first (``?status=pending``)."""
        return [_out(c) for c in services.shown(services.list_claims(query.get("status")))]


@blp.route("/organization-claims/<claim_id>")
class Claim(MethodView):
    @access("bureau")
    @blp.response(200, schemas.ClaimOut)
    def get(self, claim_id):
        """One claim with its licence."""
        return _out(services.get_claim(claim_id))


@blp.route("/organization-claims/<claim_id>/licence")
class Licence(MethodView):
    @access("bureau")
    @blp.response(200, description="the business licence")
    @blp.doc(**download_doc(*services.LICENCE_TYPES))
    def get(self, claim_id):
        """The business licence the claimant uploaded."""
        from ipservice.core.errors import error

        licence = services.licence_of(services.get_claim(claim_id))
        if licence is None:
            error(404)
        return send(licence)


@blp.route("/organization-claims/<claim_id>/decision")
class Decision(MethodView):
    @access("bureau")
    @blp.arguments(schemas.ClaimDecisionIn)
    @blp.response(200, schemas.ClaimDecisionOut)
    @blp.alt_response(409, description="decided already, or approving a claim of a USCC no organization has")
    def post(self, data, claim_id):
        """Approve (the organization's account ends, the organization is verified; the answer carries the
        claimant's single-use code, to hand over by telephone or at the counter) or reject with a reason."""
        claim = services.decide_claim(claim_id, data["decision"], data.get("reason"), current_user)
        return decision_out(claim)


def decision_out(claim):
    claim = _out(claim)
    claim.completion_url = (url_for("organizations.claim_complete", tenant=claim.tenant_id, _external=True)
                            if getattr(claim, "verification_code", None) else None)
    return claim


@blp.route("/organization-claims/completion")
class Completion(MethodView):
    decorators = [limiter.limit(register_rate, methods=["POST"])]

    @access("anyone")
    @blp.arguments(schemas.ClaimCompletionIn)
    @blp.response(200, schemas.ClaimCompletionOut)
    @blp.alt_response(409, description="the e-mail has an account by now (one neutral answer)")
    def post(self, data):
        """Complete an approved claim with its e-mail and the code the bureau gave: the claimant's account is
        made (with the password given with the claim) and becomes the organization's user."""
        return completion.complete_claim(data["email"], data["code"])


@blp.route("/organizations")
class Organizations(MethodView):
    @access("bureau")
    @blp.arguments(OrganizationQuery, location="query")
    @blp.response(200, schemas.OrganizationOut(many=True))
    def get(self, query):
        """The tenant's organizations, verified or not (``?verified=false``), with their pending claims."""
        return services.list_organizations(query.get("verified"))


@blp.route("/organizations/<enterprise_id>/verification")
class Verification(MethodView):
    @access("bureau")
    @blp.response(200, schemas.OrganizationOut)
    @blp.alt_response(409, description="verified already")
    def post(self, enterprise_id):
        """Mark the organization verified by the bureau."""
        enterprise = services.verify(enterprise_id, current_user)
        enterprise.pending_claims = len(services.list_claims("pending", enterprise.id))
        return enterprise


BLUEPRINTS = [blp]
