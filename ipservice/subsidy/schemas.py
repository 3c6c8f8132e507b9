"""资助/奖励申请: the form (one per funded rule: base fields as the rule needs them, the tenant's own fields
from ``forms.toml [subsidy]``, the rule's own fields from ``subsidies.toml``), and the API's other payloads.

``forms.schema_for(tenant, "subsidy")`` is the generic form (``GET /forms``, the bulk import, the API): it
loads a body with the form of the rule the body names, so that every rule's required fields are checked
wherever an application comes in.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate, validates_schema

from ipservice.accounts.schemas import label
from ipservice.core import identifiers
from ipservice.core.attachments import AttachmentOut
from ipservice.core.i18n import listing
from ipservice.core.labels import ORG_TYPES, choices
from ipservice.core.openapi import FORM_VALUE, FilingOut, ComputedList, ComputedNested, ComputedString, form_values
from ipservice.core.types import ChinaDateTime, today_china
from ipservice.core.validators import Text, filter_date
from ipservice.forms.api import FieldOut
from ipservice.forms.builder import build
from ipservice.forms.render import describe
from ipservice.policy.schemas import READING, ReadingOut, RuleAmountsOut
from ipservice.policy.services import reading_of
from ipservice.subsidy import services
from ipservice.subsidy.config import settings
from ipservice.subsidy.models import DECISIONS, STATUSES  # noqa: F401 — the kind's vocabulary, re-exported

MIN_BASIS = dt.date(2000, 1, 1)
MAX_AMOUNT = 10**12
MAX_ITEMS = 1000


def _parts(value) -> list[str]:
    """A JSON list, or text with one item per line (or separated by commas, 、 or ;) from a page or a cell."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(_("不是有效的列表。"))
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ValidationError(_("不是有效的文本。"))
        # a patent number may be typed with spaces inside ("2020 1056 6088.9"): split on lines and
        # punctuation only, then drop the spaces of each item
        for part in re.split(r"[\n\r,，;；、]+", item):
            if part.strip():
                out.append(part.strip())
    return out


class NumberList(fields.Field):
    """A list of object numbers, normalized and without repeats; ``parse(text) -> normalized`` raises a
    localized ValidationError for a bad one."""

    def __init__(self, parse, **kwargs):
        self.parse = parse
        # the document: a JSON list of strings (a page's or a cell's text is split, see ``_parts``)
        kwargs["metadata"] = {"type": "array", "items": {"type": "string"}, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = _parts(value)
        if not items:
            raise ValidationError(_("缺少必填字段。"))
        if len(items) > MAX_ITEMS:
            raise ValidationError(_("最多 %(max)s 项。", max=MAX_ITEMS))
        out, errors = [], []
        for n, item in enumerate(items, start=1):
            try:
                normalized = self.parse(item)
            except ValidationError as exc:
                errors.append(_("第 %(n)s 项（%(value)s）：%(message)s", n=n, value=item[:40],
                                message=" ".join(str(m) for m in exc.messages)))
                continue
            if normalized in out:
                errors.append(_("第 %(n)s 项（%(value)s）重复。", n=n, value=item[:40]))
            out.append(normalized)
        if errors:
            raise ValidationError(errors)
        return out


def parse_patent(kinds: tuple[str, ...]):
    """A Chinese patent application number with its check digit (core.identifiers), of one of ``kinds``."""
    from ipservice.core.identifiers import PATENT_KINDS, parse_patent_application_number

    def parse(text):
        number = parse_patent_application_number(text)
        if kinds and number.kind not in kinds:
            names = {"invention": _("发明"), "utility_model": _("实用新型"), "design": _("外观设计"),
                     "pct_invention": _("PCT 发明"), "pct_utility_model": _("PCT 实用新型")}
            raise ValidationError(_("%(kind)s专利不适用本政策（适用：%(kinds)s）。", kind=names[number.kind],
                                    kinds=listing(names[k] for k in PATENT_KINDS.values() if k in kinds)))
        return number.normalized

    return parse


def parse_pct(text: str) -> str:
    """A PCT international application number, PCT/CN2019/123456 (separators and case are forgiven)."""
    return identifiers.pct_number(text)


class DocumentNumber(Text):
    """A document number: kept as entered for showing (trimmed, upper case), and it must have a canonical
    form (``core.identifiers.document_number``), which is what one subsidy per object is checked on."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = identifiers.display_document_number(super()._deserialize(value, attr, data, **kwargs))
        identifiers.document_number(value)
        return value


class _Common(Schema):
    """The fields every subsidy application has, and the checks that depend on the rule."""

    rule = fields.String(required=True, validate=validate.Length(min=1, max=80),
                         metadata=label("申请的政策", "Policy rule applied for"))
    org_type = fields.String(required=True, validate=validate.OneOf(list(ORG_TYPES)),
                             metadata=label("单位类型", "Type of organization", choices=choices(ORG_TYPES)))
    basis_date = fields.Date(required=True, validate=validate.Range(min=MIN_BASIS),
                             metadata=label("依据日期", "Basis date"))
    quantity = fields.Integer(load_default=None, allow_none=True, strict=False,
                              validate=validate.Range(min=1, max=MAX_ITEMS),
                              metadata=label("数量", "Quantity", hidden=True))

    subsidy_rule = None  # the rule's settings (subsidy.config.SubsidyRule) in a rule's form

    @validates_schema(skip_on_field_errors=False)
    def check(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        basis = data.get("basis_date")
        today = today_china()
        if basis and basis > today:
            errors["basis_date"] = [_("依据日期不能晚于今天（北京时间 %(today)s）。", today=today.isoformat())]
        cfg = self.subsidy_rule
        if cfg is not None:
            items = data.get("patent_numbers") or data.get("pct_numbers")
            key = "patent_numbers" if cfg.object == "patent" else "pct_numbers"
            if items is not None and cfg.max_quantity and len(items) > cfg.max_quantity:
                errors[key] = [_("本政策每份申请最多 %(max)s 项。", max=cfg.max_quantity)]
            quantity = data.get("quantity")
            if items is not None and quantity is not None and quantity != len(items):
                errors["quantity"] = [_("数量（%(n)s）与所列编号的个数（%(m)s）不一致。", n=quantity, m=len(items))]
            if items is None and quantity not in (None, 1):
                errors["quantity"] = [_("本政策每份申请只针对一项。")]
            if cfg.min_years and basis:
                start = data.get(cfg.min_years.field)
                if isinstance(start, dt.date) and _add_years(start, cfg.min_years.years) > basis:
                    errors[cfg.min_years.field] = [_("须在依据日期 %(years)s 年以前（不晚于 %(date)s）。",
                                                     years=cfg.min_years.years,
                                                     date=_add_years(basis, -cfg.min_years.years).isoformat())]
        if errors:
            raise ValidationError(errors)

    @post_load
    def objects(self, data, **kwargs):
        """``objects``: what the application claims (numbers, or the document number); ``quantity``."""
        if data.get("patent_numbers"):
            data["objects"] = list(data["patent_numbers"])
        elif data.get("pct_numbers"):
            data["objects"] = list(data["pct_numbers"])
        elif data.get("object_no"):
            data["objects"] = [data["object_no"]]
        else:
            data["objects"] = []
        listed = data.get("patent_numbers") or data.get("pct_numbers")
        data["quantity"] = len(listed) if listed else 1
        return data


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


PATENT_NUMBERS_LABEL = label("专利申请号（含校验位，一行一个）",
                             "Patent application numbers (with check digit, one per line)", widget="text")
PCT_NUMBERS_LABEL = label("PCT 国际申请号（一行一个）", "PCT international application numbers (one per line)",
                          widget="text")


class SubsidyApplicationBase(_Common):
    """Every base field (the generic form: each rule's form keeps those it needs, required)."""

    class Meta:  # the OpenAPI document: the tenant's and the rule's own fields are additional properties
        additional_properties = FORM_VALUE

    base_amount_cny = fields.Integer(load_default=None, allow_none=True, strict=False,
                                     validate=validate.Range(min=0, max=MAX_AMOUNT),
                                     metadata=label("基数金额（元）", "Base amount (yuan)"))
    patent_numbers = NumberList(parse_patent(()), load_default=None, allow_none=True, metadata=PATENT_NUMBERS_LABEL)
    pct_numbers = NumberList(parse_pct, load_default=None, allow_none=True, metadata=PCT_NUMBERS_LABEL)
    object_no = DocumentNumber(load_default=None, allow_none=True, max_length=100,
                     metadata=label("文件编号", "Document number"))


def _rule_base(tenant, cfg) -> type[Schema]:
    """The base fields as one rule needs them: required where the rule needs them, left out otherwise."""
    attrs: dict = {"subsidy_rule": cfg}
    attrs["rule"] = fields.String(required=True, validate=validate.OneOf([cfg.rule]),
                                  metadata=label("申请的政策", "Policy rule applied for", hidden=True))
    attrs["basis_date"] = fields.Date(required=True, validate=validate.Range(min=MIN_BASIS),
                                      metadata=label(cfg.basis.zh, cfg.basis.en))
    if cfg.base is not None:
        attrs["base_amount_cny"] = fields.Integer(required=True, strict=False,
                                                  validate=validate.Range(min=0, max=MAX_AMOUNT),
                                                  metadata=label(cfg.base.zh, cfg.base.en))
    if cfg.object == "patent":
        attrs["patent_numbers"] = NumberList(parse_patent(cfg.patent_kinds), required=True,
                                             metadata=PATENT_NUMBERS_LABEL)
    elif cfg.object == "pct_application":
        attrs["pct_numbers"] = NumberList(parse_pct, required=True, metadata=PCT_NUMBERS_LABEL)
    elif cfg.object == "document":
        attrs["object_no"] = DocumentNumber(required=True, max_length=100,
                                  metadata=label(cfg.object_label.zh, cfg.object_label.en))
    return type(f"SubsidyBase_{cfg.rule}", (_Common,), attrs)


_RULE_FORMS: dict[tuple, type] = {}


def rule_form(tenant, cfg) -> type[Schema]:
    """The form of one rule: its base fields, the tenant's subsidy fields, the rule's own fields."""
    key = (tenant.slug, cfg.rule, tenant.forms.version, id(cfg))
    if key not in _RULE_FORMS:
        _RULE_FORMS[key] = build(_rule_base(tenant, cfg), tuple(tenant.forms.fields_for("subsidy")) + cfg.fields,
                                 name=f"SubsidyForm_{cfg.rule}")
    return _RULE_FORMS[key]


def rule_choices(tenant) -> list[dict]:
    from ipservice.policy.services import rule_by_code

    out = []
    for cfg in settings(tenant).rules:
        rule = rule_by_code(tenant, cfg.rule)
        out.append({"value": cfg.rule, "label_zh": rule.name_zh, "label_en": rule.name_en})
    return out


def build_form(tenant) -> type[Schema]:
    """The tenant's subsidy form: loads a body with the form of the rule it names."""
    generic = build(SubsidyApplicationBase, tuple(tenant.forms.fields_for("subsidy")), {"rule": rule_choices(tenant)},
                    name="SubsidyApplicationForm")

    class SubsidyApplicationForm(generic):
        def load(self, data, *, many=None, partial=None, unknown=None):
            code = data.get("rule") if isinstance(data, dict) else None
            cfg = settings(tenant).rule(code) if isinstance(code, str) else None
            if cfg is not None:
                return rule_form(tenant, cfg)().load(data, many=many, partial=partial, unknown=unknown)
            return super().load(data, many=many, partial=partial, unknown=unknown)

    return SubsidyApplicationForm



# --- other payloads ----------------------------------------------------------------------------------------

class SubsidyRulesQuery(Schema):
    on = filter_date("the rules in force on this day (default: today, China time)")


class SubsidyCitationOut(Schema):
    document = fields.String(metadata={"description": "document number, or its title where it has none"})
    document_code = fields.String()
    clause = fields.String()
    quote = fields.String()


class SubsidyFormOut(Schema):
    fields = fields.List(fields.Nested(FieldOut))  # as GET /forms describes a field


class SubsidyEvidenceOut(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    required = fields.Boolean()


class SubsidyBudgetRefOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    amount_cny = fields.Integer()


class SubsidyRuleOut(RuleAmountsOut):
    unit = fields.String(metadata={"description": "per_patent, per_application, per_award, per_enterprise, "
                                                  "rate (rate × base amount) or base (the base amount)"})
    cap_per = fields.String(metadata={"description": "what the cap limits: application, enterprise, enterprise_year"})
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


class SubsidyEstimateOut(Schema):
    amount_cny = fields.Integer(allow_none=True)
    explanation = fields.String()
    arithmetic = fields.String()
    citation = fields.Nested(SubsidyCitationOut, allow_none=True)


class SubsidyAttachmentOut(AttachmentOut):
    document = ComputedString(compute=lambda a: services.evidence_code(a), allow_none=True,
                              metadata={"description": "which of the rule's evidence documents (its code)"})


class SubsidyEnterpriseOut(Schema):
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
    rule_name = ComputedString(compute=lambda obj: services.rule_name(obj.rule_code))
    org_type = fields.String()
    basis_date = fields.Date()
    quantity = fields.Integer()
    base_amount_cny = fields.Integer(allow_none=True)
    objects = fields.List(fields.String(), metadata={
        "description": "what the application claims: patent numbers (digits and check character) and PCT numbers in "
                       "their canonical form, a document number as entered (trimmed, upper case); one subsidy per "
                       "object is held on each object's canonical form"})
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

    document = fields.String(load_default=None, metadata={"description": "which evidence document (its code)"})
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
    year = fields.Integer(validate=validate.Range(min=2000, max=2100), metadata={"description": "one year only"})


class SubsidyLiabilityOut(Schema):
    year = fields.Integer()
    rule = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    amount_cny = fields.Integer(metadata={"description": "approved (owed)"})
    count = fields.Integer(metadata={"description": "approved grants"})
    expected_cny = fields.Integer(metadata={"description": "estimates of the submitted applications"})
    budget = fields.String(allow_none=True)
    budget_cny = fields.Integer(allow_none=True)


class SubsidyBudgetOut(Schema):
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


class SubsidyLiabilityReportOut(Schema):
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
        "cap_per": cfg.cap_per, "object": cfg.object, "org_types": list(services.org_types_of(cfg, rule)),
        "effective_from": rule.effective_from, "effective_to": rule.effective_to,
        "in_force": rule.in_force(today or today_china()),
        "note_zh": cfg.note_zh or rule.note_zh, "note_en": cfg.note_en or rule.note_en,
        "reading": reading_of(rule),
        "form": {"fields": describe(rule_form(tenant, cfg)())},
        "evidence": [{"code": e.code, "label_zh": e.label_zh, "label_en": e.label_en, "required": e.required}
                     for e in cfg.evidence],
        "budget": ({"code": budget.code, "name_zh": budget.name_zh, "name_en": budget.name_en,
                    "amount_cny": budget.amount_cny} if budget else None),
        "source": services.citation_of(tenant, rule),
    }


def rule_views(tenant, on: dt.date | None = None) -> list[dict]:
    today = today_china()
    return [rule_view(tenant, cfg, rule, today) for cfg, rule in services.rules(tenant, on or today)]
