"""Issue 18, timeouts: a request whose database does not answer in time is 503 with Retry-After — the API's
JSON error in the user's language, the error page elsewhere — never a 500 and never a hung request; the
liveness check answers without the database; the rate limiter's store failing is 503 too, in its header
hook after the view as well.

In-process, on the suite's database: a table held locked by another connection (lock and statement
timeouts on PostgreSQL, the busy timeout on SQLite), the pool's connections all taken (the pool timeout),
the rate-limit store failing. A frozen PostgreSQL under a real gunicorn is ``test_faults.py``'s; Redis
unreachable under a real gunicorn is below (marked ``fault``).
"""
from __future__ import annotations

import contextlib
import sqlite3

import pytest
import requests
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tests.cases.conftest import case_body
from tests.conftest import DEMO_PASSWORD, Api, csrf_from, register_enterprise
from tests.proof import servers

ZH, EN = "服务暂时不可用。", "Service temporarily unavailable."


def _assert_503(r, html: bool = False, english: bool = True):
    assert r.status_code == 503, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.headers["Retry-After"] == "5"
    if html:
        assert r.mimetype == "text/html" and (EN if english else ZH) in r.get_data(as_text=True)
    else:
        assert r.get_json() == {"code": 503, "status": "Service Unavailable",
                                "message": EN if english else ZH}


@contextlib.contextmanager
def _cases_locked(app):
    """Another transaction holds the cases table (PostgreSQL: ACCESS EXCLUSIVE, reads wait too) or the
    database file's write lock (SQLite)."""
    from ipservice.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
            yield
            conn.rollback()
    else:
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


@pytest.fixture
def short_timeouts(app, monkeypatch):
    """Lock and busy timeouts short enough for a test (SQLite's busy timeout is read as a connection is
    made: the pool is emptied before and after)."""
    from ipservice.extensions import db

    monkeypatch.setitem(app.config, "IPSERVICE_DB_LOCK_TIMEOUT", 0.3)
    monkeypatch.setitem(app.config, "IPSERVICE_SQLITE_BUSY_TIMEOUT", 0.3)
    with app.app_context():
        db.engine.dispose()
    yield app.config
    monkeypatch.undo()
    with app.app_context():
        db.engine.dispose()


def test_a_write_that_waits_on_a_lock_past_the_lock_timeout_is_503(app, client, short_timeouts):
    api = Api(client, register_enterprise(client, "xian")["token"], lang="en")
    with _cases_locked(app):
        _assert_503(api.post("/t/xian/api/v1/cases", json=case_body()))
        _assert_503(Api(client, api.token).post("/t/xian/api/v1/cases", json=case_body()), english=False)
    assert api.post("/t/xian/api/v1/cases", json=case_body()).status_code == 201  # the lock gone: served


def test_a_statement_that_runs_out_of_its_statement_timeout_is_503(app, client, short_timeouts, is_postgres,
                                                                   monkeypatch):
    if not is_postgres:
        pytest.skip("statement_timeout is PostgreSQL's (SQLite's wait is its busy timeout, above)")
    # the statement timeout alone ends the wait
    monkeypatch.setitem(app.config, "IPSERVICE_DB_LOCK_TIMEOUT", 0)
    monkeypatch.setitem(app.config, "IPSERVICE_DB_STATEMENT_TIMEOUT", 0.3)
    token = register_enterprise(client, "xian")["token"]
    with _cases_locked(app):
        _assert_503(Api(client, token, lang="en").get("/t/xian/api/v1/cases"))
        _assert_503(client.get("/t/xian/overview", headers={"Accept-Language": "en"}), html=True)


def test_the_transaction_carries_the_configured_timeouts(app, is_postgres):
    """Per transaction (set_config(…, true)), so that a transaction-pooling pgbouncer keeps them."""
    if not is_postgres:
        pytest.skip("PostgreSQL settings")
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("xian"):
        got = db.session.execute(text("SELECT current_setting('statement_timeout'), "
                                      "current_setting('lock_timeout')")).one()
        db.session.rollback()
    assert tuple(got) == ("10s", "5s")


def test_no_free_connection_within_the_pool_timeout_is_503(app, client):
    """Every connection of the pool taken (a pool timeout, SQLAlchemy's TimeoutError): 503, not a 500."""
    from ipservice.extensions import db

    with app.app_context():
        engine = db.engine
    token = register_enterprise(client, "xian")["token"]
    pool = engine.pool
    held = [engine.connect() for _ in range(pool.size() + getattr(pool, "_max_overflow", 10))]
    try:
        _assert_503(Api(client, token, lang="en").get("/t/xian/api/v1/cases"))
        _assert_503(client.get("/t/xian/overview"), html=True, english=False)
        assert client.get("/api/v1/health").get_json() == {"status": "ok"}  # liveness needs no connection
    finally:
        for conn in held:
            conn.close()
    assert Api(client, token).get("/t/xian/api/v1/cases").status_code == 200


@contextlib.contextmanager
def _rate_limit_store_gone_after_the_view():
    """The database goes away after the view has written its audit event: the rate limiter's hit and
    checks before the view were answered, its reads in the header hook after the view are not."""
    view_done = []

    def fail(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            view_done.append(True)
        elif view_done and "rate_limits" in statement:
            raise OperationalError(statement, {}, ConnectionResetError("server closed the connection"))

    event.listen(Engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", fail)


def test_the_rate_limiters_header_hook_failing_after_the_view_is_503(app, client, monkeypatch):
    """Found by the attack: the limiter's header hook reads its store after the view, and its database
    error was a 500. (PROPAGATE_EXCEPTIONS off, as in production: the test app lets errors through.)"""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    info = register_enterprise(client, "xian")
    with _rate_limit_store_gone_after_the_view():
        r = client.post("/api/v1/auth/token", json={"email": info["email"], "password": DEMO_PASSWORD},
                        headers={"Accept-Language": "en"})
        _assert_503(r)
    with _rate_limit_store_gone_after_the_view():
        r = client.post("/api/v1/auth/token", json={"email": info["email"], "password": "wrong-password-1"})
        _assert_503(r, english=False)
    assert client.post("/api/v1/auth/token", json={"email": info["email"], "password": DEMO_PASSWORD}
                       ).status_code == 200


@pytest.mark.fault
def test_redis_unreachable_for_the_rate_limits_is_503_on_api_and_pages(app, tmp_path):
    """The rate-limit store in Redis, and Redis not there: a limited endpoint answers 503 with Retry-After
    (it was a 500: redis's ConnectionError was handled nowhere); what is not limited is served."""
    server = servers.Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=1, threads=2,
                              app_role=app.config.get("IPSERVICE_DB_APP_ROLE", ""))
    server.env.update(IPSERVICE_RATELIMIT="1",
                      RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{servers.free_port()}/4")
    with server:
        r = requests.post(server.base + "/api/v1/auth/token", json={"email": "a@b.cn", "password": "x" * 10},
                          headers={"Accept-Language": "en"}, timeout=30)
        assert r.status_code == 503 and r.headers["Retry-After"] == "2", (r.status_code, r.text[:300])
        assert r.json() == {"code": 503, "status": "Service Unavailable", "message": EN}
        page = requests.Session()
        form = page.get(server.base + "/login", timeout=30)
        r = page.post(server.base + "/login", timeout=30, data={
            "email": "a@b.cn", "password": "x" * 10, "csrf_token": csrf_from(form.text)})
        assert r.status_code == 503 and r.headers["Retry-After"] == "2", (r.status_code, r.text[:300])
        assert r.headers["Content-Type"].startswith("text/html") and ZH in r.text
        assert requests.get(server.base + "/api/v1/health", timeout=10).json() == {"status": "ok"}
        assert "Traceback" not in server.log_text()
