"""保护中心 / 维权援助 cases and their history of state changes."""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.filing import FilingMixin
from ipservice.core.kind import Move
from ipservice.core.labels import SUBMITTED, label
from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

# The state machine, as data: each move, from which statuses, by whom, and what it needs or starts.
_OPEN = ("submitted", "accepted", "in_progress", "mediated", "resolved")
CASE_MOVES: tuple[Move, ...] = (
    Move("accepted", ("submitted",), starts_deadline="close"),
    Move("declined", ("submitted",), note_required=True, ends_deadlines=True),
    Move("in_progress", ("accepted",)),
    Move("mediated", ("in_progress",), note_required=True),
    Move("resolved", ("in_progress",), note_required=True),
    Move("closed", ("mediated", "resolved"), ends_deadlines=True),
    Move("withdrawn", _OPEN, by="applicant", ends_deadlines=True),
)
# Each status with its labels, in workflow order, declared here once (``FilingKind.statuses``;
# ``labels.status_label`` reads them from the app).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "submitted": SUBMITTED,
    "accepted": ("已受理", "Accepted"),
    "in_progress": ("办理中", "In progress"),
    "mediated": ("已调解", "Mediated"),
    "resolved": ("已处理", "Resolved"),
    "declined": ("不予受理", "Declined"),
    "closed": ("已结案", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}
STATUSES = tuple(STATUS_LABELS)

# 案件类型: what a protection center may offer (a tenant's centers offer some of them: cases.toml), in
# their canonical order
CASE_TYPES: dict[str, tuple[str, str]] = {
    "pre_exam_filing": ("专利预审备案", "Patent pre-examination filing (entity registration)"),
    "pre_exam": ("专利预审", "Patent pre-examination"),
    "assistance": ("维权援助", "Rights-protection assistance"),
    "mediation": ("纠纷调解", "Dispute mediation"),
    "complaint": ("侵权举报投诉", "Infringement complaint"),
    "overseas": ("海外纠纷应对", "Overseas dispute response"),
    "determination": ("侵权判定咨询", "Infringement-determination opinion"),
}

# 知识产权类型: what a case may be about (a tenant offers some of them: forms.toml [case] ip_types)
IP_TYPES = {
    "patent": ("专利", "Patent"),
    "trademark": ("商标", "Trademark"),
    "copyright": ("著作权", "Copyright"),
    "geo_indication": ("地理标志", "Geographical indication"),
    "plant_variety": ("植物新品种", "Plant variety"),
}


def ip_type_label(ip_type: str) -> str:
    return label(IP_TYPES, ip_type)


def case_type_label(case_type: str) -> str:
    return label(CASE_TYPES, case_type)


class Case(TenantScoped, FilingMixin, db.Model):
    """案件 — one request to the tenant's protection or rights-assistance center."""

    __tablename__ = "cases"
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # the numbering year (China time)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    case_type: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    center: Mapped[str] = mapped_column(String(80), nullable=False, index=True)  # the center's code
    ip_type: Mapped[str] = mapped_column(String(20), nullable=False)
    right_number: Mapped[str] = mapped_column(String(120), nullable=False)  # as shown: 202010566088.9
    right_number_normalized: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    counterparty_name: Mapped[str] = mapped_column(String(200), nullable=False)
    counterparty_uscc: Mapped[str | None] = mapped_column(String(18))
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    # The applicant as it was when the case was filed (shown in the queue and the exports).
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    applicant_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    applicant_email: Mapped[str] = mapped_column(String(254), nullable=False)
    # Time limits (tenant.accept_limit from submission, tenant.close_limit from acceptance).
    accept_due_on: Mapped[object] = mapped_column(Date, nullable=False)
    accept_due_estimated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    close_due_on: Mapped[object | None] = mapped_column(Date)
    close_due_estimated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The deadline that applies in the current status (null once declined, closed or withdrawn).
    due_on: Mapped[object | None] = mapped_column(Date, index=True)
    accepted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "enterprise_id"], ["enterprises.tenant_id", "enterprises.id"]),
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "year", "seq"),
        Index("ix_cases_tenant_status_due", "tenant_id", "status", "due_on"),
        # The lists: all, the bureau's by status, an enterprise's own; newest first (migration 0006).
        Index("ix_cases_tenant_submitted", "tenant_id", "submitted_at", "seq"),
        Index("ix_cases_tenant_status_submitted", "tenant_id", "status", "submitted_at", "seq"),
        Index("ix_cases_tenant_enterprise_submitted", "tenant_id", "enterprise_id", "submitted_at", "seq"),
    )


class CaseTransition(TenantScoped, db.Model):
    """案件流转记录 — one state change of a case: from, to, who, when, why."""

    __tablename__ = "case_transitions"
    case_id: Mapped[str] = mapped_column(String(36), nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False)  # 0 = submitted, then 1, 2, …
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    by_user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    by_email: Mapped[str] = mapped_column(String(254), nullable=False)
    by_role: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[object] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        # Two concurrent moves of one case cannot both be recorded as the same step.
        UniqueConstraint("tenant_id", "case_id", "step"),
    )
