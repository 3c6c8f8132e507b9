from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ipservice.accounts.schemas import ConfirmedPassword, RegistrationSchema, label
from ipservice.core.attachments import AttachmentOut
from ipservice.core.openapi import ComputedBoolean
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import Text
from ipservice.core.dump import OutSchema


class ClaimIn(RegistrationSchema):
    """认领单位 — the registration's fields, and the business licence (multipart ``licence``)."""

    licence = fields.Raw(load_default=None, metadata={
        **label("营业执照（PDF 或图片）", "Business licence (PDF or image)", widget="file"),
        "type": "string", "format": "binary", "accept": ".pdf,.jpg,.jpeg,.png"})


class ClaimPageIn(ClaimIn, ConfirmedPassword):
    """The claim page: the password (the future account's) typed twice."""


class ClaimReceiptOut(OutSchema):
    id = fields.String()
    status = fields.String()


class _Claimant(Schema):
    id = fields.String(allow_none=True, metadata={"description": "the account, once the claim is completed"})
    email = fields.String()


class _Organization(Schema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()
    verified = fields.Boolean()


class ClaimOut(OutSchema):
    id = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    name = fields.String()
    uscc = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    created_at = ChinaDateTime()
    decided_at = ChinaDateTime(allow_none=True)
    organization = fields.Nested(_Organization, attribute="organization_summary", allow_none=True, metadata={
        "description": "null: no organization was registered under the USCC in the tenant"})
    claimant = fields.Nested(_Claimant, attribute="claimant_account")
    licence = fields.Nested(AttachmentOut, allow_none=True)
    code_expires_at = ChinaDateTime(allow_none=True, metadata={
        "description": "an approved claim: until when its code completes it"})
    completed_at = ChinaDateTime(allow_none=True, metadata={
        "description": "when the claimant proved the e-mail with the code and the account was made"})


class ClaimDecisionOut(ClaimOut):
    """The decision; an approval carries the claimant's single-use code, answered this once only."""

    verification_code = fields.String(allow_none=True, metadata={
        "description": "approve only: mailed to the claimant's address as well; hand it over (telephone, "
                       "counter) if the mail does not arrive; it completes the claim"})
    completion_url = fields.String(allow_none=True, metadata={
        "description": "approve only: where the claimant completes the claim with the e-mail and the code"})


class ClaimCompletionIn(Schema):
    """认领完成 — the claim's e-mail and the approval's code (mailed to that address)."""

    email = Text(required=True, max_length=254,
                 metadata=label("电子邮箱（认领时填写的）", "E-mail (as given with the claim)"))
    code = Text(required=True, max_length=40,
                metadata=label("验证码（见批准邮件）", "Verification code (in the approval e-mail)"))


class ClaimCompletionOut(OutSchema):
    id = fields.String()
    status = fields.String()
    completed_at = ChinaDateTime()
    claimant = fields.Nested(_Claimant, attribute="claimant_account")


class ClaimDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]),
                             metadata=label("决定", "Decision"))
    reason = Text(load_default=None, allow_none=True, max_length=1000, multiline=True,
                  metadata=label("理由（驳回时必填）", "Reason (required to reject)"))

    @validates_schema
    def reason_for_rejection(self, data, **kwargs):
        from flask_babel import gettext as _

        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": [_("驳回时必须填写理由。")]})


class OrganizationOut(OutSchema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()
    verified = ComputedBoolean(compute=lambda e: e.verified_at is not None)
    verified_at = ChinaDateTime(allow_none=True)
    pending_claims = fields.Integer()
