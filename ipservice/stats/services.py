"""Cross-district aggregates — the one area that reads across tenants. It counts, never lists: no
filing, no enterprise, no personal data leaves a tenant through here."""
from __future__ import annotations

from sqlalchemy import func, select

from ipservice.core import filing
from ipservice.core.tenancy import tenant_context
from ipservice.core.types import today_china, utcnow
from ipservice.extensions import db
from ipservice.kpi import services as kpi_services
from ipservice.stats import aggregates
from ipservice.tenants import registry


def _figures(slugs: list[str]) -> dict:
    """Every tenant's counts at once, per filing kind, through ``aggregates`` (the one path that reads
    across tenants): a kind's own ``stats_by_tenant`` where it counts more than statuses."""
    return {kind.key: (kind.stats_by_tenant(aggregates, slugs) if kind.stats_by_tenant
                       else _status_counts(kind, slugs)) for kind in filing.kinds()}


def _status_counts(kind, slugs: list[str]) -> dict:
    by_tenant = aggregates.status_counts(kind.model)
    return {slug: {s: by_tenant.get(slug, {}).get(s, 0) for s in kind.statuses} for slug in slugs}


def _kpis(tenant, year: int | None) -> list[dict]:
    """Each indicator's progress: in ``year``, or by default in its latest target year up to this year."""
    this_year = today_china().year
    out = []
    for row in kpi_services.kpi_table(tenant):
        ind = tenant.indicator(row["code"])
        years = [t.year for t in ind.targets if t.value is not None and t.year <= (year or this_year)]
        if year is not None:
            years = [y for y in years if y == year]
        if not years:
            continue
        p = kpi_services.progress(ind, max(years), row["actuals"])
        out.append({"code": ind.code, "name_zh": ind.name_zh, "name_en": ind.name_en, "source": ind.source,
                    "unit": ind.unit, "year": p["year"], "target": p["target"], "actual": p["actual"],
                    "progress": p["ratio"]})
    return out


def aggregate(year: int | None = None) -> dict:
    figures = _figures([t.slug for t in registry.all()])
    tenants = []
    for tenant in registry.all():
        # KPI progress is each tenant's public KPI table, read as that tenant (as GET /kpis is)
        with tenant_context(tenant.slug):
            kpis = _kpis(tenant, year)
            extras = {k: v for kind in filing.kinds() if kind.stats_extra
                      for k, v in kind.stats_extra().items()}
        tenants.append({"slug": tenant.slug, "name_zh": tenant.name_zh, "name_en": tenant.name_en,
                        **{key: by_tenant[tenant.slug] for key, by_tenant in figures.items()}, **extras,
                        "kpis": kpis})
    return {"generated_at": utcnow(), "tenants": tenants, "totals": _totals(tenants)}


def _totals(tenants: list[dict]) -> dict:
    def add(key):
        return {f: sum(t[key][f] for t in tenants) for f in tenants[0][key]} if tenants else {}

    return {kind.key: (kind.stats_totals([t[kind.key] for t in tenants]) if kind.stats_totals
                       else add(kind.key))
            for kind in filing.kinds()}


# --- the province view: the districts side by side for one year -------------------------------------------

def months_of(year: int, today) -> list[str]:
    """``2026-01`` … the months of ``year`` up to the current one (all twelve for a past year)."""
    last = today.month if year == today.year else (0 if year > today.year else 12)
    return [f"{year:04d}-{m:02d}" for m in range(1, last + 1)]


def _comparable_key(row: dict) -> tuple:
    """Indicators measuring the same thing: the same computed metric (and measure), or — reported — the
    same published name and unit."""
    if row["source"] == "computed" and row["metric"]:
        return ("metric", row["metric"], row["measure"])
    return ("name", row["name_zh"], row["unit"])


def default_year(today_year: int) -> int:
    """The year the province view opens on: this year, or — when no district has a target this year — the
    latest earlier year that some district has targets for (as each district's worklist does)."""
    years = [y for tenant in registry.all()
             for y in kpi_services.tenant_target_years(tenant, up_to=today_year)]
    return max(years, default=today_year)


def comparison(year: int) -> dict:
    """Per district: filings per kind (total and waiting), case figures, filings per month of ``year`` and
    the KPI progress in ``year``; and the indicators that measure the same thing, grouped across districts
    and tables. Counts only, like ``aggregate``."""
    from ipservice.worklist.services import per_month

    today = today_china()
    months = months_of(year, today)
    districts = []
    for tenant in registry.all():
        with tenant_context(tenant.slug):  # one tenant at a time, each through its own filter
            kinds = {}
            for kind in filing.kinds():
                by_status = dict(db.session.execute(
                    select(kind.model.status, func.count()).group_by(kind.model.status)).all())
                kinds[kind.name] = {"total": sum(by_status.values()),
                                    "pending": sum(by_status.get(s, 0) for s in kind.pending),
                                    "stats": kind.service.stats(),
                                    "per_month": per_month(kind.model, months) if months else {}}
            tables = {t.code: t for t in tenant.kpi_tables}
            kpis = [dict(k, table_title_zh=tables[k["table"]].title_zh,
                         table_title_en=tables[k["table"]].title_en)
                    for k in kpi_services.progress_in(tenant, year)]
            districts.append({"slug": tenant.slug, "name_zh": tenant.name_zh, "name_en": tenant.name_en,
                              "kinds": kinds, "kpis": kpis,
                              "per_month": {m: sum(k["per_month"].get(m, 0) for k in kinds.values())
                                            for m in months},
                              "target_years": kpi_services.tenant_target_years(tenant)})
    groups: dict[tuple, list] = {}
    for d in districts:
        for k in d["kpis"]:
            groups.setdefault(_comparable_key(k), []).append({**k, "district": d})
    comparable = [rows for rows in groups.values() if len(rows) > 1]
    return {"generated_at": utcnow(), "year": year, "months": months, "districts": districts,
            "comparable": comparable}
