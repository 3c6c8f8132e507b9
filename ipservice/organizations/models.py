"""认领申请 — a claim to an organization registered in the tenant, decided by the bureau."""
from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipservice.core.labels import APPROVED, REJECTED
from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

STATUS_LABELS = {"pending": ("待审核", "Pending"), "approved": APPROVED, "rejected": REJECTED}
STATUSES = tuple(STATUS_LABELS)


class OrganizationClaim(TenantScoped, db.Model):
    """The claimant's details live on the claim, reserving nothing: no account exists for the e-mail until
    the bureau has approved and the claimant has proved the address with the approval's code
    (``organizations.completion``); then ``claimant_id`` is the account made, ``completed_at`` when."""

    __tablename__ = "organization_claims"
    # None: no organization was registered in the tenant under the USCC when it was claimed (the claim is
    # received like any other, so that the answer does not tell which USCCs are registered)
    enterprise_id: Mapped[str | None] = mapped_column(String(36), index=True)
    claimant_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    # the approval's single-use code (a keyed digest, never the code) and until when it proves the address
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[object | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # the claimant's language when claiming (the code's mail is written in it) and when the code was mailed
    language: Mapped[str | None] = mapped_column(String(8))
    code_mailed_at: Mapped[object | None] = mapped_column(UTCDateTime)

    enterprise = relationship(
        "Enterprise", viewonly=True, lazy="joined",
        primaryjoin="and_(foreign(OrganizationClaim.tenant_id) == Enterprise.tenant_id, "
                    "foreign(OrganizationClaim.enterprise_id) == Enterprise.id)")
    claimant = relationship("User", viewonly=True, lazy="joined")

    @property
    def organization_summary(self) -> dict | None:
        e = self.enterprise
        if e is None:
            return None
        return {"id": e.id, "name": e.name, "uscc": e.uscc, "verified": e.verified_at is not None}

    @property
    def claimant_account(self) -> dict:
        return {"id": self.claimant_id, "email": self.email}

    @property
    def awaiting_completion(self) -> bool:
        return self.status == "approved" and self.completed_at is None

    @property
    def code_expired(self) -> bool:
        return self.awaiting_completion and (self.code_expires_at is None or self.code_expires_at <= utcnow())

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "enterprise_id"], ["enterprises.tenant_id", "enterprises.id"]),
    )
