"""Custody service agencies (托管服务机构) and custody enrollments (中小微企业知识产权托管)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ipservice.core.filing import FilingMixin
from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db


class CustodyAgency(TenantScoped, db.Model):
    """托管服务机构 — a custody service agency the bureau has selected (遴选) in its district."""

    __tablename__ = "custody_agencies"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    approved: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "uscc"),)


class CustodyEnrollment(TenantScoped, FilingMixin, db.Model):
    """托管申请 — an enterprise's custody contract with one agency for a period; the bureau decides it."""

    __tablename__ = "custody_enrollments"
    enterprise_scale: Mapped[str] = mapped_column(String(10), nullable=False)
    agency_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    services: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    government_purchased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 编号, per tenant and year (core.numbering; unique in the tenant): XA-TG-2026-000001
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    number_code = "TG"  # 托管: core.filing.submit numbers the enrollment

    # Read-only views of the rows the composite foreign keys point to (names for lists and exports).
    agency: Mapped[CustodyAgency] = relationship(
        CustodyAgency, viewonly=True, lazy="joined", innerjoin=True,
        primaryjoin="and_(CustodyEnrollment.tenant_id == CustodyAgency.tenant_id, "
                    "foreign(CustodyEnrollment.agency_id) == CustodyAgency.id)",
    )
    enterprise = relationship(
        "Enterprise", viewonly=True, lazy="joined", innerjoin=True,
        primaryjoin="and_(CustodyEnrollment.tenant_id == Enterprise.tenant_id, "
                    "foreign(CustodyEnrollment.enterprise_id) == Enterprise.id)",
    )

    @declared_attr.directive
    def __table_args__(cls):
        # FilingMixin's foreign key to the enterprise, plus the one to the agency (both with tenant_id).
        return (
            *FilingMixin.__dict__["__table_args__"].fget(cls),
            ForeignKeyConstraint(["tenant_id", "agency_id"],
                                 ["custody_agencies.tenant_id", "custody_agencies.id"]),
            Index("ix_custody_enrollments_tenant_submitted_at", "tenant_id", "submitted_at"),
            UniqueConstraint("tenant_id", "number", name="uq_custody_enrollments_number"),
            # The lists: the bureau's by status, an enterprise's own; newest first (migration 0006).
            Index("ix_custody_enrollments_tenant_status_submitted", "tenant_id", "status", "submitted_at",
                  "id"),
            Index("ix_custody_enrollments_tenant_enterprise_submitted",
                  "tenant_id", "enterprise_id", "submitted_at", "id"),
        )
