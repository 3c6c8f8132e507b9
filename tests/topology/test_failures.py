"""Failures of the topology: an app node killed (SIGKILL, master and workers) in the middle of submissions —
nginx sends the next requests to the other node, a client that retries with its Idempotency-Key gets its
filing exactly once, nothing answered is lost; PostgreSQL restarted behind pgbouncer (a throwaway cluster) —
503 with Retry-After while it is down, then answers again with nothing restarted."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from tests.cases.conftest import case_body
from tests.conftest import PG_URL, bearer, make_uscc, register_enterprise
from tests.proof import servers
from tests.topology import stack
from tests.topology.clients import Browser, Load
from tests.topology.conftest import skip_reason

TENANT = "xian"
SUBMISSIONS = 60
KILL_AFTER = 20  # answers


def _submit(topology, owner, key, body):
    try:
        r = Browser(topology).post(f"/t/{TENANT}/api/v1/cases", json=body, timeout=120,
                                   headers={**bearer(owner["token"]), "Idempotency-Key": key})
    except requests.RequestException as exc:
        return time.monotonic(), None, repr(exc)
    return time.monotonic(), r.status_code, r.json() if r.status_code < 500 else r.text[:200]


def _stored(app):
    from ipservice.cases.models import Case
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(TENANT):
        return list(db.session.scalars(select(Case.id)))


def test_a_node_killed_mid_load_loses_nothing_and_nginx_sends_the_rest_to_the_other(app, client, topology):
    owners = [register_enterprise(client, TENANT) for _ in range(10)]
    jobs = [(owners[i % len(owners)], f"kill-{i}", case_body(TENANT)) for i in range(SUBMISSIONS)]
    done, killed_at = [], []
    lock = threading.Lock()

    def submit(job):
        started = time.monotonic()
        result = _submit(topology, *job)
        with lock:
            done.append(result)
            if len(done) == KILL_AFTER:  # the others' requests are in flight
                topology.nodes[0].kill()
                killed_at.append(time.monotonic())
        return (started, *result)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(submit, jobs))
        assert killed_at and topology.nodes[0].proc.wait(timeout=10) == -9  # the node died of SIGKILL
        codes = [code for _s, _e, code, _b in results]
        assert set(codes) <= {201, 502, None}, [r for r in results if r[2] not in (201, 502, None)][:5]
        # the next requests, sent with the node dead, all reach the other node through nginx (sent now, not
        # picked from the load by their time: on a fast machine the load may be over when the node dies)
        after = {}
        for i in range(8):
            key = f"after-kill-{i}"
            _t, code, answer = _submit(topology, owners[i % len(owners)], key, case_body(TENANT))
            assert code == 201, (key, code, answer)
            after[key] = answer["id"]
        first = {job[1]: body["id"]
                 for job, (_s, _e, code, body) in zip(jobs, results, strict=True) if code == 201}
        stored = set(_stored(app))
        assert set(first.values()) <= stored  # every 201 is in the database

        # every client retries with its key (those without an answer must; the others may): one filing each
        for owner, key, body in jobs:
            _t, code, answer = _submit(topology, owner, key, body)
            assert code == 201, (key, code, answer)
            assert first.setdefault(key, answer["id"]) == answer["id"], key
        # exactly one filing per submission
        assert sorted(_stored(app)) == sorted([*first.values(), *after.values()])
        assert len(first) == SUBMISSIONS
    finally:
        topology.restart_node(0)


# --- PostgreSQL restarted behind pgbouncer --------------------------------------------------------------

APP_PASSWORD = "restart-pass-4Kd"


def _migrate(pg_url: str, workdir) -> None:
    """As deployment does it (docs/deploy.md section 1): ``db upgrade`` as the owner (a process of its own),
    then the app role with a password (what ``db create-app-role … --password`` runs)."""
    from sqlalchemy import create_engine

    from ipservice.core.dbroles import create_app_role

    env = {**os.environ, "DATABASE_URL": pg_url, "IPSERVICE_INSTANCE_PATH": str(workdir / "migrate-instance")}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=servers.ROOT,
                   env=env, check=True, capture_output=True, timeout=180)
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            create_app_role(conn, "ipservice_app", APP_PASSWORD)
    finally:
        engine.dispose()


def test_postgres_restarted_behind_pgbouncer_is_503_then_recovers_with_nothing_restarted(tmp_path):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    pg = servers.ThrowawayPostgres()
    reason = pg.unavailable()
    if reason:
        pytest.skip(reason)
    assert PG_URL
    with pg:
        _migrate(pg.url, tmp_path)
        with stack.Stack(pg.url, "ipservice_app", APP_PASSWORD, redis_db=15, nodes=1,
                         env={"IPSERVICE_RETRY_AFTER": "2"}) as topo:
            _restart_under_load(pg, topo)


def _restart_under_load(pg, topo) -> None:
    visitor = Browser(topo)
    reg = visitor.post(f"/t/{TENANT}/api/v1/register", json={
        "name": "重启测试科技有限公司", "uscc": make_uscc(), "email": "restart@xian.example.cn",
        "password": "Qing-He-Bridge-1987", "contact_name": "李四", "contact_phone": "029-88886666"})
    assert reg.status_code == 201, reg.text
    token = visitor.post("/api/v1/auth/token", json={"email": "restart@xian.example.cn",
                                                      "password": "Qing-He-Bridge-1987"}).json()["token"]
    targets = [(f"/t/{TENANT}/api/v1/cases", bearer(token)), (f"/t/{TENANT}/", {})]
    processes = {p.name: p.proc.pid for p in topo.processes}
    with Load(topo, targets) as load:
        time.sleep(1)
        pg.stop("fast")
        down_from = time.monotonic()
        time.sleep(3)
        down_to = time.monotonic()
        pg.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
                Browser(topo).get(p, headers=h, timeout=30).status_code == 200 for p, h in targets):
            time.sleep(0.3)
        recovered_at = time.monotonic()
        time.sleep(1)
    log = load.log
    assert all(e[3] is not None for e in log), [e for e in log if e[3] is None][:5]  # none hung, none dropped
    assert all(e[3] in (200, 503) for e in log), [e for e in log if e[3] not in (200, 503)][:5]
    down = [e for e in log if e[0] > down_from + 0.2 and e[1] < down_to]
    assert down and all(e[3] == 503 and e[4] == "2" for e in down), [e for e in down if e[3] != 503][:5]
    assert recovered_at < deadline, "not answering 200 again within 60 s of the restart"
    after = [e for e in log if e[0] > recovered_at]
    assert after and all(e[3] == 200 for e in after), [e for e in after if e[3] != 200][:5]
    assert {p.name: p.proc.pid for p in topo.processes} == processes
    assert all(p.alive() for p in topo.processes)
