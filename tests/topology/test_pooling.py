"""Transaction pooling under load: 200 concurrent submissions over both nodes through one pgbouncer whose
pool (5 server connections) is far smaller than the clients — each answered once, every 201 in the database,
no duplicate, no error from pooled prepared statements; and nothing a transaction sets (tenant, user,
timeouts) is left on the server connection for the next one."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import psycopg
from sqlalchemy import func, select

from tests.cases.conftest import case_body
from tests.conftest import bearer, register_enterprise
from tests.topology.clients import Browser

TENANT = "xian"
SUBMISSIONS = 200
CLIENTS = 40  # at once, against 5 server connections
POOL_ERRORS = re.compile(r"prepared statement|InFailedSqlTransaction|Traceback", re.IGNORECASE)


def _cases(app, ids=None):
    from ipservice.cases.models import Case
    from ipservice.core.idempotency import IdempotencyRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(TENANT):
        stored = list(db.session.scalars(select(Case.id)))
        unanswered = db.session.scalar(select(func.count()).select_from(IdempotencyRecord).where(
            IdempotencyRecord.status_code.is_(None)))
        seqs = sorted(db.session.scalars(select(Case.seq)))
    return stored, unanswered, seqs


def test_200_concurrent_submissions_over_both_nodes_through_a_small_pool(app, client, topology):
    owners = [register_enterprise(client, TENANT) for _ in range(20)]
    logged = [len(node.log_text()) for node in topology.nodes]
    jobs = [(owners[i % len(owners)], f"pool-{i}") for i in range(SUBMISSIONS)]

    def submit(job):
        owner, key = job
        r = Browser(topology).post(f"/t/{TENANT}/api/v1/cases", json=case_body(TENANT), timeout=120,
                                   headers={**bearer(owner["token"]), "Idempotency-Key": key})
        return r.status_code, r.json() if r.headers.get("Content-Type",
                                                        "").startswith("application/json") else r.text

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(submit, jobs))  # through nginx: round robin over the two nodes

    assert [code for code, _ in answers] == [201] * SUBMISSIONS, [a for a in answers if a[0] != 201][:5]
    ids = [body["id"] for _, body in answers]
    assert len(set(ids)) == SUBMISSIONS  # no duplicate
    stored, unanswered, seqs = _cases(app)
    # every 201 stored, nothing else, nothing half-done
    assert sorted(stored) == sorted(ids) and unanswered == 0
    assert seqs == list(range(1, SUBMISSIONS + 1))  # case numbers: no gap, no repeat
    for node, before in zip(topology.nodes, logged, strict=True):
        log = node.log_text() if before == 0 else node.log_path.read_text(errors="replace")[before:]
        assert "POST /t/xian/api/v1/cases" in log, f"{node.name} got none of the submissions"
        assert not POOL_ERRORS.search(log), POOL_ERRORS.search(log).group(0)


def test_no_transaction_leaves_its_tenant_or_timeouts_on_the_pooled_server_connection(app, client, topology):
    """After requests of tenant xian on both nodes, every server connection of the pool is taken at once by
    a raw transaction through pgbouncer: none of them still carries the tenant, the user or the statement
    timeout of a request (a session-level ``SET`` would leave them there for the next client)."""
    owner = register_enterprise(client, TENANT)
    for i in range(12):
        r = Browser(topology).get(f"/t/{TENANT}/api/v1/cases", i % 2, headers=bearer(owner["token"]))
        assert r.status_code == 200, r.text
    connections = [psycopg.connect(topology.bouncer_url(), prepare_threshold=None, connect_timeout=10)
                   for _ in range(topology.pool_size)]
    try:
        seen = [c.execute("SELECT pg_backend_pid(), coalesce(current_setting('app.tenant_id', true), ''), "
                          "coalesce(current_setting('app.user_id', true), ''), "
                          "current_setting('statement_timeout'), "
                          "current_user").fetchone() for c in connections]  # each holds its server connection
    finally:
        for c in connections:
            c.close()
    assert len({pid for pid, *_ in seen}) == topology.pool_size  # the whole pool, each server connection once
    for _pid, tenant, user, statement_timeout, role in seen:
        assert (tenant, user, statement_timeout, role) == ("", "", "0", topology.role), seen
