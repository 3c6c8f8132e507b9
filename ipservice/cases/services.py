"""Case intake and the work on a case: numbering, the state machine, time limits, lists (the exports and the
counts: ``cases.exports``, ``cases.counts``).

Every function runs in the tenant's context (the session filters by tenant); ``tenant`` is the
``tenants.config.Tenant`` whose centers, case types and time limits apply. Writes flush here, with their
audit event and history row; the request or command commits.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ipservice.accounts.services import enterprise_id_of, enterprise_of
from ipservice.cases import config
# re-exported: the kind and the views read them here
from ipservice.cases.counts import stats as stats
from ipservice.cases.counts import stats_by_tenant as stats_by_tenant
from ipservice.cases.counts import stats_totals as stats_totals
from ipservice.cases.exports import export as export
from ipservice.cases.models import (  # noqa: F401 — STATUSES re-exported
    CASE_MOVES,
    STATUSES,
    Case,
    CaseTransition,
    case_type_label,
    ip_type_label,
)
from ipservice.core import attachments, audit, calendar, filing, kind, labels, numbering
from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.tenancy import current_tenant
from ipservice.core.types import CHINA, today_china, utcnow
from ipservice.extensions import db

COUNTER = "case"
# A case that was accepted at some point and not withdrawn (declined cases never were accepted).
ACCEPTED_STATES = ("accepted", "in_progress", "mediated", "resolved", "closed")
OPEN_STATES = ("accepted", "in_progress", "mediated", "resolved")  # accepted, not yet closed
TERMINAL_STATES = ("declined", "closed", "withdrawn")
EVIDENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def now() -> dt.datetime:
    """The current time (UTC); a function so that tests can move the clock."""
    return utcnow()


def today() -> dt.date:
    """Today in China — the day overdue is evaluated on."""
    return today_china()


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def move_label(to: str) -> str:
    """The button for a move."""
    return {
        "accepted": _("受理"), "declined": _("不予受理"), "in_progress": _("开始办理"),
        "mediated": _("调解完成"), "resolved": _("办理完毕"), "closed": _("结案"), "withdrawn": _("撤回"),
    }.get(to, to)


def center_of(tenant, code: str):
    return config.of(tenant).center(code)


def center_name(tenant, code: str) -> str:
    center = center_of(tenant, code)
    return pick(center.name_zh, center.name_en) if center else code


def _due(day, limit):
    """The deadline ``limit`` (cases.toml ``time_limits``) after ``day``."""
    return calendar.due_date(day, limit.days, limit.calendar)


def format_number(tenant, year: int, seq: int) -> str:
    """The case number in the tenant's format (cases.toml; default ``{prefix}-{year}-{seq:06d}``)."""
    return config.of(tenant).number(year, seq)


# --- intake --------------------------------------------------------------------------------------------

def has_accepted_pre_exam_filing(enterprise_id: str) -> bool:
    """Whether the enterprise's 专利预审备案 was accepted (and not withdrawn since)."""
    return db.session.scalar(select(func.count(Case.id)).where(
        Case.enterprise_id == enterprise_id, Case.case_type == "pre_exam_filing",
        Case.status.in_(ACCEPTED_STATES))) > 0


def submit(user, data: dict, *, enterprise=None, upload=None) -> Case:
    """File a case for the user's enterprise (or ``enterprise``: the bulk import) from data loaded by the
    tenant's case form. Evidence is added afterwards (``upload`` must be None).

    Everything is checked before the number is taken, and the number is taken by the first write of the
    transaction (see ``core.numbering``): a failure rolls the number back with the case.
    """
    tenant = current_tenant()
    enterprise = enterprise if enterprise is not None else enterprise_of(user)
    if enterprise is None:
        error(403, _("您的账号没有关联企业，不能提交案件。"))
    if data["case_type"] == "pre_exam" and not has_accepted_pre_exam_filing(enterprise.id):
        message = _("专利预审只受理专利预审备案已被受理的主体。请先提交专利预审备案，待受理后再申请预审。")
        error(422, message, {"case_type": [message]})
    at = now()
    day = china_date(at)
    accept = _due(day, config.of(tenant).accept_limit)
    seq = numbering.next_value(COUNTER, day.year)
    case = Case(
        number=format_number(tenant, day.year, seq), year=day.year, seq=seq, enterprise_id=enterprise.id,
        form_version=tenant.forms.version, extra=data.get("extra") or {},
        case_type=data["case_type"], center=data["center"], ip_type=data["ip_type"],
        right_number=data["right_number"], right_number_normalized=data["right_number_normalized"],
        counterparty_name=data["counterparty_name"], counterparty_uscc=data.get("counterparty_uscc"),
        summary=data["summary"], request=data["request"],
        applicant_name=enterprise.name, applicant_uscc=enterprise.uscc, applicant_email=user.email,
        accept_due_on=accept.on, accept_due_estimated=accept.estimated, due_on=accept.on, updated_at=at,
    )
    filing.submit(case, "case", user, {"number": case.number, "case_type": case.case_type,
                                       "center": case.center,
                                       "ip_type": case.ip_type, "right_number": case.right_number}, at=at)
    db.session.add(_history_row(case, 0, None, "submitted", user, at, None))
    return case


def _history_row(case, step, old, to, user, at, note) -> CaseTransition:
    return CaseTransition(case_id=case.id, step=step, from_status=old, to_status=to, by_user_id=user.id,
                          by_email=user.email, by_role=user.role, at=at, note=note)


# --- reading -------------------------------------------------------------------------------------------

def get(user, case_id: str) -> Case:
    """A case the user may see (another enterprise's or another tenant's: 404)."""
    return filing.get_or_404(Case, case_id, user, enterprise_id_of(user))


def _conditions(filters: dict, user, enterprise_id: str | None) -> list:
    cond = filing.owner_conditions(Case, user, enterprise_id)
    for key in ("case_type", "status", "center"):
        if filters.get(key):
            cond.append(getattr(Case, key) == filters[key])
    if filters.get("overdue") is True:
        cond.append(Case.due_on < today())
    elif filters.get("overdue") is False:
        cond.append(or_(Case.due_on.is_(None), Case.due_on >= today()))
    if filters.get("q"):
        like = "%" + filters["q"].strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cond.append(or_(*(col.ilike(like, escape="\\") for col in (
            Case.number, Case.applicant_name, Case.counterparty_name, Case.right_number,
            Case.right_number_normalized))))
    return cond


def _order(sort: str | None) -> list:
    sort = sort or "-submitted_at"
    if sort in ("due", "-due"):
        # Cases without a deadline (declined, closed, withdrawn) come last either way.
        key = Case.due_on.desc() if sort == "-due" else Case.due_on.asc()
        return [Case.due_on.is_(None), key, Case.year, Case.seq]
    if sort in ("number", "-number"):
        return [Case.year.desc(), Case.seq.desc()] if sort == "-number" else [Case.year, Case.seq]
    if sort == "submitted_at":
        return [Case.submitted_at, Case.seq]
    return [Case.submitted_at.desc(), Case.seq.desc()]


def page(user, filters: dict, page_no: int = 1, page_size: int = 50):
    """``(cases, total)`` — an enterprise's own cases, or all of the tenant's for the bureau."""
    cond = _conditions(filters, user, enterprise_id_of(user))
    total = db.session.scalar(select(func.count(Case.id)).where(*cond)) or 0
    stmt = select(Case).where(*cond).order_by(*_order(filters.get("sort")))
    stmt = stmt.offset(max(page_no - 1, 0) * page_size).limit(page_size)
    return list(db.session.scalars(stmt)), total


def history(case: Case) -> list[CaseTransition]:
    return list(db.session.scalars(
        select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.step)))


def is_overdue(case: Case, on: dt.date | None = None) -> bool:
    """Not accepted or declined by the acceptance deadline, or not closed by the closing deadline."""
    return case.due_on is not None and (on or today()) > case.due_on


def allowed_moves(case: Case, user) -> list[str]:
    return kind.allowed_moves(CASE_MOVES, case.status, kind.mover_of(user))


def _uncovered_note(case: Case) -> str | None:
    if not (case.accept_due_estimated or case.close_due_estimated):
        return None
    starts = [china_date(case.submitted_at)] + ([china_date(case.accepted_at)] if case.accepted_at else [])
    ends = [d for d in (case.accept_due_on, case.close_due_on) if d]
    years = [y for y in range(min(starts).year, max(ends).year + 1) if not calendar.covers(y)]
    if not years:
        years = sorted({d.year for d in ends})
    return _("%(years)s 年的法定节假日和调休安排尚未收录，期限暂按周一至周五为工作日估算，"
             "日历数据更新后将重新计算。", years=_("、").join(str(y) for y in years))


def due_info(tenant, case: Case) -> dict:
    accept, close = config.of(tenant).accept_limit, config.of(tenant).close_limit
    return {
        "accept": {"days": accept.days, "calendar": accept.calendar,
                   "starts_on": china_date(case.submitted_at),
                   "due_on": case.accept_due_on, "estimated": case.accept_due_estimated},
        "close": {"days": close.days, "calendar": close.calendar,
                  "starts_on": china_date(case.accepted_at) if case.accepted_at else None,
                  "due_on": case.close_due_on, "estimated": case.close_due_estimated},
        "next_due_on": case.due_on,
        "overdue": is_overdue(case),
        "note": _uncovered_note(case),
    }


def case_dict(tenant, case: Case, user, detail: bool = True) -> dict:
    """The case as the API and the pages show it."""
    out = {
        "id": case.id, "number": case.number,
        "status": case.status, "status_label": labels.status_label(case.status),
        "case_type": case.case_type, "case_type_label": case_type_label(case.case_type),
        "center": case.center, "center_name": center_name(tenant, case.center),
        "ip_type": case.ip_type, "ip_type_label": ip_type_label(case.ip_type),
        "right_number": case.right_number, "right_number_normalized": case.right_number_normalized,
        "counterparty_name": case.counterparty_name, "counterparty_uscc": case.counterparty_uscc,
        "summary": case.summary, "request": case.request, "extra": case.extra or {},
        "enterprise": {"id": case.enterprise_id, "name": case.applicant_name, "uscc": case.applicant_uscc},
        "submitted_at": case.submitted_at, "accepted_at": case.accepted_at, "closed_at": case.closed_at,
        "accept_due_on": case.accept_due_on, "close_due_on": case.close_due_on,
        "overdue": is_overdue(case), "due": due_info(tenant, case),
        "allowed_moves": allowed_moves(case, user),
    }
    if detail:
        out["history"] = [{"from": t.from_status, "to": t.to_status,
                           "to_label": labels.status_label(t.to_status),
                           "by": t.by_email, "by_role": t.by_role, "at": t.at, "note": t.note}
                          for t in history(case)]
        out["attachments"] = attachments.list_for("case", case.id)
    return out


# --- working a case ------------------------------------------------------------------------------------

def move(user, case_id: str, data: dict) -> Case:
    """The bureau's next step on a case, or the applicant's withdrawal (``data``: ``{"to", "note"}``): the
    shared state-machine move (``core.filing.move``: 403 not the caller's move, 409 not allowed now, 422 a
    note missing) with the case's deadlines and its history row."""
    case = get(user, case_id)
    tenant = current_tenant()

    def effects(step, at, user, note) -> dict:
        changes: dict = {"updated_at": at}
        if step.starts_deadline == "close":
            close = _due(china_date(at), config.of(tenant).close_limit)
            changes.update(accepted_at=at, close_due_on=close.on, close_due_estimated=close.estimated,
                           due_on=close.on)
        if "submitted" in step.sources and step.by == "bureau":  # accepting or declining decides the case
            changes.update(decided_by=user.id, decided_at=at, decision_reason=note)
        if step.to == "closed":
            changes["closed_at"] = at
        if step.ends_deadlines:
            changes["due_on"] = None
        return changes

    def record(old, to, user, at, note) -> None:
        step = db.session.scalar(select(func.max(CaseTransition.step))
                                 .where(CaseTransition.case_id == case.id))
        db.session.add(_history_row(case, (step or 0) + 1, old, to, user, at, note))

    return filing.move(case, CASE_MOVES, "case", data, user, effects=effects, record=record,
                       detail={"number": case.number}, at=now())


def attach(user, case_id: str, upload, slot: str | None = None):
    """证据材料: PDF, JPEG or PNG (by content), at most 10 MB, while the case is open (one slot)."""
    case = get(user, case_id)
    if case.status in TERMINAL_STATES:
        error(409, _("案件已%(status)s，不能再上传材料。", status=labels.status_label(case.status)))
    return attachments.save(upload, "case", case.id, user, EVIDENCE_TYPES)


def attachment_list(user, case_id: str):
    return attachments.list_for("case", get(user, case_id).id)


def attachment(user, case_id: str, attachment_id: str):
    return attachments.get_for("case", get(user, case_id).id, attachment_id)


def recompute_estimated_due_dates(tenant, actor=None) -> int:
    """Recompute the deadlines that were counted Monday–Friday because the installed calendar did not
    cover their year yet (run by ``flask calendar add-year``); returns how many changed. Uses the
    tenant's current time limits."""
    changed = 0
    estimated = select(Case).where(or_(Case.accept_due_estimated, Case.close_due_estimated))
    for case in db.session.scalars(estimated):
        before = (case.accept_due_on, case.accept_due_estimated, case.close_due_on, case.close_due_estimated)
        if case.accept_due_estimated:
            due = _due(china_date(case.submitted_at), config.of(tenant).accept_limit)
            case.accept_due_on, case.accept_due_estimated = due.on, due.estimated
        if case.close_due_estimated and case.accepted_at is not None:
            due = _due(china_date(case.accepted_at), config.of(tenant).close_limit)
            case.close_due_on, case.close_due_estimated = due.on, due.estimated
        if case.status == "submitted":
            case.due_on = case.accept_due_on
        elif case.status in OPEN_STATES:
            case.due_on = case.close_due_on
        after = (case.accept_due_on, case.accept_due_estimated, case.close_due_on, case.close_due_estimated)
        if after != before:
            changed += 1
            audit.record("case.due_recomputed", "case", case.id, {
                "number": case.number, "accept_due_on": str(case.accept_due_on),
                "close_due_on": str(case.close_due_on) if case.close_due_on else None}, actor=actor)
    db.session.flush()
    return changed
