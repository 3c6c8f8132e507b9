"""Personal data over the API: the caller's own (``/api/v1/me/...``) and the bureau's decisions and review."""
from flask import Response, g
from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ipservice.core.access import access
from ipservice.core.exports import FILE_SCHEMA
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import Phone, Text
from ipservice.extensions import Blueprint
from ipservice.privacy import export, notice, services
from ipservice.core.dump import OutSchema

me_blp = Blueprint("api_me", __name__, url_prefix="/api/v1/me",
                   description="个人信息 — the caller's personal data")
blp = Blueprint("api_privacy", __name__, url_prefix="/t/<tenant>/api/v1",
                description="个人信息保护 — privacy notice, erasure requests, access record")
SIGNED_IN = ("enterprise", "bureau", "cross_admin")


class NoticeOut(OutSchema):
    version = fields.Integer()
    bureau = fields.String()
    purposes = fields.List(fields.String())
    rights = fields.List(fields.String())
    contact = fields.String()
    retention = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "days each kind of record is kept (0: kept)"})


class MyNoticeOut(NoticeOut):
    accepted_version = fields.Integer(allow_none=True, metadata={"description": "null: not accepted yet"})


class AcceptIn(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))


class ContactIn(Schema):
    contact_name = Text(max_length=100)
    contact_phone = Phone()


class ContactOut(OutSchema):
    contact_name = fields.String()
    contact_phone = fields.String()


class ErasureIn(Schema):
    reason = Text(max_length=2000, load_default="")


class HeldOut(OutSchema):
    rule = fields.String(metadata={"description": "the tenant's retention rule ([retention] setting)"})
    days = fields.Integer(metadata={"description": "its period in days (0: kept)"})
    object_type = fields.String()
    object_id = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    until = fields.String(allow_none=True, metadata={"format": "date", "description": (
        "YYYY-MM-DD, the day the rule lets the data go; null: the record is still open, or kept (days 0)")})
    what_zh = fields.String()
    what_en = fields.String()


class ErasureOut(OutSchema):
    id = fields.String()
    status = fields.String()
    user_id = fields.String()
    reason = fields.String()
    created_at = ChinaDateTime()
    due_on = fields.Date()
    decided_at = ChinaDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    held = fields.List(fields.Nested(HeldOut), allow_none=True, metadata={
        "description": "what retention rules keep of the person, each with its rule: foreseen while the "
                       "request waits, kept once decided (an approval erases the rest: a partial erasure; a "
                       "rejection is allowed only when this is not empty)"})


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    reason = Text(max_length=2000, allow_none=True)


class AccessOut(OutSchema):
    at = ChinaDateTime()
    by = fields.String(metadata={"description": "the official's login (e-mail)"})
    what = fields.String(metadata={"description": "filing, attachment, export, organization (its contact "
                                                  "data) or claim (a claimant's details)"})
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    full_contact = fields.Boolean()
    organizations = fields.Integer(allow_none=True, metadata={
        "description": "an export in the bureau's review: how many organizations' filings it held (each of "
                       "them finds the export in its own record); null for other accesses"})


class AccessQuery(Schema):
    official_id = fields.String(validate=validate.Length(max=36))


def _notice(tenant) -> dict:
    n = notice.of(tenant)
    return {"version": n.version, "bureau": n.text(n.bureau), "purposes": list(n.text(n.purposes)),
            "rights": list(n.text(n.rights)), "contact": n.text(n.contact), "retention": n.retention}


@blp.route("/privacy-notice")
class Notice(MethodView):
    @access("anyone")
    @blp.response(200, NoticeOut)
    def get(self):
        """The tenant's privacy notice (its current version is what registration accepts)."""
        return _notice(g.tenant)


@me_blp.route("/privacy-notice")
class MyNotice(MethodView):
    @access("enterprise", "bureau")
    @me_blp.response(200, MyNoticeOut)
    def get(self):
        """The notice of the caller's tenant and the version the caller accepted (API calls go on either
        way)."""
        with services.me_context(current_user):
            from ipservice.core.tenancy import current_tenant

            return {**_notice(current_tenant()), "accepted_version": services.accepted_version(current_user)}

    @access("enterprise", "bureau")
    @me_blp.arguments(AcceptIn)
    @me_blp.response(200, MyNoticeOut)
    def post(self, data):
        """Accept the current version (another version: 422)."""
        with services.me_context(current_user):
            from ipservice.core.tenancy import current_tenant

            services.accept(current_user, data["version"])
            return {**_notice(current_tenant()), "accepted_version": services.accepted_version(current_user)}


@me_blp.route("/data")
class MyData(MethodView):
    @access(*SIGNED_IN)
    @me_blp.response(200, description="a ZIP of the caller's own data", content_type="application/zip",
                      schema=FILE_SCHEMA)
    def get(self):
        """A copy of the caller's data (PIPL art. 45): account.json, filings.json, filings.csv,
        notifications.json, audit.json, accesses.json, claims.json, attachments/…"""
        with services.me_context(current_user):
            body = export.build(current_user)
        return Response(body, mimetype="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="my-data.zip"'})


@me_blp.route("/contact")
class MyContact(MethodView):
    @access("enterprise")
    @me_blp.arguments(ContactIn)
    @me_blp.response(200, ContactOut)
    def put(self, data):
        """Correct the organization's contact person and telephone (PIPL art. 46); audited."""
        with services.me_context(current_user):
            return services.correct_contact(current_user, data)


@me_blp.route("/erasure-request")
class MyErasure(MethodView):
    @access("enterprise", "bureau")
    @me_blp.arguments(ErasureIn)
    @me_blp.response(201, ErasureOut)
    @me_blp.alt_response(409, description="a request of the caller is open already")
    def post(self, data):
        """Ask the tenant's bureau to erase the caller's personal data (PIPL art. 47)."""
        with services.me_context(current_user):
            return services.request_erasure(current_user, data["reason"])


@me_blp.route("/accesses")
class MyAccesses(MethodView):
    @access(*SIGNED_IN)
    @me_blp.response(200, AccessOut(many=True))
    def get(self):
        """Who in the bureau opened the caller's organization's data, newest first."""
        with services.me_context(current_user):
            return services.accesses_of(current_user)


class ErasureQuery(Schema):
    status = fields.String(validate=validate.OneOf(("submitted", "approved", "rejected")))


@blp.route("/erasure-requests")
class ErasureRequests(MethodView):
    @access("bureau")
    @blp.arguments(ErasureQuery, location="query")
    @blp.response(200, ErasureOut(many=True))
    def get(self, query):
        """The tenant's erasure requests, newest first (``status`` filter)."""
        return services.erasure_requests(query.get("status"))


@blp.route("/erasure-requests/<request_id>/decision")
class ErasureDecision(MethodView):
    @access("bureau")
    @blp.arguments(DecisionIn)
    @blp.response(200, ErasureOut)
    @blp.alt_response(409, description="decided already")
    def post(self, data, request_id):
        """approve: the person's name, e-mail, telephone and self-written text replaced, the account closed,
        the filings and statistics kept; reject: with the reason (the retention rule that holds the data)."""
        return services.decide(current_user, request_id, data["decision"], data.get("reason"))


@blp.route("/accesses")
class Accesses(MethodView):
    @access("bureau")
    @blp.arguments(AccessQuery, location="query")
    @blp.response(200, AccessOut(many=True))
    def get(self, query):
        """The access record of the tenant, per official (``official_id``), newest first (at most 500)."""
        return services.accesses_by_official(query.get("official_id"))


BLUEPRINTS = [me_blp, blp]
