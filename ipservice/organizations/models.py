"""认领申请 — a claim to an organization registered in the tenant, decided by the bureau."""
from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

STATUSES = ("pending", "approved", "rejected")


class OrganizationClaim(TenantScoped, db.Model):
    __tablename__ = "organization_claims"
    enterprise_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    # the claimant's account: created inactive with the claim, activated by an approval
    claimant_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(36))

    enterprise = relationship(
        "Enterprise", viewonly=True, lazy="joined",
        primaryjoin="and_(foreign(OrganizationClaim.tenant_id) == Enterprise.tenant_id, "
                    "foreign(OrganizationClaim.enterprise_id) == Enterprise.id)")
    claimant = relationship("User", viewonly=True, lazy="joined")

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "enterprise_id"], ["enterprises.tenant_id", "enterprises.id"]),
    )
