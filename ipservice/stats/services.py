"""Cross-district aggregates — the one area that reads across tenants. It counts, never lists: no
filing, no enterprise, no personal data leaves a tenant through here."""
from __future__ import annotations

from ipservice.core import filing
from ipservice.core.tenancy import tenant_context
from ipservice.core.types import today_china, utcnow
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
        tenants.append({"slug": tenant.slug, "name_zh": tenant.name_zh, "name_en": tenant.name_en,
                        **{key: by_tenant[tenant.slug] for key, by_tenant in figures.items()}, "kpis": kpis})
    return {"generated_at": utcnow(), "tenants": tenants, "totals": _totals(tenants)}


def _totals(tenants: list[dict]) -> dict:
    def add(key):
        return {f: sum(t[key][f] for t in tenants) for f in tenants[0][key]} if tenants else {}

    return {kind.key: (kind.stats_totals([t[kind.key] for t in tenants]) if kind.stats_totals else add(kind.key))
            for kind in filing.kinds()}
