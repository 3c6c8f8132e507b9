"""One subsidy per organization and standard, held by the database: racing submissions of one organization
get the amount once, the others 0 with the reason (never a 500, never a second amount)."""
from tests.certification.certification_helpers import body
from tests.racing import bearer, race

RACERS = 5


def test_racing_certifications_of_one_organization_claim_the_subsidy_once(enterprise, live_server):
    e = enterprise("hebi")
    results = race(live_server, [("POST", "/t/hebi/api/v1/certifications", bearer(e.token), body())
                                 for _ in range(RACERS)])
    assert [code for code, _b in results] == [201] * RACERS, results
    amounts = sorted(b["subsidy_estimate"]["amount_cny"] for _c, b in results)
    assert amounts == [0] * (RACERS - 1) + [50000], amounts
    winner = next(b for _c, b in results if b["subsidy_estimate"]["amount_cny"])
    for _code, b in results:
        if b["subsidy_estimate"]["amount_cny"] == 0:
            assert winner["certificate_no"] in b["subsidy_estimate"]["explanation"]
    # what the records say when read back agrees
    listed = e.get("/t/hebi/api/v1/certifications").get_json()
    assert sorted(r["subsidy_estimate"]["amount_cny"] for r in listed) == amounts


def test_a_decision_another_officer_made_first_is_what_the_page_shows(app, enterprise, bureau, monkeypatch):
    """Between the page's read of the record and its conditional UPDATE another officer verifies it through
    the API (a request, connection and commit of its own): the page answers 409 and shows the record as it
    is stored now — verified, no decision form — in the same request, which no view rolls back any more
    (the conflict expires what the request had read)."""
    from ipservice.core import filing
    from tests.certification.certification_helpers import submit
    from tests.certification.test_certification_pages import _bureau_client
    from tests.conftest import csrf_from

    record = submit(enterprise("xian"), "xian")
    other = bureau("xian")
    # a decision before gives the budget lines their running-total rows (subsidy.budget.prepare): on SQLite
    # the page's request would otherwise hold the one write lock when the other officer's request comes
    earlier = submit(enterprise("xian"), "xian")
    assert other.post(f"/t/xian/api/v1/certifications/{earlier['id']}/decision",
                      json={"decision": "verify"}).status_code == 200
    page = _bureau_client(app, "xian")
    url = f"/t/xian/certifications/{record['id']}"
    before = page.get(url).get_data(as_text=True)
    assert 'name="decision"' in before
    real, done = filing.checked_decision, []

    def checked_then_overtaken(*args, **kwargs):
        answer = real(*args, **kwargs)
        if not done:
            done.append(True)
            with app.app_context():  # its own context: its own session and connection
                r = app.test_client().post(f"{url.replace('/t/xian/', '/t/xian/api/v1/')}/decision",
                                           json={"decision": "verify"}, headers=bearer(other.token))
            assert r.status_code == 200, r.get_json()
        return answer

    monkeypatch.setattr(filing, "checked_decision", checked_then_overtaken)
    r = page.post(f"{url}/decision",
                  data={"csrf_token": csrf_from(before), "decision": "reject", "reason": "迟了"})
    assert r.status_code == 409 and done
    shown = r.get_data(as_text=True)
    assert '<span class="badge verified">已核验</span>' in shown and 'name="decision"' not in shown
    assert other.get(f"/t/xian/api/v1/certifications/{record['id']}").get_json()["status"] == "verified"


def test_racing_submissions_are_numbered_without_gaps_or_duplicates(app, enterprise, live_server):
    """Issue 20 (11): every filing kind is numbered per tenant and year; numbers are taken as case and
    subsidy numbers are (core.numbering): concurrent submissions get 1..N, a refused one (a certificate
    number filed at the same moment) takes none."""
    import datetime as dt

    from ipservice.core import numbering
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.types import CHINA

    organizations = [enterprise("hebi") for _ in range(4)]
    shared = body()
    jobs = [("POST", "/t/hebi/api/v1/certifications", bearer(o.token), body()) for o in organizations]
    jobs += [("POST", "/t/hebi/api/v1/certifications", bearer(o.token), shared) for o in organizations[:2]]
    results = race(live_server, jobs)
    filed = [b for code, b in results if code == 201]
    assert sorted(code for code, _b in results) == [201] * 5 + [409], results
    year = dt.datetime.now(CHINA).year
    assert sorted(b["number"] for b in filed) == [f"HB-GB-{year}-{n:06d}" for n in range(1, 6)]
    with app.app_context(), tenant_context("hebi"):
        assert numbering.current_value("certification_records", year) == 5
    listed = organizations[0].get("/t/hebi/api/v1/certifications").get_json()
    assert all(r["number"].startswith(f"HB-GB-{year}-") for r in listed)
