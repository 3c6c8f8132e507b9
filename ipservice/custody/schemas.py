"""Payloads of the custody area. ``CustodyEnrollmentBase`` + the tenant's own fields (``forms.toml``) is
the custody form: it validates the API body and the HTML page and is published by ``GET /forms``."""
from __future__ import annotations

import datetime as dt

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
from ipservice.core.labels import APPROVED, REJECTED, SUBMITTED, choices
from ipservice.core.openapi import FORM_VALUE, FilingOut, ComputedString, form_values
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import JsonBoolean, Text, Uscc, filter_date
from ipservice.forms.builder import build
from ipservice.tenants.schemas import Citation, FormSectionSchema
from ipservice.core.dump import OutSchema

CUSTODY_SERVICES = {
    "info_use": ("信息利用", "Information use"),
    "patent_filing": ("专利申请", "Patent filing"),
    "system_building": ("制度建设", "IP management system building"),
    "patent_operation": ("专利运营", "Patent operation"),
    "patent_management": ("专利管理", "Patent management"),
    "training": ("人才培训", "Training"),
}

# 企业规模
ENTERPRISE_SCALES = {
    "micro": ("微型", "Micro"),
    "small": ("小型", "Small"),
    "medium": ("中型", "Medium"),
}

STATUS_LABELS = {"submitted": SUBMITTED, "approved": APPROVED, "rejected": REJECTED}  # FilingKind.statuses
STATUSES = tuple(STATUS_LABELS)
DECISIONS = {"approve": "approved", "reject": "rejected"}
MAX_YEARS = 3
# Dates outside this window are typing errors (and keep date arithmetic far from year 1 and 9999).
MIN_DATE, MAX_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class CustodyEnrollmentBase(Schema):
    """托管申请 — the fields every tenant's custody form has."""

    class Meta:  # the OpenAPI document: the tenant's own fields (GET /forms) are additional properties
        additional_properties = FORM_VALUE

    enterprise_scale = fields.String(
        required=True, validate=validate.OneOf(list(ENTERPRISE_SCALES)),
        metadata=label("企业规模", "Enterprise scale", choices=choices(ENTERPRISE_SCALES)))
    # The choices are the tenant's approved agencies, which change at run time: the service checks them.
    agency_id = fields.String(
        required=True, validate=validate.Length(min=1, max=36),
        metadata=label("托管服务机构", "Custody service agency"))
    services = fields.List(
        fields.String(validate=validate.OneOf(list(CUSTODY_SERVICES))), required=True,
        validate=validate.Length(min=1, max=len(CUSTODY_SERVICES)),
        metadata=label("托管服务内容", "Services", choices=choices(CUSTODY_SERVICES)))
    start_date = fields.Date(
        required=True, validate=validate.Range(min=MIN_DATE, max=MAX_DATE),
        metadata=label("托管合同开始日期", "Contract start date"))
    end_date = fields.Date(
        required=True, validate=validate.Range(min=MIN_DATE, max=MAX_DATE),
        metadata=label("托管合同结束日期（最长 3 年）", "Contract end date (at most 3 years)"))
    government_purchased = fields.Boolean(
        load_default=False,
        metadata=label("政府购买服务", "Paid by the government (government-purchased service)"))

    @validates_schema(skip_on_field_errors=False)  # report the period together with other fields' errors
    def check_period(self, data, **kwargs):
        start, end = data.get("start_date"), data.get("end_date")
        if not (start and end):
            return
        if end <= start:
            raise ValidationError(_("合同结束日期必须晚于开始日期。"), "end_date")
        limit = add_years(start, MAX_YEARS)
        if end > limit:
            raise ValidationError(
                _("托管合同期限最长为 %(years)s 年：结束日期不能晚于 %(limit)s。", years=MAX_YEARS,
                  limit=limit.isoformat()), "end_date")

    @post_load
    def unique_services(self, data, **kwargs):
        if "services" in data:
            data["services"] = list(dict.fromkeys(data["services"]))
        return data


class CustodyFormSection(FormSectionSchema):
    """forms.toml ``[custody]``: the tenant's own fields and the services its custody program offers
    (default: all), with the clause that lists them."""
    services = fields.List(fields.String(validate=validate.OneOf(list(CUSTODY_SERVICES))),
                           load_default=lambda: list(CUSTODY_SERVICES), validate=validate.Length(min=1))
    source = fields.Nested(Citation, load_default=None)


def offered_services(tenant) -> tuple[str, ...]:
    return tenant.forms.option("custody", "services")


def build_form(tenant) -> type[Schema]:
    """The tenant's custody form: base fields, the tenant's services, the tenant's own fields."""
    return build(CustodyEnrollmentBase, tenant.forms.fields_for("custody"),
                 {"services": choices(CUSTODY_SERVICES, offered_services(tenant))},
                 name="CustodyEnrollmentForm")



class CustodyEnrollmentQuery(Schema):
    """Filters of the enrollment list and its exports (dates of submission, China time, inclusive)."""

    status = fields.String(validate=validate.OneOf(STATUSES), metadata=label("状态", "Status"))
    submitted_from = filter_date("submitted on or after this day (China time)",
                                 **label("提交日期起", "Submitted from"))
    submitted_to = filter_date("submitted on or before this day (China time)",
                               **label("提交日期止", "Submitted to"))

    @validates_schema
    def check_range(self, data, **kwargs):
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            raise ValidationError(_("截止日期不能早于起始日期。"), "submitted_to")


class CustodyEnrollmentOut(FilingOut):
    """A custody enrollment; the tenant's own fields follow at the top level."""

    class Meta:  # the OpenAPI document: the tenant's own fields (GET /forms) are additional properties
        unknown = INCLUDE
        additional_properties = FORM_VALUE

    id = fields.String()
    status = fields.String()
    enterprise_id = fields.String()
    enterprise_name = fields.String(attribute="enterprise.name")
    enterprise_uscc = fields.String(attribute="enterprise.uscc")
    enterprise_scale = fields.String()
    agency_id = fields.String()
    agency_name = fields.String(attribute="agency.name")
    services = fields.List(fields.String())
    start_date = fields.Date()
    end_date = fields.Date()
    government_purchased = fields.Boolean()
    submitted_at = ChinaDateTime()
    decided_at = ChinaDateTime(allow_none=True)
    reason = ComputedString(compute=lambda obj: obj.decision_reason, allow_none=True,
                            metadata={"description": "the decision's reason (same as decision_reason)"})
    decision_reason = fields.String(allow_none=True)
    form_version = fields.Integer()
    extra = form_values("the tenant's own form fields (also at the top level)")

    @post_dump(pass_original=True)
    def tenant_fields(self, data, original, **kwargs):
        for key, value in (getattr(original, "extra", None) or {}).items():
            data.setdefault(key, value)
        return data


class CustodyDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)),
                             metadata=label("决定", "Decision"))
    reason = Text(max_length=2000, multiline=True, load_default=None, allow_none=True,
                  metadata=label("理由（驳回时必填）", "Reason (required to reject)"))


class CustodyAgencyIn(Schema):
    """托管服务机构 — added by the bureau."""

    name = Text(required=True, max_length=200, metadata=label("机构名称", "Agency name"))
    uscc = Uscc(required=True, metadata=label("统一社会信用代码", "Unified social credit code (USCC)"))
    contact = Text(required=True, max_length=200,
                   metadata=label("联系人及电话", "Contact (person and phone)"))


class CustodyAgencyOut(OutSchema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()
    contact = fields.String()
    approved = fields.Boolean()
    created_at = ChinaDateTime()


class CustodyAgencyQuery(Schema):
    all = fields.Boolean(load_default=False,
                         metadata={"description": "bureau only: include agencies not approved"})


class CustodyAgencyApprovalIn(Schema):
    approved = JsonBoolean(required=True, metadata=label("已批准", "Approved"))


class CustodyCounts(Schema):
    """托管申请 by status, for the statistics."""

    submitted = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
