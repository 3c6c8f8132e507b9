"""Where the day starts: what waits for the bureau, and an enterprise's own filings — over every
registered filing kind (``core.filing.kinds()``), so a new kind appears here without more code.

Deadlines:
- a kind with a deadline of its own (``FilingKind.due_attr``, e.g. a case's working-day time limit) is
  due then;
- any other filing that waits for the bureau is due when the tenant's service standard runs out
  (``tenant.service_standard.decide``, counted from the day of submission in China); a tenant without a
  service standard has no deadline for them, and nothing of theirs is overdue.

Other work than filings — an area's ``hooks.work`` (the privacy area's erasure requests) — is counted beside
the kinds (``work``) and its items join the overdue and due-soon lists by their own deadline, ``kind`` being
the work's name.

Everything runs in the current tenant's context (the session filters by tenant).
"""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import func, select

from ipservice.accounts.services import enterprise_names
from ipservice.core import calendar, filing, hooks
from ipservice.core.filing import china_midnight
from ipservice.core.types import CHINA, today_china
from ipservice.extensions import db
from ipservice.kpi import services as kpi_services

DUE_SOON_DAYS = 3  # working days ahead that the worklist calls "due soon"
MONTHS = 12  # the months the volume chart shows, the current one included


def today() -> dt.date:
    """Today in China — the day overdue is evaluated on (a function so that tests can move the clock)."""
    return today_china()


@functools.lru_cache(maxsize=4096)
def _due(start: dt.date, days: int, kind: str) -> dt.date:
    return calendar.due_date(start, days, kind).on


def decide_due(tenant, submitted_at: dt.datetime) -> dt.date | None:
    """When a filing submitted at ``submitted_at`` should be decided by the tenant's service standard."""
    std = tenant.service_standard
    if std is None:
        return None
    return _due(submitted_at.astimezone(CHINA).date(), std.decide.days, std.decide.calendar)


def due_of(tenant, kind, item) -> dt.date | None:
    """The deadline of a filing that waits for the bureau (None once it no longer waits)."""
    if item.status not in kind.pending:
        return None
    if kind.due_attr:
        return getattr(item, kind.due_attr)
    return decide_due(tenant, item.submitted_at)


def _last_submission_due_by(tenant, last_due: dt.date) -> dt.date | None:
    """The last day a filing could be submitted and still be due on or before ``last_due`` (deadlines grow
    with the submission day, so everything submitted on or before it is due by then)."""
    std = tenant.service_standard
    if std is None:
        return None
    day = last_due - dt.timedelta(days=1)
    while _due(day, std.decide.days, std.decide.calendar) > last_due:
        day -= dt.timedelta(days=1)
    return day


def _number(kind, item) -> str | None:
    return getattr(item, kind.number_attr) if kind.number_attr else None


def _item(tenant, kind, item) -> dict:
    due = due_of(tenant, kind, item)
    return {"kind": kind.name, "id": item.id, "number": _number(kind, item), "due": due,
            "due_estimated": calendar.is_estimated(due),
            "status": item.status, "submitted_at": item.submitted_at, "enterprise_id": item.enterprise_id}


def _waiting(tenant, kind, due_from: dt.date | None, due_to: dt.date) -> list[dict]:
    """The kind's filings waiting for the bureau whose deadline lies in [due_from, due_to], soonest first."""
    model = kind.model
    cond = [model.status.in_(kind.pending)]
    if kind.due_attr:
        due = getattr(model, kind.due_attr)
        cond += [due.is_not(None), due <= due_to] + ([due >= due_from] if due_from else [])
        order = [due, model.submitted_at]
    else:
        last = _last_submission_due_by(tenant, due_to)
        if last is None:
            return []
        cond.append(model.submitted_at < china_midnight(last + dt.timedelta(days=1)))
        if due_from is not None:
            first = _last_submission_due_by(tenant, due_from - dt.timedelta(days=1))
            cond.append(model.submitted_at >= china_midnight(first + dt.timedelta(days=1)))
        order = [model.submitted_at]
    rows = db.session.scalars(select(model).where(*cond).order_by(*order, model.id))
    return [_item(tenant, kind, f) for f in rows]


def _count_by(column, *cond) -> dict:
    return {k: int(v) for k, v in db.session.execute(
        select(column, func.count()).where(*cond).group_by(column)).all()}


def month_keys(today: dt.date, months: int = MONTHS) -> list[str]:
    """``["2025-12", …, "2026-11"]``: the last ``months`` months, oldest first."""
    keys, year, month = [], today.year, today.month
    for _i in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def per_month(model, keys: list[str]) -> dict[str, int]:
    """Filings of ``model`` submitted in each month of ``keys`` (China time)."""
    first = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
    counts = dict.fromkeys(keys, 0)
    since = select(model.submitted_at).where(model.submitted_at >= china_midnight(first))
    for (at,) in db.session.execute(since):
        key = at.astimezone(CHINA).strftime("%Y-%m")
        if key in counts:
            counts[key] += 1
    return counts


def kpi_year(tenant, today: dt.date) -> int | None:
    """This year, or — when no indicator has a target this year — the latest earlier year that has one."""
    years = kpi_services.tenant_target_years(tenant, up_to=today.year)
    return years[-1] if years else None


def liability() -> list[dict]:
    """What the bureau owes for granted filings, per year and rule, from every kind that declares its
    ``liability`` (``FilingKind.liability() -> [{"year", "rule", "amount_cny", "count"}]``)."""
    rows = []
    for kind in filing.kinds():
        if kind.liability is not None:
            rows.extend(dict(row, kind=kind.name) for row in kind.liability() or [])
    return sorted(rows, key=lambda r: (r.get("year") or 0, str(r.get("rule") or "")))


def dashboard(tenant, on: dt.date | None = None) -> dict:
    """``GET /dashboard`` and the bureau's worklist page, as of ``on`` (default: today in China)."""
    day = on or today()
    soon = calendar.add_working_days(day, DUE_SOON_DAYS).on
    kinds = filing.kinds()
    pending, overdue, due_soon, by_status, months = {}, [], [], {}, {}
    keys = month_keys(day)
    for kind in kinds:
        model = kind.model
        pending[kind.name] = db.session.scalar(
            select(func.count()).select_from(model).where(model.status.in_(kind.pending))) or 0
        overdue += _waiting(tenant, kind, None, day - dt.timedelta(days=1))
        due_soon += _waiting(tenant, kind, day, soon)
        by_status[kind.name] = _count_by(model.status)
        months[kind.name] = per_month(model, keys)
    work = {}
    for w in hooks.waiting_work():
        work[w.name] = len(w.waiting)
        for item in w.waiting:
            row = {"kind": w.name, "number": None, "due_estimated": False, **item}
            if row["due"] is not None and row["due"] < day:
                overdue.append(row)
            elif row["due"] is not None and row["due"] <= soon:
                due_soon.append(row)
    overdue.sort(key=lambda i: (i["due"], i["submitted_at"]))
    due_soon.sort(key=lambda i: (i["due"], i["submitted_at"]))
    year = kpi_year(tenant, day)
    return {"today": day, "due_soon_until": soon, "pending": pending, "work": work, "overdue": overdue,
            "due_soon": due_soon, "liability": liability(),
            "kpi_year": year, "kpis": kpi_services.progress_in(tenant, year) if year else [],
            "by_status": by_status, "per_month": months}


def name_enterprises(items: list[dict]) -> None:
    """Add ``enterprise`` (the applicant's name) to each item, for the bureau's pages."""
    names = enterprise_names({i["enterprise_id"] for i in items})
    for i in items:
        i["enterprise"] = names.get(i["enterprise_id"], "")


def my_filings(tenant, user, page_no: int = 1, page_size: int = 50) -> tuple[list[dict], int]:
    """The user's own filings of every kind, newest first, one page, and their total (``GET /my``)."""
    rows, total = [], 0
    for kind in filing.kinds():
        items, n = kind.service.page(user, {}, 1, page_no * page_size)
        total += n
        rows.extend(_item(tenant, kind, f) for f in items)
    rows.sort(key=lambda i: (i["submitted_at"], i["id"]), reverse=True)
    start = (page_no - 1) * page_size
    return rows[start:start + page_size], total
