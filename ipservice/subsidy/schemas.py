"""资助/奖励申请: the API's payloads — the rules as they are shown, an application, a decision, an upload,
the queries, the liability report — besides the form itself (``form.py``).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from ipservice.accounts.schemas import label
from ipservice.core.attachments import AttachmentOut
from ipservice.core.openapi import (
    FORM_VALUE,
    ComputedList,
    ComputedNested,
    ComputedString,
    FilingOut,
    form_values,
)
from ipservice.core.types import ChinaDateTime, today_china
from ipservice.core.validators import Text, filter_date
from ipservice.forms.api import FieldOut
from ipservice.forms.render import describe
from ipservice.policy.schemas import READING, ReadingOut, RuleAmountsOut
from ipservice.policy.services import reading_of
from ipservice.subsidy import rules as applicable
from ipservice.subsidy import services
from ipservice.subsidy.config import settings
# SubsidyApplicationBase and rule_choices are re-exported for the kind's api.py and views.py (being rewritten
# on another branch, issue 19 item 2, which may import them from subsidy.form instead).
from ipservice.subsidy.form import MAX_AMOUNT, SubsidyApplicationBase, rule_choices, rule_form  # noqa: F401
from ipservice.subsidy.models import DECISIONS, STATUSES  # noqa: F401 — the kind's vocabulary, re-exported
from ipservice.core.dump import OutSchema


class SubsidyRulesQuery(Schema):
    on = filter_date("the rules in force on this day (default: today, China time)")


class SubsidyCitationOut(OutSchema):
    document = fields.String(metadata={"description": "document number, or its title where it has none"})
    document_code = fields.String()
    clause = fields.String()
    quote = fields.String()


class SubsidyFormOut(OutSchema):
    fields = fields.List(fields.Nested(FieldOut))  # as GET /forms describes a field


class SubsidyEvidenceOut(OutSchema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    required = fields.Boolean()


class SubsidyBudgetRefOut(OutSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    amount_cny = fields.Integer()


class SubsidyRuleOut(RuleAmountsOut):
    unit = fields.String(metadata={"description": "per_patent, per_application, per_award, per_enterprise, "
                                                  "rate (rate × base amount) or base (the base amount)"})
    cap_per = fields.String(metadata={
        "description": "what the cap limits: application, enterprise, enterprise_year"})
    object = fields.String(metadata={"description": "what one subsidy is claimed on"})
    org_types = fields.List(fields.String())
    effective_from = fields.Date()
    effective_to = fields.Date()
    in_force = fields.Boolean()
    note_zh = fields.String()
    note_en = fields.String()
    reading = fields.Nested(ReadingOut, allow_none=True, metadata={"description": READING})
    form = fields.Nested(SubsidyFormOut)
    evidence = fields.List(fields.Nested(SubsidyEvidenceOut))
    budget = fields.Nested(SubsidyBudgetRefOut, allow_none=True)
    source = fields.Nested(SubsidyCitationOut)


class SubsidyEstimateOut(OutSchema):
    amount_cny = fields.Integer(allow_none=True)
    explanation = fields.String()
    arithmetic = fields.String()
    citation = fields.Nested(SubsidyCitationOut, allow_none=True)


class SubsidyAttachmentOut(AttachmentOut):
    document = ComputedString(compute=lambda a: services.evidence_code(a), allow_none=True,
                              metadata={"description": "which of the rule's evidence documents (its code)"})


class SubsidyEnterpriseOut(OutSchema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()


class SubsidyApplicationOut(FilingOut):
    """A subsidy application; the tenant's and the rule's own fields are ``extra``, and at the top level too
    (as answered since version 1.1)."""

    class Meta:  # the OpenAPI document: those top-level fields are additional properties
        additional_properties = FORM_VALUE

    id = fields.String()
    number = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    rule = fields.String(attribute="rule_code")
    rule_name = ComputedString(compute=lambda obj: applicable.rule_name(obj.rule_code))
    org_type = fields.String()
    basis_date = fields.Date()
    quantity = fields.Integer()
    base_amount_cny = fields.Integer(allow_none=True)
    objects = fields.List(fields.String(), metadata={
        "description": "what the application claims: patent numbers (digits and check character) and PCT "
                       "numbers in their canonical form, a document number as entered (trimmed, upper case); "
                       "one subsidy per object is held on each object's canonical form"})
    estimate = ComputedNested(SubsidyEstimateOut, compute=lambda obj: services.estimate_of(obj))
    granted_cny = fields.Integer(allow_none=True)
    enterprise = fields.Nested(SubsidyEnterpriseOut)
    submitted_at = ChinaDateTime()
    decided_at = ChinaDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    attachments = ComputedList(fields.Nested(SubsidyAttachmentOut),
                               compute=lambda obj: services.attachments_of(obj))
    extra = form_values("the tenant's and the rule's own form fields (also at the top level)")

    @post_dump(pass_original=True)
    def own_fields_at_top_level(self, data, original, **kwargs):
        for key, value in (original.extra or {}).items():
            data.setdefault(key, value)
        return data


class SubsidyDecisionOut(SubsidyApplicationOut):
    warning = fields.String(allow_none=True, metadata={
        "description": "set when the grant takes a budget line of the rule over its amount (counted on the "
                       "line's running total after this grant, whatever approvals run at the same time)"})


class SubsidyDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)),
                             metadata=label("决定", "Decision"))
    reason = Text(max_length=2000, multiline=True, load_default=None, allow_none=True,
                  metadata=label("理由（驳回时必填）", "Reason (required to reject)"))
    amount_cny = fields.Integer(load_default=None, allow_none=True, strict=False,
                                validate=validate.Range(min=0, max=MAX_AMOUNT),
                                metadata=label("核定金额（元）", "Amount granted (yuan)"))


class SubsidyUploadIn(Schema):
    """The multipart form of an evidence upload (the file itself is read from the request's files)."""

    document = fields.String(load_default=None,
                             metadata={"description": "which evidence document (its code)"})
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "the evidence, PDF, JPEG or PNG"})


class SubsidyApplicationQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata=label("状态", "Status"))
    rule = fields.String(validate=validate.Length(max=80), metadata=label("政策", "Rule"))
    submitted_from = filter_date("submitted on or after this day (China time)")
    submitted_to = filter_date("submitted on or before this day (China time)")

    @validates_schema
    def check_range(self, data, **kwargs):
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            raise ValidationError(_("截止日期不能早于起始日期。"), "submitted_to")


class SubsidyLiabilityQuery(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "one year only"})


class SubsidyLiabilityOut(OutSchema):
    year = fields.Integer()
    rule = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    amount_cny = fields.Integer(metadata={"description": "approved (owed)"})
    count = fields.Integer(metadata={"description": "approved grants"})
    expected_cny = fields.Integer(metadata={"description": "estimates of the submitted applications"})
    budget = fields.String(allow_none=True)
    budget_cny = fields.Integer(allow_none=True)


class SubsidyBudgetOut(OutSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    amount_cny = fields.Integer()
    years = fields.List(fields.Integer())
    within = fields.String(allow_none=True)
    rules = fields.List(fields.String())
    committed_cny = fields.Integer()
    expected_cny = fields.Integer()
    over = fields.Boolean()


class SubsidyLiabilityReportOut(OutSchema):
    liability = fields.List(fields.Nested(SubsidyLiabilityOut))
    budgets = fields.List(fields.Nested(SubsidyBudgetOut))


class SubsidyCounts(Schema):
    """资助申请 by status and the sum granted, for the statistics."""

    submitted = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    approved_cny = fields.Integer(metadata={"description": "the sum granted"})


def rule_view(tenant, cfg, rule, today: dt.date | None = None) -> dict:
    """A rule as ``GET /subsidy-rules`` and the page show it: what it pays, its form and evidence."""
    budget = settings(tenant).budget_of(rule.code)
    return {
        "code": rule.code, "name_zh": rule.name_zh, "name_en": rule.name_en, "kind": rule.kind,
        "amount_cny": rule.amount_cny, "rate": rule.rate, "cap_cny": rule.cap_cny, "unit": cfg.unit,
        "cap_per": cfg.cap_per, "object": cfg.object, "org_types": list(applicable.org_types_of(cfg, rule)),
        "effective_from": rule.effective_from, "effective_to": rule.effective_to,
        "in_force": rule.in_force(today or today_china()),
        "note_zh": cfg.note_zh or rule.note_zh, "note_en": cfg.note_en or rule.note_en,
        "reading": reading_of(rule),
        "form": {"fields": describe(rule_form(tenant, cfg)())},
        "evidence": [{"code": e.code, "label_zh": e.label_zh, "label_en": e.label_en, "required": e.required}
                     for e in cfg.evidence],
        "budget": ({"code": budget.code, "name_zh": budget.name_zh, "name_en": budget.name_en,
                    "amount_cny": budget.amount_cny} if budget else None),
        "source": applicable.citation_of(tenant, rule),
    }


def rule_views(tenant, on: dt.date | None = None) -> list[dict]:
    today = today_china()
    return [rule_view(tenant, cfg, rule, today) for cfg, rule in applicable.rules(tenant, on or today)]
