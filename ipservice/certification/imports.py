"""How 贯标 certification records come in from a bureau's ledger (``flask import certifications``): the
columns and the duplicate rule (the certificate number in the tenant)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ipservice.certification.models import CertificationRecord
from ipservice.certification.schemas import normalize_certificate_no
from ipservice.certification.standards import ENTERPRISE_EDITIONS
from ipservice.core.labels import ORG_TYPES
from ipservice.extensions import db
from ipservice.importing.cells import Column, as_choice, as_date, as_text, labels_table, norm, status_column, tenant_columns
from ipservice.importing.engine import ImportSpec, blocks

ORG_TYPE_ALIASES = {"高校": "university", "大学": "university", "科研院所": "research_institute",
                    "科研机构": "research_institute", "科研单位": "research_institute"}


def _edition(raw):
    text = as_text(raw)
    return next((e for e in ENTERPRISE_EDITIONS if norm(e) == norm(text)), text)


def columns(tenant) -> list[Column]:
    org_types = labels_table(ORG_TYPES)
    return [
        Column("enterprise_name", ("单位名称", "企业名称", "enterprise_name", "name"), "Organization name"),
        Column("uscc", ("统一社会信用代码", "uscc", "enterprise_uscc"), "USCC"),
        Column("org_type", ("单位类型", "org_type"), "Type of organization",
               convert=lambda raw: as_choice(raw, org_types, ORG_TYPE_ALIASES)),
        Column("standard_edition", ("标准版本", "standard_edition"), "Standard edition", False, _edition),
        Column("certificate_no", ("证书编号", "certificate_no"), "Certificate number"),
        Column("certification_body", ("认证机构", "certification_body"), "Certification body"),
        Column("issued_on", ("发证日期", "issued_on"), "Issue date", convert=as_date),
        Column("expires_on", ("有效期至", "expires_on"), "Valid until", convert=as_date),
        Column("consulting_agency", ("辅导机构", "consulting_agency"), "Consulting agency", False),
        Column("scope", ("认证范围", "scope"), "Scope of certification"),
        *tenant_columns(tenant.forms.fields_for("certification")),
        status_column(("submitted", "verified", "rejected")),
        Column("reason", ("驳回理由", "审核意见", "理由", "reason", "decision_reason"), "Reason", False),
    ]


def existing(values, enterprise, context, row_status):
    number = normalize_certificate_no(values.get("certificate_no") or "")
    if not number:
        return None
    statuses = db.session.scalars(select(CertificationRecord.status).where(
        CertificationRecord.certificate_no == number)).all()
    if any(blocks(s, row_status) for s in statuses):
        return _("已存在：证书编号 %(no)s", no=number)
    return None


SPEC = ImportSpec(
    command="certifications", help="Import 贯标 certification records (贯标认证备案) from FILE.xlsx.",
    columns=columns, existing=existing,
    decisions={"verified": [{"decision": "verify", "reason": None}],
               "rejected": [{"decision": "reject", "reason": None}]},
)
