"""Cross-district aggregates — the one area that reads across tenants. It counts, never lists: no
filing, no enterprise, no personal data leaves a tenant through here."""
from __future__ import annotations

from ipservice.core import filing
from ipservice.core.tenancy import tenant_context
from ipservice.core.types import today_china, utcnow
from ipservice.kpi import services as kpi_services
from ipservice.tenants import registry


def _filing_counts() -> dict:
    """Each filing kind's counts for the tenant in context, under its key (``custody``, ``cases``…), and
    the further keys a kind adds (``stats_extra``)."""
    out = {}
    for kind in filing.kinds():
        out[kind.key] = kind.service.stats()
        if kind.stats_extra is not None:
            out.update(kind.stats_extra())
    return out


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
    tenants = []
    for tenant in registry.all():
        with tenant_context(tenant.slug):  # one tenant at a time, each through its own filter
            tenants.append({"slug": tenant.slug, "name_zh": tenant.name_zh, "name_en": tenant.name_en,
                            **_filing_counts(), "kpis": _kpis(tenant, year)})
    return {"generated_at": utcnow(), "tenants": tenants, "totals": _totals(tenants)}


def _totals(tenants: list[dict]) -> dict:
    def add(key):
        return {f: sum(t[key][f] for t in tenants) for f in tenants[0][key]} if tenants else {}

    return {kind.key: (kind.stats_totals([t[kind.key] for t in tenants]) if kind.stats_totals else add(kind.key))
            for kind in filing.kinds()}
