"""Subsidy applications (资助/奖励申请), the claims that make one subsidy per object, and the evidence kind of
each uploaded file."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ipservice.core.filing import FilingMixin
from ipservice.core.labels import APPROVED, REJECTED, SUBMITTED
from ipservice.core.tenancy import TenantScoped
from ipservice.extensions import db

OBJECT_TYPE = "subsidy_application"
STATUS_LABELS = {"submitted": SUBMITTED, "approved": APPROVED, "rejected": REJECTED}  # FilingKind.statuses
STATUSES = tuple(STATUS_LABELS)
ACTIVE = ("submitted", "approved")  # the applications that hold their claims and take their amounts
DECISIONS = {"approve": "approved", "reject": "rejected"}


class SubsidyApplication(TenantScoped, FilingMixin, db.Model):
    """资助/奖励申请 — an organization applies under one funded rule of its district's policy; the estimate
    is made from the rule in force on the basis date; the bureau grants an amount or rejects."""

    __tablename__ = "subsidy_applications"
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # the numbering year (China time)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_code: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    org_type: Mapped[str] = mapped_column(String(30), nullable=False)
    basis_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    basis_year: Mapped[int] = mapped_column(Integer, nullable=False)  # liability and yearly caps count by it
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    base_amount_cny: Mapped[int | None] = mapped_column(BigInteger)
    # What the subsidy is claimed on: patent or PCT numbers (canonical), or the one document number as
    # entered (its canonical form is the claim's object_key).
    objects: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Whose cap a capped rule shares (the applicant, or e.g. the borrower's USCC);
    # None: capped per application.
    cap_key: Mapped[str | None] = mapped_column(String(80))
    # The estimate as made at submission: the amount (None: not set by policy), what the shared cap had
    # used already then (to explain it again in any language), and the Chinese explanation of that moment.
    estimate_cny: Mapped[int | None] = mapped_column(BigInteger)
    estimate_used_cny: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    estimate_explanation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    granted_cny: Mapped[int | None] = mapped_column(BigInteger)

    enterprise = relationship(
        "Enterprise", viewonly=True, lazy="joined", innerjoin=True,
        primaryjoin="and_(SubsidyApplication.tenant_id == Enterprise.tenant_id, "
                    "foreign(SubsidyApplication.enterprise_id) == Enterprise.id)")

    @declared_attr.directive
    def __table_args__(cls):
        return FilingMixin.__dict__["__table_args__"].fget(cls) + (
            UniqueConstraint("tenant_id", "year", "seq"),
            Index("ix_subsidy_applications_tenant_submitted_at", "tenant_id", "submitted_at"),
            Index("ix_subsidy_applications_cap", "tenant_id", "rule_code", "cap_key", "basis_year"),
        )


class SubsidyClaim(TenantScoped, db.Model):
    """One object (a patent, a PCT application, an award certificate, a loan, an organization-year…)
    claimed under a rule (or a group of rules) by an application that is not rejected. ``object_key`` is
    the object's kind and its canonical form (``core.identifiers``: "document:HNAWARD7" for "HN-AWARD-7",
    "hn award 7"…), so the unique constraint refuses a second claim however the object is spelled, racing
    submissions included."""

    __tablename__ = "subsidy_claims"
    claim_group: Mapped[str] = mapped_column(String(80), nullable=False)
    object_key: Mapped[str] = mapped_column(String(160), nullable=False)
    application_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)

    __table_args__ = (
        UniqueConstraint("tenant_id", "claim_group", "object_key"),
        ForeignKeyConstraint(["tenant_id", "application_id"],
                             ["subsidy_applications.tenant_id", "subsidy_applications.id"]),
    )


class BudgetLineTotal(TenantScoped, db.Model):
    """What a budget line (``subsidies.toml [[budgets]]``) has committed: the running total of the grants
    charged to it. Every approval adds its grant with one ``UPDATE … SET committed_cny = committed_cny + x
    RETURNING committed_cny``: the row lock serializes the approvals charging one line, and the total
    returned decides the warning (or the refusal) exactly, whatever the concurrency (``subsidy.budget``)."""

    __tablename__ = "budget_line_totals"
    budget: Mapped[str] = mapped_column(String(80), nullable=False)  # the line's code
    committed_cny: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "budget"),)


class SubsidyEvidence(TenantScoped, db.Model):
    """Which of the rule's evidence documents an uploaded file is (the file itself: core.attachments)."""

    __tablename__ = "subsidy_evidence"
    application_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    attachment_id: Mapped[str] = mapped_column(String(36), nullable=False)
    document: Mapped[str] = mapped_column(String(80), nullable=False)

    __table_args__ = (
        UniqueConstraint("tenant_id", "attachment_id"),
        ForeignKeyConstraint(["tenant_id", "application_id"],
                             ["subsidy_applications.tenant_id", "subsidy_applications.id"]),
        ForeignKeyConstraint(["tenant_id", "attachment_id"], ["attachments.tenant_id", "attachments.id"]),
    )
