"""Cross-district aggregates — the one area that reads across tenants. It counts, never lists: no
filing, no enterprise, no personal data leaves a tenant through here."""
from __future__ import annotations

from ipservice.core.tenancy import tenant_context
from ipservice.core.types import today_china, utcnow
from ipservice.kpi import services as kpi_services
from ipservice.stats import aggregates
from ipservice.tenants import registry


def _figures() -> dict:
    """Every tenant's counts at once, through ``aggregates`` (the one path that reads across tenants)."""
    from ipservice.cases import services as cases
    from ipservice.certification import services as certification
    from ipservice.custody import services as custody

    return {
        "custody": (aggregates.status_counts(custody.CustodyEnrollment), custody.STATUSES),
        "certifications": (aggregates.status_counts(certification.CertificationRecord),
                           certification.RECORD_STATUSES),
        "cases": (aggregates.case_counts(cases.Case), aggregates.median_days_to_close(cases.Case)),
    }


def _area_counts(slug: str, figures: dict) -> dict:
    out = {}
    for kind in ("custody", "certifications"):
        by_tenant, statuses = figures[kind]
        counts = by_tenant.get(slug, {})
        out[kind] = {s: counts.get(s, 0) for s in statuses}
    by_pair, medians = figures["cases"]
    by_type, by_status = {}, {}
    for (case_type, status), n in by_pair.get(slug, {}).items():
        by_type[case_type] = by_type.get(case_type, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    total = sum(by_status.values())
    not_withdrawn = total - by_status.get("withdrawn", 0)
    out["cases"] = {
        "total": total, "by_type": by_type, "by_status": by_status,
        "closure_rate": round(by_status.get("closed", 0) / not_withdrawn, 4) if not_withdrawn else None,
        "median_days_to_close": medians.get(slug),
    }
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
    figures = _figures()
    tenants = []
    for tenant in registry.all():
        # KPI progress is each tenant's public KPI table, read as that tenant (as GET /kpis is)
        with tenant_context(tenant.slug):
            kpis = _kpis(tenant, year)
        tenants.append({"slug": tenant.slug, "name_zh": tenant.name_zh, "name_en": tenant.name_en,
                        **_area_counts(tenant.slug, figures), "kpis": kpis})
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
