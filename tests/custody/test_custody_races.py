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
