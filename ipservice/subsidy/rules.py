"""The subsidy rules one can apply for: each rule's settings (``subsidies.toml``) with its policy rule,
its name, citation and what it pays in words."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from ipservice.core.i18n import pick
from ipservice.core.tenancy import current_tenant
from ipservice.policy import services as policy
from ipservice.subsidy.config import settings


def _tenant():
    return current_tenant()


def rule_pair(tenant, code):
    """``(settings of subsidies.toml, policy rule)`` of an applicable rule, or ``(None, None)``."""
    cfg = settings(tenant).rule(code) if code else None
    return (cfg, policy.rule_by_code(tenant, code)) if cfg is not None else (None, None)


def rule_name(code: str) -> str:
    rule = policy.rule_by_code(_tenant(), code)
    return pick(rule.name_zh, rule.name_en) if rule is not None else code


def org_types_of(cfg, rule) -> tuple[str, ...]:
    return cfg.org_types or rule.org_types


def citation_of(tenant, rule) -> dict:
    doc = tenant.document(rule.source.document)
    return {"document": doc.label, "document_code": doc.code, "clause": rule.source.clause,
            "quote": rule.source.quote}


def rules(tenant, on: dt.date | None = None) -> list[tuple]:
    """The applicable rules (``(settings, rule)``), those in force on ``on`` when given."""
    pairs = [rule_pair(tenant, cfg.rule) for cfg in settings(tenant).rules]
    return [(cfg, rule) for cfg, rule in pairs if on is None or rule.in_force(on)]


def pays(tenant, cfg, rule) -> str:
    """What a rule pays, in words, for the rules page ("4,000 元/件", "融资额的 2%，最高 200,000 元"…)."""
    money = policy.money
    if cfg.unit == "rate":
        text = _("%(base)s的 %(rate)s", base=pick(cfg.base.zh, cfg.base.en), rate=policy.percent(rule.rate))
    elif cfg.unit == "base":
        text = pick(cfg.base.zh, cfg.base.en)
    elif rule.amount_cny is not None:
        unit = {"per_patent": _("每件专利"), "per_application": _("每件申请"), "per_award": _("每项"),
                "per_enterprise": _("每个单位")}[cfg.unit]
        text = _("%(unit)s %(amount)s 元", unit=unit, amount=money(rule.amount_cny))
    elif rule.cap_cny is not None:
        text = _("由知识产权局核定")
    else:
        return _("政策未规定金额，由知识产权局核定")
    if rule.cap_cny is not None and (cfg.unit in ("rate", "base") or rule.amount_cny is None):
        cap = money(rule.cap_cny)
        if cfg.cap_key_field:
            field = next(f for f in cfg.fields if f.name == cfg.cap_key_field)
            scope = _("每个“%(field)s”累计最高 %(cap)s 元", field=pick(field.label_zh, field.label_en),
                      cap=cap)
        elif cfg.cap_per == "enterprise":
            scope = _("每个单位累计最高 %(cap)s 元", cap=cap)
        elif cfg.cap_per == "enterprise_year":
            scope = _("每个单位每年最高 %(cap)s 元", cap=cap)
        else:
            scope = _("每份申请最高 %(cap)s 元", cap=cap)
        text += _("，") + scope
    return text
