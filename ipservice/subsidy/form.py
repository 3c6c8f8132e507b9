"""资助/奖励申请: the form, one per funded rule: base fields as the rule needs them, the tenant's own fields
from ``forms.toml [subsidy]``, the rule's own fields from ``subsidies.toml``.

``forms.schema_for(tenant, "subsidy")`` is the generic form (``GET /forms``, the bulk import, the API): it
loads a body with the form of the rule the body names, so that every rule's required fields are checked
wherever an application comes in.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ipservice.accounts.schemas import label
from ipservice.core.labels import ORG_TYPES, choices
from ipservice.core.openapi import FORM_VALUE
from ipservice.core.types import today_china
from ipservice.forms.builder import build
from ipservice.subsidy.config import settings
from ipservice.subsidy.objects import MAX_ITEMS, DocumentNumber, NumberList, parse_patent, parse_pct

MIN_BASIS = dt.date(2000, 1, 1)
MAX_AMOUNT = 10**12


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
            errors["basis_date"] = [_("依据日期不能晚于今天（北京时间 %(today)s）。",
                                      today=today.isoformat())]
        cfg = self.subsidy_rule
        if cfg is not None:
            _check_quantity(cfg, data, errors)
            _check_min_years(cfg, data, basis, errors)
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


def _check_quantity(cfg, data: dict, errors: dict) -> None:
    """The numbers listed within the rule's maximum, and the quantity stated equal to how many are listed
    (one, when the rule's object is not a list of numbers)."""
    items = data.get("patent_numbers") or data.get("pct_numbers")
    key = "patent_numbers" if cfg.object == "patent" else "pct_numbers"
    if items is not None and cfg.max_quantity and len(items) > cfg.max_quantity:
        errors[key] = [_("本政策每份申请最多 %(max)s 项。", max=cfg.max_quantity)]
    quantity = data.get("quantity")
    if items is not None and quantity is not None and quantity != len(items):
        errors["quantity"] = [_("数量（%(n)s）与所列编号的个数（%(m)s）不一致。", n=quantity, m=len(items))]
    if items is None and quantity not in (None, 1):
        errors["quantity"] = [_("本政策每份申请只针对一项。")]


def _check_min_years(cfg, data: dict, basis: dt.date | None, errors: dict) -> None:
    """The rule's 年限 condition: its date field at least ``years`` before the basis date."""
    if not (cfg.min_years and basis):
        return
    start = data.get(cfg.min_years.field)
    if isinstance(start, dt.date) and _add_years(start, cfg.min_years.years) > basis:
        errors[cfg.min_years.field] = [_("须在依据日期 %(years)s 年以前（不晚于 %(date)s）。",
                                         years=cfg.min_years.years,
                                         date=_add_years(basis, -cfg.min_years.years).isoformat())]


PATENT_NUMBERS_LABEL = label("专利申请号（含校验位，一行一个）",
                             "Patent application numbers (with check digit, one per line)", widget="text")
PCT_NUMBERS_LABEL = label("PCT 国际申请号（一行一个）",
                          "PCT international application numbers (one per line)", widget="text")


class SubsidyApplicationBase(_Common):
    """Every base field (the generic form: each rule's form keeps those it needs, required)."""

    class Meta:  # the OpenAPI document: the tenant's and the rule's own fields are additional properties
        additional_properties = FORM_VALUE

    base_amount_cny = fields.Integer(load_default=None, allow_none=True, strict=False,
                                     validate=validate.Range(min=0, max=MAX_AMOUNT),
                                     metadata=label("基数金额（元）", "Base amount (yuan)"))
    patent_numbers = NumberList(parse_patent(()), load_default=None, allow_none=True,
                                metadata=PATENT_NUMBERS_LABEL)
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
        _RULE_FORMS[key] = build(_rule_base(tenant, cfg),
                                 tuple(tenant.forms.fields_for("subsidy")) + cfg.fields,
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
    generic = build(SubsidyApplicationBase, tuple(tenant.forms.fields_for("subsidy")),
                    {"rule": rule_choices(tenant)}, name="SubsidyApplicationForm")

    class SubsidyApplicationForm(generic):
        def load(self, data, *, many=None, partial=None, unknown=None):
            code = data.get("rule") if isinstance(data, dict) else None
            cfg = settings(tenant).rule(code) if isinstance(code, str) else None
            if cfg is not None:
                return rule_form(tenant, cfg)().load(data, many=many, partial=partial, unknown=unknown)
            return super().load(data, many=many, partial=partial, unknown=unknown)

    return SubsidyApplicationForm
