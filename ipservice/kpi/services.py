"""KPI tables and task lists: configured plan (tenants/<slug>/) + what the service counts + what the
bureau reports."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.i18n import is_english, pick
from ipservice.core.transaction import savepoint
from ipservice.core.types import today_china, utcnow
from ipservice.extensions import db
from ipservice.kpi import metrics, ranges
from ipservice.kpi.models import KpiActual, TaskProgress
from ipservice.policy.services import reading_of
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
        first_year = _plan_start(tenant, ind)
        for year in _years_to_compute(tenant, ind):
            value = _measure(ind, year, {} if counted is None else counted, first_year)
            if value is not None:
                out.append({"year": year, "value": value, "note": "",
                            "as_of": min(today, dt.date(year, 12, 31))})
        return out
    return [{"year": r.year, "value": r.value, "note": r.note, "as_of": r.as_of, "version": r.version}
            for (code, _y), r in sorted(reported.items(), key=lambda kv: kv[0][1]) if code == ind.code]


def _plan_start(tenant: Tenant, ind: Indicator) -> int:
    table = next(t for t in tenant.kpi_tables if t.code == ind.table)
    return tenant.document(table.document).period_start.year


def _needed_years(tenant: Tenant) -> dict[str, set[int]]:
    """The years the KPI table asks each metric for (computed rows, the years their cumulative sums and
    growth read, reference values): ``kpi_table`` counts them with one call per metric, not per year."""
    need: dict[str, set[int]] = {}
    for ind in tenant.indicators:
        if ind.source == "computed" and ind.metric:
            first_year, years = _plan_start(tenant, ind), need.setdefault(ind.metric, set())
            for year in _years_to_compute(tenant, ind):
                if ind.measure == "cumulative":
                    years.update(range(first_year, year + 1))
                else:
                    years.add(year)
                    if ind.measure == "yoy_growth":
                        years.add(year - 1)
        if ind.reference_metric:
            need.setdefault(ind.reference_metric, set()).update(_years_to_compute(tenant, ind))
    return need


def _precount(tenant: Tenant) -> dict:
    """``counted`` filled for every (metric, year) the table needs, one ``compute_years`` per metric."""
    counted: dict = {}
    for name, years in _needed_years(tenant).items():
        for year, value in metrics.compute_years(name, years).items():
            counted[(name, year)] = value
    return counted


def _count(metric: str, year: int, counted: dict) -> float | None:
    if (metric, year) not in counted:
        counted[(metric, year)] = metrics.compute(metric, year)
    return counted[(metric, year)]


def _measure(ind: Indicator, year: int, counted: dict, first_year: int) -> float | None:
    def count(y):
        return _count(ind.metric, y, counted)

    if ind.measure == "cumulative":  # the yearly counts summed over the plan, up to ``year``
        values = [count(y) for y in range(first_year, year + 1)]
        return float(sum(v for v in values if v is not None)) if year >= first_year else None
    value = count(year)
    if ind.measure == "yoy_growth":
        previous = count(year - 1)
        if value is None or not previous:
            return None
        return round((value / previous - 1) * 100, 2)
    return value


def reference(tenant: Tenant, ind: Indicator, counted: dict) -> dict | None:
    """For a reported indicator with a ``reference_metric``: what the service counts that is related
    (never the actual), by year of the table."""
    if not ind.reference_metric:
        return None
    values = []
    for year in _years_to_compute(tenant, ind):
        value = _count(ind.reference_metric, year, counted)
        if value is not None:
            values.append({"year": year, "value": value})
    return {"metric": ind.reference_metric, "label_zh": ind.reference_zh, "label_en": ind.reference_en,
            "values": values}


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
    counted = _precount(tenant)
    tables = {t.code: t for t in tenant.kpi_tables}
    out = []
    for ind in tenant.indicators:
        acts = actuals(tenant, ind, reported, counted)
        growth = recomputed_growth(ind)
        row = {
            "code": ind.code, "seq": ind.seq, "table": ind.table, "name_zh": ind.name_zh,
            "name_en": ind.name_en, "unit": ind.unit, "unit_en": ind.unit_en, "category": ind.category,
            "category_en": ind.category_en,
            "direction": ind.direction, "source": ind.source, "metric": ind.metric,
            "baseline": {"year": ind.baseline.year, "value": ind.baseline.value} if ind.baseline else None,
            "targets": [{"year": t.year, "value": t.value, "note": t.note, "note_en": t.note_en or t.note,
                         "display_note": pick(t.note, t.note_en)} for t in ind.targets],
            "actuals": acts,
            "reference": reference(tenant, ind, counted),
            "table_origin": tables[ind.table].origin,
            "published_growth": ind.published_growth or None,
            "published_growth_en": (ind.published_growth_en or ind.published_growth) or None,
            "reading": reading_of(ind),
            "display": {"name": pick(ind.name_zh, ind.name_en),
                        "category": pick(ind.category, ind.category_en), "unit": pick(ind.unit, ind.unit_en),
                        "published_growth": pick(ind.published_growth, ind.published_growth_en) or None,
                        "reading": pick(ind.reading_zh, ind.reading_en) or None},
            "recomputed_growth": round(growth, 6) if growth is not None else None,
            "citation": {"document": tenant.document(ind.citation.document).label,
                         "document_code": ind.citation.document,
                         "clause": ind.citation.clause, "quote": ind.citation.quote},
        }
        if year is not None:
            row["progress"] = progress(ind, year, acts)
        out.append(row)
    return out


def target_years(tenant: Tenant, ind: Indicator) -> list[int]:
    """The years the indicator has a target for (its table's years when it lists none)."""
    years = sorted({t.year for t in ind.targets})
    if years:
        return years
    table = next((t for t in tenant.kpi_tables if t.code == ind.table), None)
    return sorted(table.years) if table else []


def default_year(tenant: Tenant, ind: Indicator) -> int:
    """The year a new actual is entered for by default: the latest target year up to this year, else the
    first one (a plan that has not reached its first target year yet)."""
    years = target_years(tenant, ind)
    this_year = today_china().year
    past = [y for y in years if y <= this_year]
    return max(past) if past else (min(years) if years else this_year)


def no_target_warning(tenant: Tenant, ind: Indicator, year: int) -> str | None:
    years = target_years(tenant, ind)
    if year in years:
        return None
    return _("该指标没有 %(year)s 年的目标值（目标年份：%(years)s），此年份的进度无法计算。",
             year=year, years=(", " if is_english() else "、").join(str(y) for y in years) or "—")


def _add_or_conflict(row) -> None:
    """The first value of a year (or task) is an INSERT that a concurrent request may have made first: the
    unique constraint refuses the second one, which is a conflict, not an error."""
    try:
        with savepoint():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        error(409, _("该数据刚被他人同时保存，请刷新后核对再保存。"))


def _exists_conflict(current) -> None:
    error(409, _("该数据已存在（版本 %(version)s）：修改时请提交读取到的版本号（version）。",
                 version=current.version))


def _stale_conflict(current, shown: str) -> None:
    if current is None:
        error(409, _("该数据已不存在，请刷新后再保存。"))
    error(409, _("该数据已被他人修改（当前版本 %(version)s：%(current)s），"
                 "您提交的是旧版本。请核对后再保存。", version=current.version, current=shown))


def _save_versioned(model, where: list, version: int | None, create, changes: dict, shown, remember):
    """Create the row (``version`` None or 0: the caller saw none) or change it conditionally on the version
    the caller read: one of two concurrent edits applies, the other gets 409, on SQLite and PostgreSQL
    (a conditional UPDATE; the first INSERT is guarded by the unique constraint). Returns what ``remember``
    takes from the row before the change (None for a new row) and the row."""
    current = db.session.scalar(select(model).where(*where))
    if not version:
        if current is not None:
            _exists_conflict(current)
        row = create()
        _add_or_conflict(row)
        return None, row
    old = remember(current) if current is not None else None
    result = db.session.execute(
        update(model).where(*where, model.version == version)
        .values(**changes, version=model.version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # another writer changed it first: what is stored now, not what was read
        latest = db.session.scalar(select(model).where(*where).execution_options(populate_existing=True))
        _stale_conflict(latest, shown(latest) if latest is not None else "")
    row = db.session.scalar(select(model).where(*where).execution_options(populate_existing=True))
    return old, row


def set_actual(tenant: Tenant, code: str, year: int, value: float, note: str, user,
               version: int | None = None) -> tuple[KpiActual, str | None]:
    """Record a reported indicator's value for ``year`` (see ``_save_versioned`` for ``version``); returns the
    row and a warning when the indicator has no target for that year (the value is kept: a bureau may record
    years between targets, but progress cannot be computed for them)."""
    ind = tenant.indicator(code)
    if ind is None:
        error(404)
    if ind.source == "computed":
        error(409, _("该指标由系统根据业务记录自动计算，不能手工填报。"))
    ranges.check_value(ind, value)
    today = today_china()
    old, row = _save_versioned(
        KpiActual, [KpiActual.indicator_code == code, KpiActual.year == year], version,
        lambda: KpiActual(indicator_code=code, year=year, value=value, note=note, as_of=today,
                          entered_by=user.id),
        {"value": value, "note": note, "as_of": today, "entered_by": user.id, "entered_at": utcnow()},
        lambda r: f"{r.value:g}", lambda r: r.value)
    audit.record("kpi.actual_set", "kpi", None, {"indicator": code, "year": year, "from": old, "to": value,
                                                 "note": note, "version": row.version})
    return row, no_target_warning(tenant, ind, year)


def _task_display(t) -> dict:
    """The task's texts in the request's language."""
    english = is_english()
    return {"section": pick(t.section, t.section_en), "title": pick(t.title, t.title_en),
            "content": pick(t.content, t.content_en),
            "lead_units": list(t.lead_units_en if english and t.lead_units_en else t.lead_units),
            "partner_units": list(t.partner_units_en if english and t.partner_units_en else t.partner_units)}


def task_list(tenant: Tenant) -> list[dict]:
    progress_rows = {p.task_code: p for p in db.session.scalars(select(TaskProgress))}
    out = []
    for t in tenant.tasks:
        p = progress_rows.get(t.code)
        out.append({
            "code": t.code, "seq": t.seq, "document": t.document, "section": t.section, "title": t.title,
            "content": t.content, "lead_units": list(t.lead_units), "partner_units": list(t.partner_units),
            "section_en": t.section_en, "title_en": t.title_en, "content_en": t.content_en,
            "lead_units_en": list(t.lead_units_en), "partner_units_en": list(t.partner_units_en),
            "display": _task_display(t), "clause": t.clause, "status": p.status if p else "not_started",
            "note": p.note if p else "", "updated_at": p.updated_at if p else None,
            "version": p.version if p else 0,
        })
    return out


def set_task_progress(tenant: Tenant, code: str, status: str, note: str, user,
                      version: int | None = None) -> dict:
    """Set a task's status and note (see ``_save_versioned`` for ``version``)."""
    if not any(t.code == code for t in tenant.tasks):
        error(404)
    from ipservice.core.labels import task_status_label

    old, row = _save_versioned(
        TaskProgress, [TaskProgress.task_code == code], version,
        lambda: TaskProgress(task_code=code, status=status, note=note, updated_by=user.id),
        {"status": status, "note": note, "updated_by": user.id, "updated_at": utcnow()},
        lambda r: task_status_label(r.status), lambda r: r.status)
    audit.record("task.progress_set", "task", None, {"task": code, "from": old or "not_started", "to": status,
                                                     "note": note, "version": row.version})
    return next(t for t in task_list(tenant) if t["code"] == code)


def tenant_target_years(tenant: Tenant, up_to: int | None = None) -> list[int]:
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
