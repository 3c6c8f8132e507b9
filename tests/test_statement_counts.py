"""How many SQL statements a request sends (issue 14): a certification submitted through the API, the
bureau's list of 50 records and the KPI table of Xi'an. On PostgreSQL every statement is a round-trip, so
their number is the cost; an upper bound here keeps a per-row query or a reload after commit from creeping
back in. The bounds are the counts measured when they were set plus a little room, not timings."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.certification.test_certification_api import URL, body

# SQLite counts; PostgreSQL adds one statement per transaction (the role and tenant settings).
# the token brings the user and the organization in one query (two before); the record's INSERT runs in a
# SAVEPOINT (+ RELEASE: 2), so that another writer's certificate number undoes this record alone (issue 19);
# the record's number takes one UPDATE of its counter (issue 20)
# + the bureau's users to tell of the new filing with their settings, and their notifications (issue 21);
# issue 23: the Idempotency-Key claimed by one INSERT … ON CONFLICT (a look-up and an insert before), the
# duplicate number and the prior claim read in one query (two before), the bureau with its settings (two)
SUBMIT_MAX = 12
LIST_MAX = 5  # the page with its organizations (one join), its count, attachments and prior records, the user
# Xi'an's KPI table: one query per metric for all the years it shows (one per metric and year before: 29).
KPI_MAX = 8


@contextmanager
def statements(app, detail: bool = False):
    """The statements the block sends; with ``detail``, ``(statement, executemany, parameters)`` each."""
    from ipservice.extensions import db

    seen: list = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, executemany, parameters) if detail else statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _real(seen):
    """The statements without PostgreSQL's per-transaction settings (counted separately)."""
    return [s for s in seen if "set_config" not in s]


def test_a_certification_submission_sends_a_bounded_number_of_statements(app, enterprise, bureau):
    bureau("hebi")  # told of the new filing: its notification is part of the submission
    e = enterprise("hebi")
    assert e.post(URL.format("hebi"), json=body(certificate_no="WARM-0001")).status_code == 201
    with statements(app) as seen:
        r = e.post(URL.format("hebi"), json=body(certificate_no="COUNT-0001"),
                   headers={"Idempotency-Key": "count-0001"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["subsidy_estimate"]["explanation"]
    assert len(_real(seen)) <= SUBMIT_MAX, "\n".join(seen)
    assert len(seen) - len(_real(seen)) <= 1, "one transaction, one settings statement"


def test_the_bureaus_list_does_not_query_per_row(app, enterprise, bureau):
    """Records whose estimate names an earlier record that is not on the page (verified, the page lists the
    submitted ones), and records without one: the same few statements, none per row."""
    b = bureau("hebi")
    for n in range(30):
        e = enterprise("hebi")
        first = e.post(URL.format("hebi"), json=body(certificate_no=f"LIST-{n:02d}-0")).get_json()
        if n < 20:  # the second record of the same standard gets 0, naming the first, which is verified
            assert b.post(f"{URL.format('hebi')}/{first['id']}/decision",
                          json={"decision": "verify"}).status_code == 200
            assert e.post(URL.format("hebi"), json=body(certificate_no=f"LIST-{n:02d}-1")).status_code == 201
    with statements(app) as seen:
        r = b.get(URL.format("hebi") + "?status=submitted&page_size=50")
    assert r.status_code == 200
    rows = r.get_json()
    assert len(rows) == 30 and sum(row["subsidy_estimate"]["amount_cny"] == 0 for row in rows) == 20
    assert all("LIST-" in row["subsidy_estimate"]["explanation"] for row in rows
               if row["subsidy_estimate"]["amount_cny"] == 0)
    assert len(_real(seen)) <= LIST_MAX, "\n".join(seen)


def test_the_kpi_table_counts_each_metric_once_for_all_its_years(app, client):
    url = "/t/xian/api/v1/kpis?year=2025"
    assert client.get(url).status_code == 200
    with statements(app) as seen:
        r = client.get(url)
    assert r.status_code == 200 and r.get_json()
    assert len(_real(seen)) <= KPI_MAX, "\n".join(seen)
