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
