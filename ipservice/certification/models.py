"""贯标 certification records: an organization records that it passed certification against the IP
management standard for its kind (enterprise GB/T 29490, university GB/T 33251, research institute
GB/T 33250); the bureau verifies or rejects it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ipservice.core.filing import FilingMixin
from ipservice.core.labels import REJECTED, SUBMITTED
from ipservice.core.tenancy import TenantScoped
from ipservice.extensions import db

OBJECT_TYPE = "certification"
# FilingKind.statuses
STATUS_LABELS = {"submitted": SUBMITTED, "verified": ("已核验", "Verified"), "rejected": REJECTED}
RECORD_STATUSES = tuple(STATUS_LABELS)
DECISIONS = {"verify": "verified", "reject": "rejected"}  # the bureau's word → the record's new status
# A certificate number is unique in the tenant among records that are not rejected: a rejected record
# (e.g. an unreadable scan) does not block filing the same certificate again.
ACTIVE = "status <> 'rejected'"
# At most one record of an organization and standard that is not rejected takes the subsidy (the database
# holds it: racing submissions cannot both claim it).
CLAIMING = "subsidy_claim AND status <> 'rejected'"


class CertificationRecord(TenantScoped, FilingMixin, db.Model):
    """贯标认证备案 — one certificate of an organization, with the subsidy estimate made at submission."""

    __tablename__ = "certification_records"

    org_type: Mapped[str] = mapped_column(String(30), nullable=False)
    standard: Mapped[str] = mapped_column(String(20), nullable=False)          # "GB/T 29490"
    standard_edition: Mapped[str] = mapped_column(String(30), nullable=False)  # "GB/T 29490-2023"
    certificate_no: Mapped[str] = mapped_column(String(64), nullable=False)    # normalized
    certification_body: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    consulting_agency: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    # The subsidy estimate as made at submission (policy.services.subsidy_estimate). The explanation is
    # the Chinese text shown then; pages and the API re-render it in the reader's language from the same
    # inputs (see services.estimate_of).
    subsidy_amount_cny: Mapped[int | None] = mapped_column(Integer)
    subsidy_rule_code: Mapped[str | None] = mapped_column(String(80))
    subsidy_explanation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The earlier record of the same organization and standard that already takes the one subsidy.
    subsidy_prior_id: Mapped[str | None] = mapped_column(String(36))
    # Whether this record takes its organization's one subsidy for its standard (a rule applied to it).
    subsidy_claim: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 编号, per tenant and year (core.numbering; unique in the tenant): XA-GB-2026-000001
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    number_code = "GB"  # 贯标: core.filing.submit numbers the record

    enterprise = relationship("Enterprise", viewonly=True, lazy="selectin")

    @declared_attr.directive
    def __table_args__(cls):
        return FilingMixin.__dict__["__table_args__"].fget(cls) + (
            Index("uq_certification_records_active_certificate_no", "tenant_id", "certificate_no",
                  unique=True, postgresql_where=text(ACTIVE), sqlite_where=text(ACTIVE)),
            Index("ix_certification_records_org_standard", "tenant_id", "enterprise_id", "standard"),
            # any status (the import's duplicate rule; the unique index above is partial): migration 0012
            Index("ix_certification_records_tenant_certificate_no", "tenant_id", "certificate_no"),
            Index("uq_certification_records_subsidy_claim", "tenant_id", "enterprise_id", "standard",
                  unique=True, postgresql_where=text(CLAIMING), sqlite_where=text(CLAIMING)),
            Index("ix_certification_records_submitted_at", "tenant_id", "submitted_at"),
            UniqueConstraint("tenant_id", "number", name="uq_certification_records_number"),
            # The lists: the bureau's by status, an organization's own; newest first (migration 0006).
            Index("ix_certification_records_tenant_status_submitted", "tenant_id", "status", "submitted_at",
                  "id"),
            Index("ix_certification_records_tenant_enterprise_submitted",
                  "tenant_id", "enterprise_id", "submitted_at", "id"),
        )
