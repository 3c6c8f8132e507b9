"""Faults against a real gunicorn (issue 13), marked ``fault``:

- a worker killed with SIGKILL in the middle of concurrent submissions of every filing kind: every 201 a
  client received is in the database with its audit event; nothing is half-written (no filing without its
  ``<kind>.submitted`` event, no event without its filing, no idempotency key without its answer); case
  numbers have no gap (the number is taken in the transaction that files the case, so a killed request
  gives its number back); and a request that got no answer, retried with its Idempotency-Key, files at
  most once — after the retries every submission has exactly one filing;
- PostgreSQL stopped and started under load (a throwaway cluster, never the shared server): while it is
  down every answer is 503 with Retry-After (the API's JSON error, the error page), after it is back the
  same gunicorn master and workers answer again.

And the 503 itself, in-process: an app whose database does not answer.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from ipservice.core import filing
from tests.cases.conftest import case_body
from tests.conftest import PG_URL, Api, create_user, make_uscc, register_enterprise
from tests.proof import servers
from tests.proof import world as W

TENANT = W.HOME
PER_KIND = 20
KILL_AT = (PER_KIND, PER_KIND * 2)  # after a third and two thirds of the answers (three kinds)


def _bodies(client, app, kinds, enterprises):
    """(kind, enterprise, body): PER_KIND submissions of every kind, each enterprise filing a kind once."""
    jobs = []
    for kind in kinds:
        assert kind.name in W.EXAMPLES, \
            f"filing kind {kind.name!r}: add a valid body to tests/proof/world.py EXAMPLES"
        for e in enterprises:
            jobs.append((kind, e, W.EXAMPLES[kind.name](TENANT, Api(client, e["token"]))))
    return jobs


def _post(base, kind, app, e, body, key):
    path = W.collection_rule(app, kind).replace("<tenant>", TENANT)
    try:
        r = requests.post(base + path, json=body, timeout=60,
                          headers={"Authorization": f"Bearer {e['token']}", "Idempotency-Key": key})
    except requests.RequestException as exc:  # the worker died under this request: no answer
        return None, repr(exc)
    return r.status_code, (r.json() if r.headers.get("Content-Type",
                                                     "").startswith("application/json") else r.text)


def _db_state(app, kinds):
    from ipservice.cases.models import Case
    from ipservice.core import numbering
    from ipservice.core.audit import AuditEvent
    from ipservice.core.idempotency import IdempotencyRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.types import CHINA
    from ipservice.extensions import db

    with app.app_context(), tenant_context(TENANT):
        filings = {k.name: set(db.session.scalars(select(k.model.id))) for k in kinds}
        events = {k.name: list(db.session.scalars(select(AuditEvent.object_id).where(
            AuditEvent.action == f"{k.object_type}.submitted"))) for k in kinds}
        unanswered_keys = db.session.scalar(select(func.count()).select_from(IdempotencyRecord).where(
            IdempotencyRecord.status_code.is_(None)))
        year = dt.datetime.now(CHINA).year
        seqs = sorted(db.session.scalars(select(Case.seq).where(Case.year == year)))
        counter = numbering.current_value("case", year)
    return filings, events, unanswered_keys, seqs, counter


@pytest.mark.fault
def test_a_worker_killed_mid_stream_loses_no_answered_filing(app, client, tmp_path):
    kinds = filing.kinds(app)
    create_user(app, "fault-bureau@xian.gov.cn", "bureau", TENANT)
    helper = register_enterprise(client, TENANT)
    W._run_demo_loaders(app, TENANT, "fault-bureau@xian.gov.cn", helper["email"])  # agencies etc.
    enterprises = [register_enterprise(client, TENANT) for _ in range(PER_KIND)]
    jobs = _bodies(client, app, kinds, enterprises)
    jobs = [(k, e, b, f"fault-{k.name}-{i}") for i, (k, e, b) in enumerate(jobs)]
    jobs = jobs[0::3] + jobs[1::3] + jobs[2::3]  # kinds interleaved
    before = _db_state(app, kinds)

    with servers.Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path,
                          app_role=app.config.get("IPSERVICE_DB_APP_ROLE", "")) as server:
        done, killed = [], []
        lock = threading.Lock()

        def submit(job):
            kind, e, body, key = job
            result = _post(server.base, kind, app, e, body, key)
            with lock:
                done.append(result)
                if len(done) in KILL_AT:  # kill a worker while the others' requests are in flight
                    victim = min(server.workers() - {v for v, _t in killed})
                    os.kill(victim, signal.SIGKILL)
                    killed.append((victim, time.monotonic()))
            return result

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(submit, jobs))
        assert len(killed) == len(KILL_AT)
        server.wait_until(lambda: len(server.workers()) == server.expected_workers, 30)
        assert not {v for v, _t in killed} & server.workers() and server.proc.poll() is None

        codes = [code for code, _b in results]
        assert all(code is None or code < 500 for code in codes), (codes, server.log_text())
        answered = [(job, body) for job, (code, body) in zip(jobs, results, strict=True) if code == 201]
        lost = [job for job, (code, _b) in zip(jobs, results, strict=True) if code is None]
        assert all(code in (201, None) for code in codes), [r for r in results if r[0] not in (201, None)]
        assert len(answered) > len(jobs) * 3 // 4  # the service went on answering after the kills

        # every 201 is in the database, with its audit event
        filings, events, unanswered_keys, seqs, counter = _db_state(app, kinds)
        for (kind, _e, _b, _k), body in answered:
            assert body["id"] in filings[kind.name], (kind.name, body["id"])
        # nothing half-written
        for kind in kinds:
            assert sorted(events[kind.name]) == sorted(filings[kind.name]), kind.name
        assert unanswered_keys == 0
        assert seqs == list(range(1, counter + 1)), (seqs, counter)

        # what got no answer is retried with its key: each submission ends with exactly one filing
        for kind, e, body, key in lost:
            code, answer = _post(server.base, kind, app, e, body, key)
            assert code == 201, (code, answer)
    filings, events, unanswered_keys, seqs, counter = _db_state(app, kinds)
    for kind in kinds:
        assert len(filings[kind.name]) - len(before[0][kind.name]) == PER_KIND, kind.name
        assert sorted(events[kind.name]) == sorted(filings[kind.name])
    assert seqs == list(range(1, counter + 1))


@pytest.mark.fault
@pytest.mark.postgres
def test_postgres_restarted_under_load_is_503_then_recovers_without_restarting_gunicorn(tmp_path):
    with _gunicorn_on_a_throwaway_postgres(tmp_path, threads=2) as (pg, server):
        _restart_under_load(pg, server)


@contextlib.contextmanager
def _gunicorn_on_a_throwaway_postgres(tmp_path, threads: int, env: dict | None = None):
    """A PostgreSQL cluster of the test's own, migrated, and gunicorn (2 workers) on it as the app role."""
    if not PG_URL:
        pytest.skip("runs in the PostgreSQL leg of the suite (IPSERVICE_TEST_DATABASE_URL): it needs the "
                    "server binaries, for a throwaway cluster")
    pg = servers.ThrowawayPostgres()
    reason = pg.unavailable()
    if reason:
        pytest.skip(reason)
    with pg:
        _migrate(pg.url, tmp_path)
        server = servers.Gunicorn(pg.url, tmp_path, workers=2, threads=threads, app_role="ipservice_app")
        server.env.update(env or {})
        with server:
            yield pg, server


# Short timeouts for the frozen database (seconds): a statement's client deadline is 2 + 1, connecting 2.
FROZEN_ENV = {"IPSERVICE_DB_STATEMENT_TIMEOUT": "2", "IPSERVICE_DB_LOCK_TIMEOUT": "1",
              "IPSERVICE_DB_CONNECT_TIMEOUT": "2", "IPSERVICE_DB_POOL_TIMEOUT": "2",
              "IPSERVICE_DB_READY_TIMEOUT": "1"}
FROZEN_FOR = 10  # seconds: longer than a statement's deadline and a connection's timeout together
ANSWER_WITHIN = 15  # a request not answered by then hangs (the client's timeout)


@pytest.mark.fault
@pytest.mark.postgres
def test_postgres_frozen_under_load_is_503_within_the_timeouts_and_health_stays_up(tmp_path):
    """Issue 18: the database frozen (SIGSTOP: it neither answers nor refuses) under load against a real
    gunicorn. Every request that needs the database answers 503 with Retry-After once its timeouts run out
    (none hangs, none is a 500), ``/api/v1/health`` answers all along without the database,
    ``/api/v1/health/ready`` says 503; after SIGCONT the same workers serve again."""
    with _gunicorn_on_a_throwaway_postgres(tmp_path, threads=4, env=FROZEN_ENV) as (pg, server):
        _freeze_under_load(pg, server)


def _timed_get(log, url, headers, kind):
    t0 = time.monotonic()
    try:
        r = requests.get(url, headers=headers, timeout=ANSWER_WITHIN)
        log.append((t0, time.monotonic(), kind, r.status_code, r.headers.get("Retry-After"), r.text[:200]))
    except requests.RequestException as exc:
        log.append((t0, time.monotonic(), kind, None, None, repr(exc)))


def _freeze_under_load(pg, server) -> None:
    token = _enterprise_token(server)
    targets = {"api": (f"{server.base}/t/{TENANT}/api/v1/cases", {"Authorization": f"Bearer {token}"}),
               "page": (f"{server.base}/t/{TENANT}/", {}),
               "ready": (f"{server.base}/api/v1/health/ready", {})}
    health = f"{server.base}/api/v1/health"
    workers = server.workers()
    log, stop = [], threading.Event()

    def load(kinds):
        while not stop.is_set():  # bounded: stop is set in the finally below
            for kind in kinds:
                _timed_get(log, *targets[kind], kind)
            time.sleep(0.05)

    def live():
        while not stop.is_set():
            _timed_get(log, health, {}, "health")
            time.sleep(0.2)

    threads = [threading.Thread(target=load, args=(kinds,), daemon=True)
               for kinds in (("api", "page"), ("page", "api"), ("ready",))]
    threads.append(threading.Thread(target=live, daemon=True))
    for t in threads:
        t.start()
    pids = None
    try:
        time.sleep(1)
        pids = pg.freeze()
        frozen_at = time.monotonic()
        time.sleep(FROZEN_FOR)
        thawed_at = time.monotonic()
        pg.thaw(pids)
        pids = None
        deadline = thawed_at + 30
        while time.monotonic() < deadline and not all(
                requests.get(u, headers=h,
                             timeout=ANSWER_WITHIN).status_code == 200 for u, h in targets.values()):
            time.sleep(0.2)
        recovered_at = time.monotonic()
        time.sleep(2)
    finally:
        if pids:
            pg.thaw(pids)
        stop.set()
        for t in threads:
            t.join(timeout=ANSWER_WITHIN + 5)

    hung = [e for e in log if e[3] is None]
    assert not hung, hung[:5]  # every request answered (within the client's timeout)
    assert all(e[3] < 500 or e[3] == 503 for e in log), [e for e in log if e[3] >= 500 and e[3] != 503][:5]
    during = [e for e in log if e[0] > frozen_at + 0.2 and e[1] < thawed_at]
    for kind in ("api", "page", "ready"):
        answers = [e for e in during if e[2] == kind]
        assert answers, f"no {kind} request answered while the database was frozen"
        assert all(e[3] == 503 and e[4] == "2" for e in answers), [e for e in answers if e[3] != 503][:5]
    lives = [e for e in log if e[2] == "health" and frozen_at < e[0] < thawed_at]
    assert len(lives) >= FROZEN_FOR, lives  # asked every 0.2 s: answered without waiting for the database
    assert all(e[3] == 200 for e in lives), [e for e in lives if e[3] != 200][:5]
    assert recovered_at - thawed_at < 30, "not recovered within 30 s of SIGCONT"
    after = [e for e in log if e[0] > recovered_at + 0.5]
    assert after and all(e[3] == 200 for e in after), [e for e in after if e[3] != 200][:5]
    assert server.proc.poll() is None and server.workers() == workers  # the same processes recovered


def _enterprise_token(server) -> str:
    s = requests.Session()
    reg = s.post(f"{server.base}/t/{TENANT}/api/v1/register", json={
        "name": "冻结测试科技有限公司", "uscc": make_uscc(), "email": "frozen@xian.example.cn",
        "password": "Qing-He-Bridge-1987", "contact_name": "李四", "contact_phone": "029-88886666"})
    assert reg.status_code == 201, reg.text
    return s.post(f"{server.base}/api/v1/auth/token", json={
        "email": "frozen@xian.example.cn", "password": "Qing-He-Bridge-1987"}).json()["token"]


def _migrate(url: str, tmp_path) -> None:
    """The schema by the migrations, as the owner, in a process of its own (an app created here would
    rebind the test process's rate limiter to this database); the app role granted as deployment does."""
    import subprocess
    import sys

    from tests.conftest import _grant_postgres, _prepare_postgres

    _prepare_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "IPSERVICE_INSTANCE_PATH": str(tmp_path / "migrate-instance")}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=servers.ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    _grant_postgres(url)


def _restart_under_load(pg, server) -> None:
    s = requests.Session()
    reg = s.post(f"{server.base}/t/{TENANT}/api/v1/register", json={
        "name": "重启测试科技有限公司", "uscc": make_uscc(), "email": "restart@xian.example.cn",
        "password": "Qing-He-Bridge-1987", "contact_name": "李四", "contact_phone": "029-88886666"})
    assert reg.status_code == 201, reg.text
    token = s.post(f"{server.base}/api/v1/auth/token", json={
        "email": "restart@xian.example.cn", "password": "Qing-He-Bridge-1987"}).json()["token"]
    api = (f"{server.base}/t/{TENANT}/api/v1/cases", {"Authorization": f"Bearer {token}"})
    page = (f"{server.base}/t/{TENANT}/", {})
    for url, headers in (api, page):
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
    workers = server.workers()

    log, stop = [], threading.Event()

    def load():
        while not stop.is_set():  # bounded by the test's phases below (stop is always set)
            for url, headers in (api, page):
                t0 = time.monotonic()
                try:
                    r = requests.get(url, headers=headers, timeout=15)
                    log.append((t0, time.monotonic(), url, r.status_code, r.headers.get("Retry-After"),
                                r.headers.get("Content-Type", ""), r.text[:300]))
                except requests.RequestException as exc:
                    log.append((t0, time.monotonic(), url, None, None, "", repr(exc)))
            time.sleep(0.05)

    threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        pg.stop("fast")
        down_from = time.monotonic()
        time.sleep(3)
        down_to = time.monotonic()
        # one more of each, explicitly, while down
        r_api = requests.get(api[0], headers=api[1], timeout=15)
        r_page = requests.get(page[0], timeout=15)
        pg.start()
        up_at = time.monotonic()
        deadline = up_at + 30
        while time.monotonic() < deadline and not all(
                requests.get(u, headers=h, timeout=15).status_code == 200 for u, h in (api, page)):
            time.sleep(0.2)
        recovered_at = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    assert r_api.status_code == 503 and r_api.headers.get("Retry-After") == "2", \
        (r_api.status_code, r_api.text)
    assert r_api.json()["code"] == 503 and r_api.json()["message"]
    assert r_page.status_code == 503 and r_page.headers.get("Retry-After") == "2"
    assert r_page.headers["Content-Type"].startswith("text/html") and "503" in r_page.text
    during = [e for e in log if e[0] > down_from + 0.5 and e[1] < down_to]
    assert during, "no request while the database was down"
    assert all(e[3] == 503 and e[4] == "2" for e in during), [e for e in during if e[3] != 503][:5]
    assert all(e[3] is not None and e[3] < 500 or e[3] == 503 for e in log), \
        [e for e in log if e[3] is None or (e[3] >= 500 and e[3] != 503)][:5]
    assert recovered_at - up_at < 30, "not recovered within 30 s of the database's restart"
    after = [e for e in log if e[0] > recovered_at + 0.5]
    assert after and all(e[3] == 200 for e in after), [e for e in after if e[3] != 200][:5]
    # recovered by the same processes: no worker was restarted, the master neither
    assert server.proc.poll() is None and server.workers() == workers
    r = requests.post(f"{server.base}/t/{TENANT}/api/v1/cases", json=case_body(TENANT), headers=api[1],
                      timeout=15)
    assert r.status_code == 201, r.text


def test_an_unreachable_database_is_503_with_retry_after_in_the_users_language(app, client):
    """In-process: while every statement fails as with a database that is gone, a request that needs the
    database is 503 with Retry-After — JSON on the API, the error page elsewhere — never a 500. (Not a
    second app: the rate limiter is bound to the last app created in the process.)"""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from ipservice.extensions import db

    def gone(*_args, **_kw):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", gone)
    try:
        r = client.get("/t/xian/api/v1/cases", headers={"Authorization": "Bearer x", "Accept-Language": "en"})
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.get_json() == {"code": 503, "status": "Service Unavailable",
                                "message": "Service temporarily unavailable."}
        r = client.get("/t/xian/api/v1/cases", headers={"Authorization": "Bearer x"})
        assert r.get_json()["message"] == "服务暂时不可用。"
        r = client.get("/t/xian/", headers={"Accept-Language": "en"})
        assert r.status_code == 503 and r.headers["Retry-After"] == "5" and r.mimetype == "text/html"
        assert "Service temporarily unavailable." in r.get_data(as_text=True)
        assert client.get("/api/v1/tenants").status_code == 200  # what needs no database still answers
    finally:
        event.remove(engine, "before_cursor_execute", gone)
    assert client.get("/t/xian/").status_code == 200  # and the next request, the database back, is served


def test_workers_starting_together_compile_the_catalogs_without_tripping_over_each_other(tmp_path):
    """Found by the fault tests: two gunicorn workers of a fresh instance compiled into one temporary file,
    and the second one's rename failed (the worker died at boot)."""
    from ipservice.config import Config
    from ipservice.core.i18n import compile_catalogs

    errors = []

    def compile_once():
        try:
            compile_catalogs(Path(Config.TRANSLATIONS_DIR), tmp_path / "translations")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=compile_once) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert list((tmp_path / "translations").rglob("*.mo"))
    assert not list((tmp_path / "translations").rglob("*.tmp"))
