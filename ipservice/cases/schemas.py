"""The case form (base fields + the tenant's own, per tenant) and the case payloads."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest.fields import Upload
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from ipservice.accounts.schemas import label
from ipservice.cases import rights
from ipservice.core import labels
from ipservice.core.attachments import AttachmentOut
from ipservice.core.i18n import pick
from ipservice.core.openapi import FORM_VALUE, FilingOut, EnterpriseRefOut, form_values
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import OptionalUscc, Text
from ipservice.cases.config import of as cases_config
from ipservice.cases.models import CASE_TYPES, IP_TYPES, STATUSES
from ipservice.forms.builder import build
from ipservice.tenants.schemas import FormSectionSchema
from ipservice.core.dump import OutSchema

# Case types that are about a patent application (专利预审 and its entity filing).
PATENT_ONLY_TYPES = ("pre_exam_filing", "pre_exam")


def _labelled(table: dict, codes) -> str:
    """``专利预审备案（pre_exam_filing）、维权援助（assistance）`` in the current language."""
    return _("、").join(_("%(label)s（%(code)s）", label=labels.label(table, c), code=c) for c in codes)


def _centers_text(centers) -> str:
    return _("、").join(_("%(label)s（%(code)s）", label=_center_name(c), code=c.code) for c in centers)


def _center_name(center) -> str:
    return pick(center.name_zh, center.name_en)


class CaseBase(Schema):
    """维权案件 — the base fields every tenant's case form has (the tenant adds its own in forms.toml)."""

    class Meta:  # the OpenAPI document: the tenant's own fields (GET /forms) are additional properties
        additional_properties = FORM_VALUE

    # Set on the per-tenant subclass: the tenant's centers and case types.
    tenant_centers: tuple = ()
    tenant_case_types: tuple = ()
    tenant_ip_types: tuple = ()

    case_type = fields.String(required=True, metadata=label(
        "案件类型", "Case type", choices=labels.choices(CASE_TYPES)))
    center = fields.String(load_default=None, allow_none=True, metadata=label(
        "受理中心", "Center",
        description="the center's code; may be left out when the tenant has one center"))
    ip_type = fields.String(required=True, validate=validate.OneOf(list(IP_TYPES)), metadata=label(
        "知识产权类型", "IP type", choices=labels.choices(IP_TYPES)))
    right_number = Text(required=True, max_length=100, metadata=label(
        "权利号（专利申请号、商标注册号等）",
        "Right number (patent application no., trademark registration no. …)",
        description="patent: 202010566088.9 or 97101765.4 (ZL/CN prefix and dot optional); "
                    "trademark: digits"))
    counterparty_name = Text(required=True, max_length=200, metadata=label(
        "对方当事人名称", "Counterparty name"))
    counterparty_uscc = OptionalUscc(load_default=None, allow_none=True, metadata=label(
        "对方统一社会信用代码（选填）", "Counterparty USCC (optional)"))
    summary = Text(required=True, max_length=5000, multiline=True, metadata=label(
        "案情简介", "Summary of the facts"))
    request = Text(required=True, max_length=2000, multiline=True, metadata=label(
        "请求事项", "What you ask the center to do"))

    @validates_schema(skip_on_field_errors=False)
    def tenant_rules(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        case_type = data.get("case_type")
        offered = self.tenant_case_types
        if case_type is not None and case_type not in offered:
            errors["case_type"] = [_("本地区不受理该类型的案件。可受理的类型：%(types)s。",
                                     types=_labelled(CASE_TYPES, offered))]
            case_type = None
        ip_type = data.get("ip_type")
        if ip_type is not None and ip_type in IP_TYPES and ip_type not in self.tenant_ip_types:
            errors["ip_type"] = [_("本地区不受理该知识产权类型。可选：%(types)s。",
                                   types=_labelled(IP_TYPES, self.tenant_ip_types))]
        elif case_type in PATENT_ONLY_TYPES and ip_type not in (None, "patent"):
            errors["ip_type"] = [_("%(type)s只适用于专利。", type=labels.label(CASE_TYPES, case_type))]
        center_error = self._center_error(data.get("center"), case_type)
        if center_error:
            errors["center"] = [center_error]
        if ip_type in IP_TYPES and data.get("right_number") and "right_number" not in errors:
            try:
                rights.parse_right_number(ip_type, data["right_number"])
            except ValidationError as exc:
                messages = exc.messages
                errors["right_number"] = messages if isinstance(messages, list) else [str(messages)]
        if errors:
            raise ValidationError(errors)

    def _center_error(self, code, case_type) -> str | None:
        centers = self.tenant_centers
        if code is None:  # one center: it is taken; several: the required field reports it
            return None
        center = next((c for c in centers if c.code == code), None)
        if center is None:
            return _("未知的受理中心。可选：%(centers)s。", centers=_centers_text(centers))
        if case_type is not None and case_type not in center.case_types:
            able = [c for c in centers if case_type in c.case_types]
            return _("%(center)s不受理%(type)s案件；可受理该类型的中心：%(centers)s。",
                     center=_center_name(center), type=labels.label(CASE_TYPES, case_type),
                     centers=_centers_text(able))
        return None

    @post_load
    def normalize(self, data, **kwargs):
        if data.get("center") is None and len(self.tenant_centers) == 1:
            data["center"] = self.tenant_centers[0].code
        parsed = rights.parse_right_number(data["ip_type"], data["right_number"])
        data["right_number"] = parsed.formatted
        data["right_number_normalized"] = parsed.normalized
        return data


class CaseFormSection(FormSectionSchema):
    """forms.toml ``[case]``: the tenant's own fields and the IP types its centers handle (default: all)."""
    ip_types = fields.List(fields.String(validate=validate.OneOf(list(IP_TYPES))),
                           load_default=lambda: list(IP_TYPES), validate=validate.Length(min=1))


def offered_ip_types(tenant) -> tuple[str, ...]:
    return tenant.forms.option("case", "ip_types")


def build_case_form(tenant) -> type[Schema]:
    """The tenant's case form: its case types, centers and IP types, plus its own fields (forms.toml)."""
    cases = cases_config(tenant)
    centers = cases.centers
    center_choices = [{"value": c.code, "label_zh": c.name_zh, "label_en": c.name_en} for c in centers]
    base = type(f"CaseBase_{tenant.slug.replace('-', '_')}", (CaseBase,), {
        "tenant_centers": centers,
        "tenant_case_types": cases.case_types,
        "tenant_ip_types": offered_ip_types(tenant),
        # Offered types are checked in tenant_rules so that the message names them with their labels.
        "case_type": fields.String(required=True, metadata=label(
            "案件类型", "Case type", choices=labels.choices(CASE_TYPES, cases.case_types))),
        # With one center the field may be left out; with several it is required.
        "center": (fields.String(required=True, metadata=label("受理中心", "Center", choices=center_choices))
                   if len(centers) > 1 else
                   fields.String(load_default=None, allow_none=True,
                                 metadata=label("受理中心", "Center", choices=center_choices))),
    })
    schema = build(base, tenant.forms.fields_for("case"),
                   {"ip_type": labels.choices(IP_TYPES, offered_ip_types(tenant))}, name="CaseForm")
    return schema



# --- payloads out -----------------------------------------------------------------------------------

class HistoryOut(OutSchema):
    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String()
    to_label = fields.String()
    by = fields.String(metadata={"description": "the e-mail of who made the move"})
    by_role = fields.String()
    at = ChinaDateTime()
    note = fields.String(allow_none=True)


class DueLimitOut(OutSchema):
    days = fields.Integer()
    calendar = fields.String(metadata={"description": "working (official Chinese calendar) or calendar"})
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    estimated = fields.Boolean(metadata={
        "description": "true when a year not yet in the official holiday data was counted Monday to Friday"})


class DueOut(OutSchema):
    accept = fields.Nested(DueLimitOut)
    close = fields.Nested(DueLimitOut)
    next_due_on = fields.Date(allow_none=True, metadata={"description": "the deadline in the current status"})
    overdue = fields.Boolean()
    note = fields.String(allow_none=True)



class CaseOut(FilingOut):
    id = fields.String()
    number = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_label = fields.String()
    case_type = fields.String()
    case_type_label = fields.String()
    center = fields.String()
    center_name = fields.String()
    ip_type = fields.String()
    ip_type_label = fields.String()
    right_number = fields.String()
    right_number_normalized = fields.String()
    counterparty_name = fields.String()
    counterparty_uscc = fields.String(allow_none=True)
    summary = fields.String()
    request = fields.String()
    extra = form_values("the tenant's own form fields")
    enterprise = fields.Nested(EnterpriseRefOut, metadata={"description": "the applicant"})
    submitted_at = ChinaDateTime()
    accepted_at = ChinaDateTime(allow_none=True)
    closed_at = ChinaDateTime(allow_none=True)
    accept_due_on = fields.Date()
    close_due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    due = fields.Nested(DueOut)
    allowed_moves = fields.List(fields.String(),
                                metadata={"description": "the moves the caller may make now"})
    history = fields.List(fields.Nested(HistoryOut))
    attachments = fields.List(fields.Nested(AttachmentOut))


class CaseListOut(CaseOut):
    class Meta:
        exclude = ("history", "attachments", "summary", "request")


# the orders the case list offers (the page's choice; the API takes ``-number`` too)
SORTS = (("due", "期限最近在前", "Nearest deadline first"),
         ("-due", "期限最远在前", "Farthest deadline first"),
         ("-submitted_at", "最新提交在前", "Newest first"), ("submitted_at", "最早提交在前", "Oldest first"),
         ("number", "按编号", "By number"))


class CaseQuery(Schema):
    case_type = fields.String(validate=validate.OneOf(tuple(CASE_TYPES)), metadata=label("类型", "Type"))
    status = fields.String(validate=validate.OneOf(STATUSES), metadata=label("状态", "Status"))
    center = fields.String(validate=validate.Length(max=80), metadata=label("中心", "Center"))
    overdue = fields.Boolean(metadata=label("是否超期", "Overdue"))
    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "search in number, applicant, counterparty and right number",
        **label("搜索", "Search")})
    sort = fields.String(load_default="-submitted_at", validate=validate.OneOf(
        ("due", "-due", "submitted_at", "-submitted_at", "number", "-number")), metadata=label(
            "排序", "Sort", choices=[{"value": v, "label_zh": zh, "label_en": en} for v, zh, en in SORTS]))


class TransitionIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(STATUSES),
                       metadata=label("目标状态", "New status"))
    note = Text(load_default=None, allow_none=True, max_length=2000, multiline=True,
                metadata=label("说明", "Note"))


class UploadIn(Schema):
    file = Upload(metadata={"description": "PDF, JPEG or PNG, at most 10 MB"})


class CaseTotals(Schema):
    """Cases of one or several districts, for the statistics."""

    total = fields.Integer()
    by_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    closure_rate = fields.Float(allow_none=True, metadata={"description": "closed ÷ cases not withdrawn"})


class CaseCounts(CaseTotals):
    median_days_to_close = fields.Float(allow_none=True)
