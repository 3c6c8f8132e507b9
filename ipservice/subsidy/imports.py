"""How subsidy applications come in from a bureau's ledger (``flask import subsidies``): the columns (the
base fields, the tenant's and every rule's own fields), and the duplicate rule (an object already claimed
under the rule, or the same rejected application for a rejected row). A decided row is decided with the
service: an approved one at its estimate (a rule with no amount cannot be imported as approved: the
bureau sets that amount on the page)."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ipservice.core.labels import ORG_TYPES
from ipservice.extensions import db
from ipservice.importing.cells import (
    Column,
    as_choice,
    as_date,
    as_integer,
    labels_table,
    status_column,
    tenant_columns,
)
from ipservice.importing.spec import ImportSpec
from ipservice.subsidy.models import SubsidyApplication
from ipservice.core import identifiers
from ipservice.subsidy.form import rule_choices
from ipservice.subsidy.objects import parse_pct, parse_patent
from ipservice.subsidy.claims import _claimed_by, _claims, object_key
from ipservice.subsidy.config import settings
from ipservice.subsidy.rules import rule_pair

ORG_TYPE_ALIASES = {"高校": "university", "大学": "university", "科研院所": "research_institute",
                    "科研机构": "research_institute", "公司": "enterprise"}


def columns(tenant) -> list[Column]:
    rules = rule_choices(tenant)
    own, seen = [], set()
    rule_fields = tuple(f for cfg in settings(tenant).rules for f in cfg.fields)
    for f in tuple(tenant.forms.fields_for("subsidy")) + rule_fields:
        if f.name not in seen:  # a field several rules share is one column
            seen.add(f.name)
            own.append(f)
    extra = tenant_columns(own)
    for col in extra:
        col.required = False  # each rule's form says which of them it requires
    return [
        Column("enterprise_name", ("单位名称", "企业名称", "enterprise_name", "name"), "Organization name"),
        Column("uscc", ("统一社会信用代码", "uscc", "enterprise_uscc"), "USCC"),
        Column("rule", ("政策", "申请的政策", "政策代码", "rule"), "Policy rule",
               convert=lambda raw: as_choice(raw, rules)),
        Column("org_type", ("单位类型", "org_type"), "Type of organization",
               convert=lambda raw: as_choice(raw, labels_table(ORG_TYPES), ORG_TYPE_ALIASES)),
        Column("basis_date", ("依据日期", "basis_date"), "Basis date", convert=as_date),
        Column("patent_numbers", ("专利申请号", "专利号", "patent_numbers"), "Patent application numbers",
               False),
        Column("pct_numbers", ("PCT国际申请号", "PCT申请号", "pct_numbers"), "PCT application numbers",
               False),
        Column("object_no", ("文件编号", "凭证编号", "合同编号", "证书编号", "object_no"), "Document number",
               False),
        Column("base_amount_cny", ("基数金额（元）", "基数金额", "base_amount_cny"), "Base amount (yuan)",
               False, as_integer),
        *extra,
        status_column(("submitted", "approved", "rejected")),
        Column("reason", ("决定理由", "驳回理由", "理由", "reason", "decision_reason"), "Reason", False),
    ]


def _cell_items(cell) -> list[str]:
    """A cell's numbers: one a line, or separated by 、."""
    return [p for p in str(cell or "").replace("、", "\n").splitlines() if p.strip()]


def _objects(cfg, values) -> list[str] | None:
    """The row's objects in their canonical form (``core.identifiers``, as the claims hold them); None when
    a cell does not parse: the form will say."""
    try:
        if cfg.object == "patent":
            parse = parse_patent(cfg.patent_kinds)
            return [parse(p) for p in _cell_items(values.get("patent_numbers"))]
        if cfg.object == "pct_application":
            return [parse_pct(p) for p in _cell_items(values.get("pct_numbers"))]
        if cfg.object == "document":
            return [identifiers.document_number(str(values.get("object_no") or ""))]
    except ValidationError:
        return None
    return []


def existing(values, enterprise, context, row_status):
    import datetime as dt

    from ipservice.core.tenancy import current_tenant

    cfg, _rule = rule_pair(current_tenant(), values.get("rule"))
    if cfg is None:
        return None
    objects = _objects(cfg, values)
    try:
        basis = dt.date.fromisoformat(values.get("basis_date") or "")
    except (TypeError, ValueError):
        return None
    if objects is None or (enterprise is None and cfg.object == "none"):
        return None
    data = {"objects": objects, "basis_date": basis}
    holder = _claimed_by(_claims(cfg, enterprise.id if enterprise else "-", data))
    if holder is not None:
        return _("已存在：申请编号 %(number)s", number=holder.number)
    if row_status == "rejected" and enterprise is not None:
        rejected = db.session.scalars(select(SubsidyApplication).where(
            SubsidyApplication.enterprise_id == enterprise.id, SubsidyApplication.rule_code == cfg.rule,
            SubsidyApplication.basis_date == basis, SubsidyApplication.status == "rejected"))
        for app in rejected:
            if [object_key(cfg, o) for o in app.objects or []] == objects:
                return _("已存在：申请编号 %(number)s", number=app.number)
    return None


SPEC = ImportSpec(
    command="subsidies", help="Import subsidy applications (资助/奖励申请) from FILE.xlsx.",
    columns=columns, existing=existing,
    decisions={"approved": [{"decision": "approve", "reason": None}],
               "rejected": [{"decision": "reject", "reason": None}]},
)
