"""No overlapping custody period per enterprise, held by the database on SQLite and PostgreSQL: identical
racing submissions without Idempotency-Key file one enrollment, the others get 409."""
from tests.custody.custody_helpers import enrollment_body
from tests.racing import bearer, race

RACERS = 6


def test_racing_identical_enrollments_file_one(setup, live_server, app):
    e, b, agency = setup("xian")
    body = enrollment_body("xian", agency["id"])
    results = race(live_server, [("POST", "/t/xian/api/v1/custody-enrollments", bearer(e.token), body)
                                 for _ in range(RACERS)])
    codes = sorted(code for code, _b in results)
    assert codes == [201] + [409] * (RACERS - 1), results
    assert len(e.get("/t/xian/api/v1/custody-enrollments").get_json()) == 1


def test_racing_enrollments_of_many_enterprises_are_numbered_without_gaps(setup, enterprise, live_server,
                                                                          app):
    """Issue 20 (11): custody enrollments are numbered per tenant and year like cases and subsidies."""
    import datetime as dt

    from ipservice.core.types import CHINA

    e, b, agency = setup("xian")
    applicants = [e] + [enterprise("xian") for _ in range(RACERS - 1)]
    body = enrollment_body("xian", agency["id"])
    results = race(live_server, [("POST", "/t/xian/api/v1/custody-enrollments", bearer(a.token), body)
                                 for a in applicants])
    assert [code for code, _b in results] == [201] * RACERS, results
    year = dt.datetime.now(CHINA).year
    numbers = sorted(b_["number"] for _c, b_ in results)
    assert numbers == [f"XA-TG-{year}-{n:06d}" for n in range(1, RACERS + 1)]
    detail = b.get(f"/t/xian/api/v1/custody-enrollments/{results[0][1]['id']}").get_json()
    assert detail["number"] == results[0][1]["number"]
