"""How 贯标 certification records come in from a bureau's ledger (``flask import certifications``): the
columns, the duplicate rule (the certificate number in the tenant), and the same rules for a chunk of rows
at once (``Bulk``: see ``importing.spec.BulkRules``)."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

from ipservice.certification import estimate, services
from ipservice.certification.models import DECISIONS, OBJECT_TYPE, CertificationRecord
from ipservice.certification.schemas import normalize_certificate_no
from ipservice.certification.standards import ENTERPRISE_EDITIONS
from ipservice.core import audit, numbering
from ipservice.core.bulkinsert import insert_many
from ipservice.core.filing import checked_decision, decision_detail
from ipservice.core.ids import new_id
from ipservice.core.labels import ORG_TYPES
from ipservice.extensions import db
from ipservice.importing.cells import (
    Column,
    as_choice,
    as_date,
    as_text,
    labels_table,
    norm,
    status_column,
    tenant_columns,
)
from ipservice.importing.spec import BulkRules, ImportSpec, blocks

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
    return _duplicate_reason(number, statuses, row_status)


def _duplicate_reason(number: str, statuses, row_status: str) -> str | None:
    """The duplicate rule: a record of the same certificate number that ``blocks`` the row."""
    if any(blocks(s, row_status) for s in statuses):
        return _("已存在：证书编号 %(no)s", no=number)
    return None


ESTIMATES_KEPT = 20_000  # estimates of rows without a prior claim kept from one chunk to the next
_ESTIMATED = ("subsidy_amount_cny", "subsidy_rule_code", "subsidy_prior_id", "_prior", "subsidy_claim",
              "subsidy_explanation")


class _Prior:
    """What the estimate reads of the record that already takes the subsidy."""

    __slots__ = ("id", "standard", "certificate_no")

    def __init__(self, id_, standard, certificate_no):
        self.id, self.standard, self.certificate_no = id_, standard, certificate_no


class _Record:
    """A record to write, with the attributes the service's estimate reads and sets."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


class Bulk(BulkRules):
    """A chunk of the ledger through the rules of ``services.submit`` and ``services.decide`` (see
    ``spec.BulkRules``): the duplicate rule on the certificate number (the chunk's numbers in one query),
    the one subsidy per organization and standard (the claims of the chunk's organizations in one query,
    read after the engine locked them, as ``submit`` reads them after ``lock_enterprise``), the estimate
    made by the service's own ``estimate_with``, the decision checked by ``filing.checked_decision``;
    each earlier row of the chunk counts as a record already written. A rejected row's record is new, so
    no record took its estimate from it (``_reestimate_blocked_by`` has nothing to do)."""

    def __init__(self, importer, rows, orgs):
        self.importer, self.tenant, self.records = importer, importer.tenant, []
        # kept for the whole file: a chunk's 500 rows rarely share an issue date, a ledger's rows often do
        self._made = importer.memo.setdefault("certification.estimates", {})
        if len(self._made) > ESTIMATES_KEPT:
            self._made.clear()  # memory stays flat however many dates the file has
        numbers = {normalize_certificate_no(r.values.get("certificate_no") or "") for r in rows} - {""}
        self.statuses: dict[str, list[str]] = defaultdict(list)
        if numbers:
            for number, status in db.session.execute(
                    select(CertificationRecord.certificate_no, CertificationRecord.status)
                    .where(CertificationRecord.certificate_no.in_(sorted(numbers)))):
                self.statuses[number].append(status)
        self.claims: dict[tuple[str, str], _Prior] = {}
        ids = sorted(o.id for o in orgs.values())
        if ids:
            for id_, enterprise_id, standard, number in db.session.execute(
                    select(CertificationRecord.id, CertificationRecord.enterprise_id,
                           CertificationRecord.standard, CertificationRecord.certificate_no)
                    .where(CertificationRecord.enterprise_id.in_(ids),
                           CertificationRecord.status.in_(estimate.CLAIMING),
                           CertificationRecord.subsidy_claim.is_(True))):
                self.claims.setdefault((enterprise_id, standard), _Prior(id_, standard, number))

    def existing(self, row, org):
        number = normalize_certificate_no(row.values.get("certificate_no") or "")
        return _duplicate_reason(number, self.statuses.get(number, ()), row.status) if number else None

    def add(self, row, data, org, events):
        importer, user = self.importer, self.importer.user
        fields = services.record_fields(self.tenant, data)
        if any(s != "rejected" for s in self.statuses.get(data["certificate_no"], ())):
            services._duplicate_error()  # submit's own check (the duplicate rule above skips such rows first)
        steps = [{k: (row.values.get("reason") if v is None else v) for k, v in step.items()}
                 for step in importer.spec.decisions.get(row.status, ())]
        status, reason = "submitted", None
        for step in steps:
            status, reason = checked_decision(status, step.get("decision"), DECISIONS, step.get("reason"),
                                              services.REASON_REQUIRED_FOR)
        # nothing refuses the row from here on
        record = _Record(id=new_id(), enterprise_id=org.id, **fields)
        est = self._estimate(record, self.claims.get((org.id, record.standard)))
        submitted_at = importer.now()
        events.append(audit.event_row(f"{OBJECT_TYPE}.submitted", OBJECT_TYPE, record.id,
                                      services.submitted_detail(record, est), user, submitted_at,
                                      self.tenant.slug))
        decided_at = None
        if status != "submitted":
            decided_at = importer.now()
            events.append(audit.event_row(f"{OBJECT_TYPE}.{status}", OBJECT_TYPE, record.id,
                                          decision_detail(status, reason), user, decided_at,
                                          self.tenant.slug))
        self.records.append({
            "tenant_id": self.tenant.slug, "id": record.id, "enterprise_id": org.id, **fields,
            "status": status, "submitted_by": user.id, "submitted_at": submitted_at,
            "decided_by": user.id if decided_at else None, "decided_at": decided_at,
            "decision_reason": reason,
            "subsidy_amount_cny": record.subsidy_amount_cny, "subsidy_rule_code": record.subsidy_rule_code,
            "subsidy_explanation": record.subsidy_explanation, "subsidy_prior_id": record.subsidy_prior_id,
            "subsidy_claim": record.subsidy_claim})
        self.statuses[record.certificate_no].append(status)
        if record.subsidy_claim and status in estimate.CLAIMING:
            self.claims[(org.id, record.standard)] = _Prior(record.id, record.standard, record.certificate_no)
        return record.id

    def _estimate(self, record, prior) -> dict:
        """``estimate.estimate_with``; the same inputs give the same estimate, so a row without a prior claim
        reuses the one made for an earlier row of the file with the same issue date and kind."""
        if prior is not None:
            return estimate.estimate_with(self.tenant, record, prior)
        key = (record.issued_on, record.org_type)
        made = self._made.get(key)
        if made is None:
            est = estimate.estimate_with(self.tenant, record, None)
            self._made[key] = made = (est, {k: getattr(record, k) for k in _ESTIMATED})
            return est
        record.__dict__.update(made[1])
        return made[0]

    def write(self):
        if self.records:
            numbering.number_rows(self.records, CertificationRecord.__tablename__,
                                  CertificationRecord.number_code)
            insert_many(CertificationRecord.__table__, self.records)


SPEC = ImportSpec(
    command="certifications", help="Import 贯标 certification records (贯标认证备案) from FILE.xlsx.",
    columns=columns, existing=existing,
    decisions={"verified": [{"decision": "verify", "reason": None}],
               "rejected": [{"decision": "reject", "reason": None}]},
    bulk=Bulk,
)
