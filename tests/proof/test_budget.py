"""Issue 18, budget: approvals charging one budget line serialize on its running total, so that the
warning — and where the district sets ``over = "refuse"``, the refusal — is exact whatever the
concurrency, and the stored total is the sum of the grants. The attack: 12 approvals of 500万 against the
5000万 line (Xi'an 三(二)2, pledge financing), made at once by two bureau users → 6000万 committed and no
warning."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from tests.certification.certification_helpers import submit as submit_certification
from tests.racing import bearer, race
from tests.subsidy.subsidy_helpers import decide, doc, filed, migration

RISK = "xian-2017-pledge-risk-compensation"  # 50% of the payout, at most 500万 a loan (二(四)4)
LINE = "xian-2017-fund-platform-financing"  # 5000万
OUTER = ("xian-2017-service-system-fund", "xian-2017-special-fund")
GRANT = 500 * 10000


def _submitted(enterprise, n: int) -> list[str]:
    e = enterprise("xian")
    return [filed(e, "xian", RISK, "2018-06-01", object_no=doc("DC"), base_amount_cny=2 * GRANT)["id"]
            for _ in range(n)]


def _totals(app) -> dict[str, int]:
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.subsidy.models import BudgetLineTotal

    with app.app_context(), tenant_context("xian"):
        out = dict(db.session.execute(select(BudgetLineTotal.budget, BudgetLineTotal.committed_cny)).all())
        db.session.remove()
        return out


def _race_approvals(live_server, bureaus, ids):
    return race(live_server, [("POST", f"/t/xian/api/v1/subsidy-applications/{a}/decision",
                               bearer(bureaus[i % 2].token),
                               {"decision": "approve"}) for i, a in enumerate(ids)])


@pytest.fixture
def refusing(app, monkeypatch):
    """Xi'an's pledge-financing line set to refuse an approval over it (no district sets it today)."""
    from ipservice.tenants import registry

    tenant = registry.of(app).get("xian")
    config = tenant.parts["subsidy"]
    budgets = tuple(dataclasses.replace(b, over="refuse") if b.code == LINE else b for b in config.budgets)
    monkeypatch.setitem(tenant.parts, "subsidy", dataclasses.replace(config, budgets=budgets))


def test_twelve_concurrent_approvals_against_a_line_that_fits_ten_warn_exactly_twice(
        app, enterprise, bureau, live_server):
    ids = _submitted(enterprise, 12)
    results = _race_approvals(live_server, [bureau("xian"), bureau("xian")], ids)
    assert [code for code, _b in results] == [200] * 12, results
    warnings = sorted(b["warning"] for _c, b in results if b["warning"])
    assert len(warnings) == 2, [b["warning"] for _c, b in results]
    assert "55,000,000" in warnings[0] and "5,000,000 元" in warnings[0]
    assert "60,000,000" in warnings[1] and "10,000,000 元" in warnings[1]
    totals = _totals(app)
    assert totals[LINE] == 12 * GRANT  # the stored total is the sum of the grants
    assert all(totals[code] == 12 * GRANT for code in OUTER)  # 1亿 and 5亿 hold it: no warning there
    report = bureau("xian").get("/t/xian/api/v1/subsidy-liability").get_json()
    assert {b["code"]: b["committed_cny"] for b in report["budgets"]}[LINE] == 12 * GRANT


def test_a_line_set_to_refuse_refuses_exactly_the_approvals_past_it(app, enterprise, bureau, live_server,
                                                                    refusing):
    ids = _submitted(enterprise, 12)
    results = _race_approvals(live_server, [bureau("xian"), bureau("xian")], ids)
    codes = sorted(code for code, _b in results)
    assert codes == [200] * 10 + [409] * 2, results
    assert all(b["warning"] is None for code, b in results if code == 200)
    refused = [b["message"] for code, b in results if code == 409]
    assert all("超出预算" in m and "不得超出" in m and "55,000,000" in m for m in refused), refused
    totals = _totals(app)
    assert all(totals[code] == 10 * GRANT for code in (LINE, *OUTER))
    b = bureau("xian")
    statuses = [b.get(f"/t/xian/api/v1/subsidy-applications/{a}").get_json()["status"] for a in ids]
    assert sorted(statuses) == ["approved"] * 10 + ["submitted"] * 2  # a refused approval changed nothing
    # a smaller grant that fits is still possible; English too
    left = next(a for a, s in zip(ids, statuses, strict=True) if s == "submitted")
    b.lang = "en"
    r = decide(b, "xian", left)
    assert r.status_code == 409 and "over its budget" in r.get_json()["message"]
    assert decide(b, "xian", left, amount_cny=0).status_code == 200


def test_a_verified_certification_is_charged_to_its_lines(app, enterprise, bureau):
    """贯标 3万元 (二(一)3) is charged to the 3000万 line within the 1亿 fund, as the liability counts it."""
    e, b = enterprise("xian"), bureau("xian")
    cert = submit_certification(e, "xian", issued_on="2018-03-01", expires_on="2021-02-28")
    assert b.post(f"/t/xian/api/v1/certifications/{cert['id']}/decision",
                  json={"decision": "verify"}).status_code == 200
    a = _submitted(enterprise, 1)[0]
    assert decide(b, "xian", a).status_code == 200
    totals = _totals(app)
    assert totals["xian-2017-fund-navigation-certification"] == 30000 and totals[LINE] == GRANT
    assert totals["xian-2017-service-system-fund"] == GRANT + 30000
    budgets = b.get("/t/xian/api/v1/subsidy-liability").get_json()["budgets"]
    lines = {x["code"]: x["committed_cny"] for x in budgets}
    assert all(lines[code] == totals[code] for code in totals)


def test_running_totals_start_from_the_grants_already_made(app, enterprise, bureau):
    """Existing data: migration 0013 counts the approved grants (and verified 贯标 records) of each line;
    a line without a row (configured later) is counted at its next approval the same way."""
    from ipservice.extensions import db
    from ipservice.subsidy.models import BudgetLineTotal

    b = bureau("xian")
    ids = _submitted(enterprise, 3)
    for a in ids[:2]:
        assert decide(b, "xian", a).status_code == 200
    before = _totals(app)

    step = migration("0013_subsidy_money")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(BudgetLineTotal.__table__.delete())
        step._across_tenants(conn)
        step.initialise_budget_totals(conn, app.extensions["ipservice.find_tenant"])
    assert _totals(app) == before and before[LINE] == 2 * GRANT

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(BudgetLineTotal.__table__.delete())
    assert decide(b, "xian", ids[2]).status_code == 200  # the rows are made, then charged
    assert _totals(app)[LINE] == 3 * GRANT
