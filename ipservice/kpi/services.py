"""KPI tables and task lists: configured plan (tenants/<slug>/) + what the service counts + what the
bureau reports."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.types import today_china, utcnow
from ipservice.extensions import db
from ipservice.kpi import metrics
from ipservice.kpi.models import KpiActual, TaskProgress
from ipservice.tenants.config import Indicator, Tenant

TASK_STATUSES = ("not_started", "in_progress", "done")


def recomputed_growth(ind: Indicator) -> float | None:
    """年均预增, recomputed: compound annual growth from the baseline to the last numeric target."""
    if ind.baseline is None or ind.baseline.value in (None, 0):
        return None
    targets = [t for t in ind.targets if t.value is not None and t.year > ind.baseline.year]
    if not targets:
        return None
    last = max(targets, key=lambda t: t.year)
    if last.value < 0 or ind.baseline.value < 0:
        return None
    return (last.value / ind.baseline.value) ** (1 / (last.year - ind.baseline.year)) - 1




def reported_actuals(tenant_codes: list[str]) -> dict[tuple[str, int], KpiActual]:
    rows = db.session.scalars(select(KpiActual).where(KpiActual.indicator_code.in_(tenant_codes)))
    return {(r.indicator_code, r.year): r for r in rows}


def _years_to_compute(tenant: Tenant, ind: Indicator) -> list[int]:
    table = next(t for t in tenant.kpi_tables if t.code == ind.table)
    years = set(table.years) | {t.year for t in ind.targets}
    this_year = today_china().year
    return sorted(y for y in years if y <= this_year)


def actuals(tenant: Tenant, ind: Indicator, reported: dict, counted: dict | None = None) -> list[dict]:
    """The indicator's actual values by year. ``counted`` memoizes metric values across indicators
    (several rows share a metric, and a growth row needs the previous year's count)."""
    if ind.source == "computed":
        today = today_china()
        out = []
        for year in _years_to_compute(tenant, ind):
            value = _measure(ind, year, {} if counted is None else counted)
            if value is not None:
                out.append({"year": year, "value": value, "note": "",
                            "as_of": min(today, dt.date(year, 12, 31))})
        return out
    return [{"year": r.year, "value": r.value, "note": r.note, "as_of": r.as_of}
            for (code, _y), r in sorted(reported.items(), key=lambda kv: kv[0][1]) if code == ind.code]


def _measure(ind: Indicator, year: int, counted: dict) -> float | None:
    def count(y):
        if (ind.metric, y) not in counted:
            counted[(ind.metric, y)] = metrics.compute(ind.metric, y)
        return counted[(ind.metric, y)]

    value = count(year)
    if ind.measure == "yoy_growth":
        previous = count(year - 1)
        if value is None or not previous:
            return None
        return round((value / previous - 1) * 100, 2)
    return value


def progress(ind: Indicator, year: int, actual_rows: list[dict]) -> dict:
    """Progress toward the year's target: ratio actual ÷ target (at least / maintain), target ÷ actual
    (at most); ``met`` says whether the target is reached."""
    target = ind.target_for(year)
    actual = next((a["value"] for a in actual_rows if a["year"] == year), None)
    tv = target.value if target else None
    ratio = met = None
    if tv is not None and actual is not None:
        if ind.direction == "at_most":
            ratio = (tv / actual) if actual else 1.0
            met = actual <= tv
        else:
            ratio = (actual / tv) if tv else None
            met = actual >= tv
    return {"year": year, "target": tv, "target_note": target.note if target else "", "actual": actual,
            "ratio": round(ratio, 4) if ratio is not None else None, "met": met}


def kpi_table(tenant: Tenant, year: int | None = None) -> list[dict]:
    """``GET /kpis``: every indicator with targets, actuals and (for ``year``) progress."""
    reported = reported_actuals([i.code for i in tenant.indicators if i.source == "reported"])
    counted: dict = {}
    out = []
    for ind in tenant.indicators:
        acts = actuals(tenant, ind, reported, counted)
        growth = recomputed_growth(ind)
        row = {
            "code": ind.code, "seq": ind.seq, "table": ind.table, "name_zh": ind.name_zh, "name_en": ind.name_en,
            "unit": ind.unit, "category": ind.category, "direction": ind.direction, "source": ind.source,
            "metric": ind.metric,
            "baseline": {"year": ind.baseline.year, "value": ind.baseline.value} if ind.baseline else None,
            "targets": [{"year": t.year, "value": t.value, "note": t.note} for t in ind.targets],
            "actuals": acts,
            "published_growth": ind.published_growth or None,
            "recomputed_growth": round(growth, 6) if growth is not None else None,
            "citation": {"document": tenant.document(ind.citation.document).label,
                         "document_code": ind.citation.document,
                         "clause": ind.citation.clause, "quote": ind.citation.quote},
        }
        if year is not None:
            row["progress"] = progress(ind, year, acts)
        out.append(row)
    return out


def set_actual(tenant: Tenant, code: str, year: int, value: float, note: str, user) -> KpiActual:
    ind = tenant.indicator(code)
    if ind is None:
        error(404)
    if ind.source == "computed":
        error(409, _("该指标由系统根据业务记录自动计算，不能手工填报。"))
    row = db.session.scalar(select(KpiActual).where(KpiActual.indicator_code == code, KpiActual.year == year))
    old = row.value if row else None
    if row is None:
        row = KpiActual(indicator_code=code, year=year, value=value, note=note, as_of=today_china(),
                        entered_by=user.id)
        db.session.add(row)
    else:
        row.value, row.note, row.as_of, row.entered_by, row.entered_at = value, note, today_china(), user.id, utcnow()
    db.session.flush()
    audit.record("kpi.actual_set", "kpi", None, {"indicator": code, "year": year, "from": old, "to": value,
                                                 "note": note})
    return row


def task_list(tenant: Tenant) -> list[dict]:
    progress_rows = {p.task_code: p for p in db.session.scalars(select(TaskProgress))}
    out = []
    for t in tenant.tasks:
        p = progress_rows.get(t.code)
        out.append({
            "code": t.code, "seq": t.seq, "document": t.document, "section": t.section, "title": t.title,
            "content": t.content, "lead_units": list(t.lead_units), "partner_units": list(t.partner_units),
            "clause": t.clause, "status": p.status if p else "not_started", "note": p.note if p else "",
            "updated_at": p.updated_at if p else None,
        })
    return out


def set_task_progress(tenant: Tenant, code: str, status: str, note: str, user) -> dict:
    if not any(t.code == code for t in tenant.tasks):
        error(404)
    row = db.session.scalar(select(TaskProgress).where(TaskProgress.task_code == code))
    old = row.status if row else "not_started"
    if row is None:
        row = TaskProgress(task_code=code, status=status, note=note, updated_by=user.id)
        db.session.add(row)
    else:
        row.status, row.note, row.updated_by, row.updated_at = status, note, user.id, utcnow()
    db.session.flush()
    audit.record("task.progress_set", "task", None, {"task": code, "from": old, "to": status, "note": note})
    return next(t for t in task_list(tenant) if t["code"] == code)


def target_years(tenant: Tenant, up_to: int | None = None) -> list[int]:
    """The years some indicator of the tenant has a numeric target for (up to ``up_to``), ascending."""
    return sorted({t.year for ind in tenant.indicators for t in ind.targets
                   if t.value is not None and (up_to is None or t.year <= up_to)})


def progress_in(tenant: Tenant, year: int) -> list[dict]:
    """Every indicator with a numeric target in ``year``, with its actual and progress that year (the
    worklists and the province view; the table is in the tenant's published order)."""
    out = []
    for row in kpi_table(tenant):
        ind = tenant.indicator(row["code"])
        target = ind.target_for(year)
        if target is None or target.value is None:
            continue
        p = progress(ind, year, row["actuals"])
        out.append({"code": ind.code, "table": ind.table, "seq": ind.seq, "name_zh": ind.name_zh,
                    "name_en": ind.name_en, "unit": ind.unit, "unit_en": getattr(ind, "unit_en", "") or "",
                    "source": ind.source, "metric": ind.metric, "measure": ind.measure,
                    "direction": ind.direction, "year": year, "target": p["target"], "actual": p["actual"],
                    "progress": p["ratio"], "met": p["met"]})
    return out
