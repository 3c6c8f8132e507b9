"""贯标 certification: the base form (every tenant's form starts from it), and the API's other payloads."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from ipservice.accounts.schemas import label
from ipservice.certification.standards import (
    ENTERPRISE_EDITIONS,
    MAX_VALIDITY_YEARS,
    STANDARDS,
    add_years,
    resolve,
)
from ipservice.certification import estimate, services
from ipservice.certification.models import DECISIONS, RECORD_STATUSES  # noqa: F401 — re-exported
from ipservice.core.attachments import AttachmentOut
from ipservice.core.labels import ORG_TYPES, choices
from ipservice.core.openapi import FORM_VALUE, FilingOut, ComputedList, ComputedNested, form_values
from ipservice.core.types import ChinaDateTime, today_china
from ipservice.core.validators import Text, filter_date
from ipservice.forms.builder import build
from ipservice.core.dump import OutSchema


_CERT_NO = re.compile(r"^[A-Z0-9][A-Z0-9\-/._()]{2,63}$")


def normalize_certificate_no(value: str) -> str:
    """Full-width to half-width (NFKC), no whitespace at all, upper case: "165ip 18 0001r0m" →
    "165IP180001R0M"."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"\s+", "", value).upper()


class CertificateNo(fields.String):
    """证书编号: letters, digits and - / . _ ( ), normalized so that spacing and case never make a
    duplicate."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = normalize_certificate_no(super()._deserialize(value, attr, data, **kwargs))
        if not value:
            raise ValidationError(_("缺少必填字段。"))
        if len(value) > 64:
            raise ValidationError(_("长度不能超过 %(max)s 个字符。", max=64))
        if not _CERT_NO.match(value):
            raise ValidationError(_("证书编号只能包含字母、数字和 - / . _ ( )，至少 3 个字符。"))
        return value


def _edition_choices():
    return [{"value": code, "label_zh": code, "label_en": code} for code in ENTERPRISE_EDITIONS]


class CertificationBase(Schema):
    """贯标认证备案 — the base fields of every tenant's certification form."""

    class Meta:  # the OpenAPI document: the tenant's own fields (GET /forms) are additional properties
        additional_properties = FORM_VALUE

    org_type = fields.String(required=True, validate=validate.OneOf(list(ORG_TYPES)),
                             metadata=label("单位类型", "Type of organization", choices=choices(ORG_TYPES)))
    standard_edition = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(ENTERPRISE_EDITIONS),
        metadata=label("标准版本（仅企业；不填则按发证日期确定）",
                       "Edition of GB/T 29490 (enterprises only; from the issue date when left empty)",
                       choices=_edition_choices()))
    certificate_no = CertificateNo(required=True, metadata=label("证书编号", "Certificate number"))
    certification_body = Text(required=True, max_length=200, metadata=label("认证机构", "Certification body"))
    issued_on = fields.Date(required=True, metadata=label("发证日期", "Issue date"))
    expires_on = fields.Date(required=True, metadata=label("有效期至", "Valid until"))
    consulting_agency = Text(load_default=None, allow_none=True, max_length=200,
                             metadata=label("辅导机构（选填）", "Consulting agency (optional)"))
    scope = Text(required=True, max_length=2000, multiline=True,
                 metadata=label("认证范围", "Scope of certification"))

    @validates_schema(skip_on_field_errors=False)
    def check_dates_and_edition(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        issued, expires = data.get("issued_on"), data.get("expires_on")
        org_type, edition_code = data.get("org_type"), data.get("standard_edition")
        today = today_china()
        if issued and issued > today:
            errors["issued_on"] = [_("发证日期不能晚于今天（北京时间 %(today)s）。", today=today.isoformat())]
        if issued and expires:
            limit = add_years(issued, MAX_VALIDITY_YEARS)
            if expires <= issued:
                errors["expires_on"] = [_("有效期至必须晚于发证日期。")]
            elif expires > limit:
                errors["expires_on"] = [_("证书有效期最长 %(years)s 年：有效期至不能晚于 %(limit)s。",
                                          years=MAX_VALIDITY_YEARS, limit=limit.isoformat())]
        if org_type in STANDARDS:
            standard = STANDARDS[org_type]
            if edition_code and standard.edition(edition_code) is None:
                errors["standard_edition"] = [_("%(edition)s 不适用于%(kind)s：%(kind)s适用 %(standard)s。",
                                                edition=edition_code, kind=_org_label(org_type),
                                                standard=standard.code)]
            elif issued:
                _standard, edition = resolve(org_type, issued, edition_code)
                if issued < edition.in_force:
                    key = "standard_edition" if edition_code else "issued_on"
                    errors.setdefault(key, []).append(
                        _("%(edition)s 自 %(date)s 起实施，此前颁发的证书不可能依据该版本。",
                          edition=edition.code, date=edition.in_force.isoformat()))
        if errors:
            raise ValidationError(errors)

    @post_load
    def empty_optional_is_none(self, data, **kwargs):
        if not data.get("consulting_agency"):
            data["consulting_agency"] = None
        return data


def _org_label(org_type: str) -> str:
    from ipservice.core.labels import label as pick_label

    return pick_label(ORG_TYPES, org_type)


def build_form(tenant):
    """The tenant's certification form: the base fields plus the tenant's own (forms.toml [certification])."""
    return build(CertificationBase, tenant.forms.fields_for("certification"), {}, name="CertificationForm")



# --- output ---------------------------------------------------------------------------------------------

class CertificationCitationOut(OutSchema):
    document = fields.String()
    clause = fields.String()
    quote = fields.String()


class CertificationEstimateOut(OutSchema):
    amount_cny = fields.Integer(allow_none=True)
    rule_code = fields.String(allow_none=True)
    explanation = fields.String()
    citation = fields.Nested(CertificationCitationOut, allow_none=True,
                             metadata={"description": "the rule's source (document number, clause, quote)"})



class CertificationEnterpriseOut(OutSchema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()


class CertificationOut(FilingOut):
    """A certification record; the tenant's own form fields appear at the top level too."""

    class Meta:  # the OpenAPI document: the tenant's own fields (GET /forms) are additional properties
        unknown = INCLUDE
        additional_properties = FORM_VALUE

    id = fields.String()
    status = fields.String(metadata={"enum": list(RECORD_STATUSES)})
    org_type = fields.String()
    standard = fields.String(metadata={"description": "GB/T 29490, GB/T 33251 or GB/T 33250"})
    standard_edition = fields.String()
    certificate_no = fields.String()
    certification_body = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date()
    consulting_agency = fields.String(allow_none=True)
    scope = fields.String()
    enterprise = fields.Nested(CertificationEnterpriseOut)
    submitted_at = ChinaDateTime()
    decided_at = ChinaDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    subsidy_estimate = ComputedNested(CertificationEstimateOut, compute=lambda obj: estimate.estimate_of(obj))
    attachments = ComputedList(fields.Nested(AttachmentOut), compute=lambda obj: services.attachments_of(obj))
    extra = form_values("the tenant's own form fields (also at the top level)")

    @post_dump(pass_original=True)
    def tenant_fields_at_top_level(self, data, original, **kwargs):
        for key, value in (original.extra or {}).items():
            data.setdefault(key, value)
        return data


class CertificationQuery(Schema):
    status = fields.String(validate=validate.OneOf(RECORD_STATUSES),
                           metadata={"description": "submitted, verified or rejected"})
    submitted_from = filter_date("submitted on or after this day (China time)")
    submitted_to = filter_date("submitted on or before this day (China time)")

    @validates_schema
    def check_range(self, data, **kwargs):
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            raise ValidationError({"submitted_to": [_("结束日期不能早于开始日期。")]})


class CertificationDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)),
                             metadata=label("审核结论", "Decision"))
    reason = Text(load_default=None, allow_none=True, max_length=2000, multiline=True,
                  metadata=label("理由", "Reason"))


class CertificationUploadIn(Schema):
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "the certificate scan, PDF, at most 10 MB"})


class CertificationCounts(Schema):
    """贯标备案 by status, for the statistics."""

    submitted = fields.Integer()
    verified = fields.Integer()
    rejected = fields.Integer()
