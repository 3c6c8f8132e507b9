"""Computed KPIs from the case records, and the per-tenant case statistics."""
import datetime as dt

import pytest

from ipservice.core.types import CHINA
from tests.cases.conftest import file_case, move


def china(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=CHINA)


@pytest.fixture
def history_2024_2025(monkeypatch, enterprise, bureau):
    """Cases filed and worked across 2024 and 2025 in Xi'an (plus one closed case in Hebi)."""
    from ipservice.cases import services

    e1, e2, e3, officer = enterprise("xian"), enterprise("xian"), enterprise("xian"), bureau("xian")

    def at(moment):
        monkeypatch.setattr(services, "now", lambda: moment)

    def new(who, when, **over):
        at(when)
        return file_case(who, **over)["id"]

    def step(who, case_id, when, to, note="说明"):
        at(when)
        move(who, "xian", case_id, to, note=note)

    f1 = new(e1, china(2024, 3, 1), case_type="pre_exam_filing")
    step(officer, f1, china(2024, 3, 4), "accepted")
    f3 = new(e3, china(2024, 4, 1), case_type="pre_exam_filing")
    step(officer, f3, china(2024, 4, 2), "declined")
    f2 = new(e2, china(2025, 2, 1), case_type="pre_exam_filing")
    step(officer, f2, china(2025, 2, 3), "accepted")
    m = new(e1, china(2024, 5, 1), case_type="mediation")
    for when, to in [(china(2024, 5, 2), "accepted"), (china(2024, 5, 3), "in_progress"),
                     (china(2024, 12, 31, 23, 30), "mediated"), (china(2025, 1, 2), "closed")]:
        step(officer, m, when, to)
    d = new(e2, china(2024, 6, 1), case_type="determination")
    for when, to in [(china(2024, 6, 3), "accepted"), (china(2024, 6, 4), "in_progress"),
                     (china(2024, 6, 20), "resolved"), (china(2025, 1, 10), "closed")]:
        step(officer, d, when, to)
    a1 = new(e1, china(2024, 7, 1), case_type="assistance")
    step(officer, a1, china(2024, 7, 2), "accepted")
    a2 = new(e2, china(2024, 7, 5), case_type="assistance")
    step(officer, a2, china(2024, 7, 6), "accepted")
    a3 = new(e2, china(2024, 12, 30), case_type="assistance")
    step(officer, a3, china(2025, 1, 3), "accepted")
    w = new(e1, china(2024, 8, 1), case_type="assistance")
    step(e1, w, china(2024, 8, 2), "withdrawn", note=None)
    # Hebi: one case closed in 2025 — it must not count for Xi'an
    hebi, hebi_officer = enterprise("hebi"), bureau("hebi")
    at(china(2025, 3, 1))
    h = file_case(hebi, "hebi", case_type="mediation")["id"]
    for to in ("accepted", "in_progress", "mediated", "closed"):
        move(hebi_officer, "hebi", h, to, note="说明")


def _compute(app, tenant, name, year):
    from ipservice.core.tenancy import tenant_context
    from ipservice.kpi.metrics import compute

    with app.app_context(), tenant_context(tenant):
        return compute(name, year)


def test_metrics_are_registered(app):
    from ipservice.kpi.metrics import known

    with app.app_context():
        assert {"pre_exam_filing_entities", "mediation_sessions", "determination_opinions",
                "assistance_enterprises", "case_closure_rate", "cases_closed",
                "median_days_to_close"} <= known()


EXPECTED = [
    ("pre_exam_filing_entities", 2023, 0), ("pre_exam_filing_entities", 2024, 1),
    ("pre_exam_filing_entities", 2025, 2),                       # cumulative, distinct entities
    ("mediation_sessions", 2024, 1), ("mediation_sessions", 2025, 0),  # 23:30 on 31 December in China
    ("determination_opinions", 2024, 1), ("determination_opinions", 2025, 0),
    ("assistance_enterprises", 2024, 2), ("assistance_enterprises", 2025, 1),
    ("cases_closed", 2024, 0), ("cases_closed", 2025, 2),
    ("case_closure_rate", 2023, None), ("case_closure_rate", 2024, 0.0), ("case_closure_rate", 2025, 25.0),
    ("median_days_to_close", 2024, None),
    ("median_days_to_close", 2025, ((dt.date(2025, 1, 2) - dt.date(2024, 5, 1)).days
                                    + (dt.date(2025, 1, 10) - dt.date(2024, 6, 1)).days) / 2),
]


def test_case_metrics(app, history_2024_2025):
    """One scenario, every metric in the years around it (the scenario is costly to build per metric)."""
    got = [(name, year, _compute(app, "xian", name, year)) for name, year, _expected in EXPECTED]
    assert got == EXPECTED


def test_metrics_stay_in_their_tenant(app, history_2024_2025):
    assert _compute(app, "hebi", "cases_closed", 2025) == 1
    assert _compute(app, "hebi", "mediation_sessions", 2025) == 1
    assert _compute(app, "hebi", "pre_exam_filing_entities", 2025) == 0
    assert _compute(app, "guangzhou", "case_closure_rate", 2025) is None


def test_stats_for_the_tenant(app, history_2024_2025):
    from ipservice.cases import services
    from ipservice.core.tenancy import tenant_context

    with app.app_context(), tenant_context("xian"):
        stats = services.stats()
    assert stats["total"] == 9
    assert stats["by_type"] == {"pre_exam_filing": 3, "mediation": 1, "determination": 1, "assistance": 4}
    assert stats["by_status"] == {"accepted": 5, "declined": 1, "closed": 2, "withdrawn": 1}
    assert stats["closure_rate"] == 0.25
    assert stats["median_days_to_close"] == ((dt.date(2025, 1, 2) - dt.date(2024, 5, 1)).days
                                             + (dt.date(2025, 1, 10) - dt.date(2024, 6, 1)).days) / 2
    with app.app_context(), tenant_context("guangzhou"):
        assert services.stats() == {"total": 0, "by_type": {}, "by_status": {}, "closure_rate": None,
                                    "median_days_to_close": None}
