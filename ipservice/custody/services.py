"""Custody logic: agencies, enrollments and their decision, exports, counts and the KPI metric.

Everything here runs in a tenant's context (``g.tenant_id``); the session adds the tenant to every query.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ipservice.accounts.services import enterprise_id_of, lock_enterprise
from ipservice.core import audit, filing
from ipservice.core.errors import error
from ipservice.core.exports import filename_stem, table_response
from ipservice.core.i18n import is_english, pick
from ipservice.core.labels import label, status_label
from ipservice.core.tenancy import current_tenant, current_tenant_id
from ipservice.core.transaction import savepoint
from ipservice.core.types import china_time
from ipservice.custody.models import CustodyAgency, CustodyEnrollment
from ipservice.custody.schemas import CUSTODY_SERVICES, DECISIONS, ENTERPRISE_SCALES, STATUSES
from ipservice.extensions import db
from ipservice.forms.render import tenant_field_rows, tenant_field_value
from ipservice.kpi.metrics import count_by_year, up_to

OBJECT = "custody_enrollment"
AGENCY_OBJECT = "custody_agency"


def is_own_bureau(user) -> bool:
    """A bureau user of the current tenant (the only one who may see unapproved agencies)."""
    return (getattr(user, "is_authenticated", False) and user.role == "bureau"
            and user.tenant_id == current_tenant_id())


# --- agencies ----------------------------------------------------------------------------------------

def list_agencies(include_unapproved: bool = False) -> list[CustodyAgency]:
    stmt = select(CustodyAgency).order_by(CustodyAgency.created_at, CustodyAgency.id)
    if not include_unapproved:
        stmt = stmt.where(CustodyAgency.approved.is_(True))
    return list(db.session.scalars(stmt))


def get_agency(agency_id: str, include_unapproved: bool = False) -> CustodyAgency:
    agency = db.session.scalar(select(CustodyAgency).where(CustodyAgency.id == agency_id))
    if agency is None or not (agency.approved or include_unapproved):
        error(404)
    return agency


def create_agency(data: dict) -> CustodyAgency:
    """Add an agency (approved); the USCC is unique in the tenant (409)."""
    duplicate = _("该统一社会信用代码的托管服务机构已在本地区登记。")
    if db.session.scalar(select(CustodyAgency.id).where(CustodyAgency.uscc == data["uscc"])):
        error(409, duplicate, {"uscc": [duplicate]})
    agency = CustodyAgency(name=data["name"], uscc=data["uscc"], contact=data["contact"], approved=True)
    try:
        with savepoint():
            db.session.add(agency)
            db.session.flush()
    except IntegrityError:  # a concurrent request added the same USCC
        error(409, duplicate, {"uscc": [duplicate]})
    audit.record(f"{AGENCY_OBJECT}.created", AGENCY_OBJECT, agency.id,
                 {"name": agency.name, "uscc": agency.uscc})
    return agency


def set_agency_approval(agency_id: str, approved: bool) -> CustodyAgency:
    """Approve an agency or withdraw its approval; only approved agencies can be chosen."""
    agency = get_agency(agency_id, include_unapproved=True)
    if agency.approved != approved:
        agency.approved = approved
        audit.record(f"{AGENCY_OBJECT}.{'approved' if approved else 'withdrawn'}", AGENCY_OBJECT, agency.id,
                     {"approved": approved})
    return agency


# --- enrollments -------------------------------------------------------------------------------------



def submit(user, data: dict, *, enterprise=None, upload=None) -> CustodyEnrollment:
    """File a custody enrollment (data loaded by the tenant's custody form).

    422 when the agency is unknown or not approved; 409 when the enterprise already has a submitted or
    approved enrollment whose contract period overlaps this one.

    ``enterprise``: file for this enterprise instead of the user's own (the bulk import, where ``user`` is
    the importing bureau user). Custody takes no attachment (``upload`` must be None).
    """
    enterprise_id = enterprise.id if enterprise is not None else enterprise_id_of(user)
    if enterprise_id is None:
        error(403)
    agency = db.session.scalar(select(CustodyAgency).where(CustodyAgency.id == data["agency_id"]))
    if agency is None or not agency.approved:
        message = _("请选择本地区已批准的托管服务机构。")
        error(422, message, {"agency_id": [message]})
    lock_enterprise(enterprise_id)  # the overlap check below holds under concurrency (SQLite and PostgreSQL)
    clash = db.session.scalar(
        select(CustodyEnrollment)
        .where(CustodyEnrollment.enterprise_id == enterprise_id,
               CustodyEnrollment.status.in_(("submitted", "approved")),
               CustodyEnrollment.start_date <= data["end_date"],
               CustodyEnrollment.end_date >= data["start_date"])
        .order_by(CustodyEnrollment.start_date).limit(1)
    )
    if clash is not None:
        error(409, _("贵单位已有一份%(status)s的托管申请（合同期 %(start)s 至 %(end)s），"
                     "与本次申请的合同期重叠；同一时期只能有一份托管。",
                     status=status_label(clash.status), start=clash.start_date.isoformat(),
                     end=clash.end_date.isoformat()))
    tenant = current_tenant()
    enrollment = CustodyEnrollment(
        enterprise_id=enterprise_id, agency_id=agency.id, enterprise_scale=data["enterprise_scale"],
        services=list(data["services"]), start_date=data["start_date"], end_date=data["end_date"],
        government_purchased=bool(data.get("government_purchased")), extra=data.get("extra") or {},
        form_version=tenant.forms.version,
    )
    filing.submit(enrollment, OBJECT, user, {
        "agency_id": agency.id, "start_date": enrollment.start_date.isoformat(),
        "end_date": enrollment.end_date.isoformat(),
    })
    return enrollment


def _filtered(user, filters: dict | None):
    """The enrollments ``user`` may see (enterprise: its own), with the list filters applied."""
    filters = filters or {}
    return (filing.owned(CustodyEnrollment, user, enterprise_id_of(user))
            .where(*filing.list_conditions(CustodyEnrollment, filters)))


def list_enrollments(user, filters: dict | None = None, page: int = 1, page_size: int | None = None):
    """``(enrollments, total)``, newest first; ``page_size`` None means all."""
    stmt = _filtered(user, filters)
    total = db.session.scalar(stmt.with_only_columns(func.count(CustodyEnrollment.id)).order_by(None))
    stmt = stmt.order_by(CustodyEnrollment.submitted_at.desc(), CustodyEnrollment.id.desc())
    if page_size is not None:
        offset = (page - 1) * page_size
        if offset >= total:  # also keeps absurd page numbers away from the database
            return [], total
        stmt = stmt.offset(offset).limit(page_size)
    return list(db.session.scalars(stmt).unique()), total


def page(user, filters: dict, page_no: int, page_size: int):
    """One page of the enrollments ``user`` may see, newest first, and the total."""
    return list_enrollments(user, filters, page_no, page_size)


def get(user, enrollment_id: str) -> CustodyEnrollment:
    """404 for an unknown id, another tenant's or another enterprise's enrollment."""
    return filing.get_or_404(CustodyEnrollment, enrollment_id, user, enterprise_id_of(user))


def decide(user, enrollment_id: str, data: dict) -> CustodyEnrollment:
    """Approve or reject (``data``: ``{"decision", "reason"}``) a submitted enrollment once (409
    afterwards; a rejection needs a reason)."""
    enrollment = db.session.scalar(
        filing.owned(CustodyEnrollment, user, enterprise_id_of(user))
        .where(CustodyEnrollment.id == enrollment_id).with_for_update(of=CustodyEnrollment)
    )
    if enrollment is None:
        error(404)
    filing.decide(enrollment, OBJECT, data.get("decision"), DECISIONS, data.get("reason"), user,
                  reason_required_for=("reject",))
    return enrollment


def stats() -> dict[str, int]:
    """``{"submitted": n, "approved": n, "rejected": n}`` for the current tenant (by current status)."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = db.session.execute(
        select(CustodyEnrollment.status, func.count(CustodyEnrollment.id)).group_by(CustodyEnrollment.status))
    for status, n in rows:
        counts[status] = counts.get(status, 0) + n
    return counts


def approved_enterprises(years: list[int]) -> dict[int, int]:
    """托管企业数 — cumulative: the number of distinct enterprises with an approved custody enrollment
    decided (``decided_at``, China time) on or before 31 December of ``year``.

    Cumulative because the published targets are ("服务托管小微企业达到2000家以上", "累计覆盖小微企业300家"):
    an enterprise counts once, however many enrollments it has, from the year it was first approved.

    One grouped query for all the years: the enterprises by the year of their first approval decision,
    summed up to each year (a year from 9999 on has no end: every approved enrollment counts, decided or
    not — one more query, asked for by nobody but kept as it was).
    """
    def end_of(year):
        return filing.china_midnight(dt.date(max(year, 1) + 1, 1, 1))

    approved = CustodyEnrollment.status == "approved"
    bounded = [y for y in years if y < 9999]
    out = {}
    if bounded:
        firsts = (select(CustodyEnrollment.enterprise_id)
                  .where(approved, CustodyEnrollment.decided_at < end_of(max(bounded)))
                  .group_by(CustodyEnrollment.enterprise_id))
        out = up_to(count_by_year(firsts, func.min(CustodyEnrollment.decided_at), bounded, end_of), bounded)
    if len(bounded) < len(years):
        every = int(db.session.scalar(select(func.count(func.distinct(CustodyEnrollment.enterprise_id)))
                                      .where(approved)) or 0)
        out.update({y: every for y in years if y >= 9999})
    return out


# --- presentation helpers shared by the API export and the pages ------------------------------------

def tenant_fields(enrollment) -> list[tuple[str, str]]:
    """``[(label, value)]`` of the tenant's own fields of an enrollment, for pages."""
    return tenant_field_rows(current_tenant().forms.fields_for("custody"), enrollment.extra)


def _joiner() -> str:
    return ", " if is_english() else "、"


def services_text(enrollment) -> str:
    return _joiner().join(label(CUSTODY_SERVICES, s) for s in enrollment.services or [])


def scale_text(enrollment) -> str:
    return label(ENTERPRISE_SCALES, enrollment.enterprise_scale)


def export(fmt: str, user, filters: dict | None = None):
    """The enrollments (same filters as the list) as XLSX or CSV, Chinese headers, tenant fields last."""
    tenant = current_tenant()
    items, _total = list_enrollments(user, filters)
    extras = tenant.forms.fields_for("custody")
    headers = [_("序号"), _("企业名称"), _("统一社会信用代码"), _("企业规模"), _("托管服务机构"),
               _("服务内容"),
               _("合同开始日期"), _("合同结束日期"), _("政府购买"), _("状态"), _("提交时间"), _("决定时间"),
               _("决定理由")]
    headers += [pick(f.label_zh, f.label_en) for f in extras]
    rows = []
    for n, e in enumerate(items, start=1):
        row = [n, e.enterprise.name, e.enterprise.uscc, scale_text(e), e.agency.name, services_text(e),
               e.start_date, e.end_date,  # two date cells, so that the period can be sorted and filtered
               _("是") if e.government_purchased else _("否"), status_label(e.status),
               china_time(e.submitted_at), china_time(e.decided_at), e.decision_reason or ""]
        row += [tenant_field_value(f, (e.extra or {}).get(f.name)) for f in extras]
        rows.append(row)
    title = _("托管申请")
    caption = " · ".join((pick(tenant.name_zh, tenant.name_en), _("中小微企业知识产权托管申请")))
    stem = filename_stem(tenant, title)
    return table_response(fmt, title, headers, rows, stem, caption=caption)
