"""One subsidy per object under real concurrency: 50 submissions claiming the same patent at once against
a real server with several worker processes (gunicorn), on the test database — SQLite by default,
PostgreSQL with IPSERVICE_TEST_DATABASE_URL. Exactly one wins; the others get 409 and take no number.
A yearly cap shared by racing applications is never exceeded either."""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from tests.cases.test_cases_concurrency import live_server  # noqa: F401 — gunicorn on the test database
from tests.subsidy.subsidy_helpers import doc, patent

RACERS = 50


def _race(base, jobs):
    barrier = threading.Barrier(len(jobs))

    def post(job):
        token, body = job
        barrier.wait(timeout=60)
        r = requests.post(f"{base}/t/hebi/api/v1/subsidy-applications", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=120)
        return r.status_code, r.json() if r.headers.get("Content-Type",
                                                        "").startswith("application/json") else r.text

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(post, jobs))


def _count(app, model, *where):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("hebi"):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_fifty_racing_claims_on_one_patent_one_wins(app, enterprise, live_server, tmp_root):  # noqa: F811
    applicants = [enterprise("hebi") for _ in range(10)]
    number = patent()
    body = {"rule": "hebi-2017-invention-patent-grant", "basis_date": "2019-06-01", "org_type": "enterprise",
            "patent_numbers": [number]}
    results = _race(live_server, [(applicants[i % 10].token, body) for i in range(RACERS)])
    codes = sorted(code for code, _b in results)
    log = "".join(p.read_text() for p in tmp_root.glob("gunicorn-*.log"))
    assert codes == [201] + [409] * (RACERS - 1), (codes, log)
    winner = next(b for code, b in results if code == 201)
    assert winner["estimate"]["amount_cny"] == 4000

    from ipservice.core import numbering
    from ipservice.core.tenancy import tenant_context
    from ipservice.subsidy.models import SubsidyApplication, SubsidyClaim

    assert _count(app, SubsidyApplication) == 1 and _count(app, SubsidyClaim) == 1
    with app.app_context(), tenant_context("hebi"):
        year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
        assert numbering.current_value("subsidy", year) == 1  # the losers' numbers were rolled back


def test_racing_applications_share_the_yearly_cap(app, enterprise, live_server):  # noqa: F811
    """Hebi 二-7: "年贴息不超过20万元". 20 loans of one borrower in 2019 at once, each 50% of 40,000 = 20,000:
    the estimates add up to 200,000 exactly, however the requests interleave."""
    e = enterprise("hebi")
    jobs = [(e.token, {"rule": "hebi-2017-pledge-financing-subsidy", "basis_date": "2019-04-01",
                       "org_type": "enterprise", "object_no": doc("DK"), "base_amount_cny": 40000,
                       "lender": "鹤壁某银行", "loan_amount_cny": 1000000}) for _ in range(20)]
    results = _race(live_server, jobs)
    assert all(code == 201 for code, _b in results), results
    estimates = sorted(b["estimate"]["amount_cny"] for _c, b in results)
    assert sum(estimates) == 200000 and estimates == [0] * 10 + [20000] * 10
