from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ipservice.accounts.schemas import RegistrationSchema, label
from ipservice.core.attachments import AttachmentOut
from ipservice.core.openapi import ComputedBoolean, ComputedNested, EnterpriseRefOut
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import Text


class ClaimIn(RegistrationSchema):
    """认领单位 — the registration's fields, and the business licence (multipart ``licence``)."""

    licence = fields.Raw(load_default=None, metadata={
        **label("营业执照（PDF 或图片）", "Business licence (PDF or image)", widget="file"),
        "type": "string", "format": "binary", "accept": ".pdf,.jpg,.jpeg,.png"})


class ClaimReceiptOut(Schema):
    id = fields.String()
    status = fields.String()


class _Claimant(Schema):
    id = fields.String()
    email = fields.String()


class _ClaimedOrganization(EnterpriseRefOut):
    verified = ComputedBoolean(compute=lambda e: e.verified_at is not None)


class ClaimOut(Schema):
    id = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    name = fields.String()
    uscc = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    created_at = ChinaDateTime()
    decided_at = ChinaDateTime(allow_none=True)
    organization = ComputedNested(_ClaimedOrganization, compute=lambda c: c.enterprise)
    claimant = fields.Nested(_Claimant)
    licence = fields.Nested(AttachmentOut, allow_none=True)


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


class OrganizationOut(Schema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()
    verified = ComputedBoolean(compute=lambda e: e.verified_at is not None)
    verified_at = ChinaDateTime(allow_none=True)
    pending_claims = fields.Integer()
