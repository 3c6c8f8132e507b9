"""Cross-district aggregates — the one area that reads across tenants. It counts, never lists: no
filing, no enterprise, no personal data leaves a tenant through here."""
from __future__ import annotations

from ipservice.core.tenancy import tenant_context
from ipservice.core.types import today_china, utcnow
from ipservice.kpi import services as kpi_services
from ipservice.tenants import registry


def _area_counts() -> dict:
    from ipservice.cases import services as cases
    from ipservice.certification import services as certification
    from ipservice.custody import services as custody

    case_stats = cases.stats()
    return {
        "custody": custody.status_counts(),
        "certifications": certification.status_counts(),
        "cases": {
            "total": case_stats["total"], "by_type": case_stats["by_type"], "by_status": case_stats["by_status"],
            "closure_rate": case_stats["closure_rate"], "median_days_to_close": case_stats["median_days_to_close"],
        },
    }


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
                            **_area_counts(), "kpis": _kpis(tenant, year)})
    return {"generated_at": utcnow(), "tenants": tenants, "totals": _totals(tenants)}


def _totals(tenants: list[dict]) -> dict:
    def add(key):
        return {f: sum(t[key][f] for t in tenants) for f in tenants[0][key]} if tenants else {}

    by_type, by_status = {}, {}
    for t in tenants:
        for k, v in t["cases"]["by_type"].items():
            by_type[k] = by_type.get(k, 0) + v
        for k, v in t["cases"]["by_status"].items():
            by_status[k] = by_status.get(k, 0) + v
    not_withdrawn = sum(v for k, v in by_status.items() if k != "withdrawn")
    return {
        "custody": add("custody"),
        "certifications": add("certifications"),
        "cases": {"total": sum(t["cases"]["total"] for t in tenants), "by_type": by_type, "by_status": by_status,
                  "closure_rate": round(by_status.get("closed", 0) / not_withdrawn, 4) if not_withdrawn else None},
    }
