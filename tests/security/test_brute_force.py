"""Finding 5: the login limit counted per gunicorn worker (memory) and per endpoint, with no per-account
throttle and no proxy configuration. Now the counters live in a store every worker and restart shares
(the database by default, Redis when configured), the login page and the token endpoint share one budget
per address, failed logins are also counted per e-mail from any address, and behind a configured proxy
each client has its own address."""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import DEMO_PASSWORD, create_user, csrf_from

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def limits(app, monkeypatch):
    """Small limits for one test; the counters start empty and are emptied after."""
    from ipservice.extensions import limiter

    def set_limits(address="1000 per minute", account="1000 per minute"):
        monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", address)
        monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_ACCOUNT", account)
        with app.app_context():
            limiter.reset()

    yield set_limits
    with app.app_context():
        limiter.reset()


def _token(client, email, password="wrong-password-1", addr="192.0.2.1", lang=None):
    headers = {"Accept-Language": lang} if lang else {}
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}, headers=headers,
                       environ_base={"REMOTE_ADDR": addr})


def test_the_default_store_is_the_database(app):
    from ipservice.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "database+" + app.config["SQLALCHEMY_DATABASE_URI"]
    assert type(limiter.storage).__name__ == "DatabaseStorage"


def test_two_app_instances_on_one_database_share_the_count(app, client, limits):
    """Two create_app on the same database: what one counted, the other sees (a restart, a second worker)."""
    from ipservice import create_app

    limits(address="5 per minute")
    codes = [_token(client, "nobody@example.cn").status_code for _ in range(3)]
    second = create_app({**app.config})
    other = second.test_client()
    codes += [_token(other, "nobody@example.cn").status_code for _ in range(3)]
    assert codes == [401] * 5 + [429]


def test_a_separate_process_shares_the_count(app, client, limits):
    """A second process (as a second gunicorn worker is) on the same database."""
    limits(address="4 per minute")
    assert [_token(client, "nobody@example.cn").status_code for _ in range(3)] == [401] * 3
    script = textwrap.dedent("""
        import json, sys
        from ipservice import create_app
        config = json.loads(sys.argv[1])
        app = create_app(config)
        if config.get("_role"):
            app.config["IPSERVICE_DB_APP_ROLE"] = config["_role"]
        c = app.test_client()
        wrong = {"email": "nobody@example.cn", "password": "wrong-password-1"}
        addr = {"REMOTE_ADDR": "192.0.2.1"}
        codes = [c.post("/api/v1/auth/token", json=wrong, environ_base=addr).status_code for _ in range(2)]
        print(json.dumps(codes))
    """)
    import json

    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "RATE_LIMIT_LOGIN",
                                         "RATE_LIMIT_LOGIN_ACCOUNT", "UPLOAD_DIR", "RATELIMIT_STORAGE_URI")}
    config["_role"] = app.config.get("IPSERVICE_DB_APP_ROLE") or ""
    out = subprocess.run([sys.executable, "-c", script, json.dumps(config)], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [401, 429]


def test_page_and_api_share_one_budget_per_address(app, client, limits):
    limits(address="4 per minute")
    for _ in range(2):
        assert _token(client, "nobody@example.cn").status_code == 401
    for _ in range(2):
        page = client.get("/login")
        r = client.post("/login", data={"email": "nobody@example.cn", "password": "wrong-password-1",
                                        "csrf_token": csrf_from(page.get_data(as_text=True))},
                        environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert r.status_code == 401
    assert _token(client, "nobody@example.cn").status_code == 429


def test_failed_logins_per_account_from_many_addresses(app, client, limits):
    create_user(app, "target@xian.gov.cn", "bureau", "xian")
    limits(account="3 per 15 minutes")
    codes = [_token(client, "target@xian.gov.cn", addr=f"198.51.100.{i}").status_code for i in range(1, 5)]
    assert codes == [401, 401, 401, 429]
    # from yet another address, even with the right password, until the window ends
    r = _token(client, "Target@Xian.gov.cn", password=DEMO_PASSWORD, addr="198.51.100.77")
    assert r.status_code == 429
    # another account from the same addresses is not affected, and its successes do not count
    create_user(app, "other@xian.gov.cn", "bureau", "xian")
    for _i in range(5):
        assert _token(client, "other@xian.gov.cn", password=DEMO_PASSWORD,
                      addr="198.51.100.1").status_code == 200


def test_429_in_the_users_language(app, client, limits):
    limits(account="1 per 15 minutes")
    assert _token(client, "target@example.cn").status_code == 401
    r = _token(client, "target@example.cn", lang="en")
    assert r.status_code == 429 and r.get_json()["message"] == "Too many requests; try again later."
    r = _token(client, "target@example.cn")
    assert r.status_code == 429 and r.get_json()["message"] == "请求过于频繁，请稍后再试。"
    page = client.get("/login?lang=en")
    r = client.post("/login?lang=en", data={"email": "target@example.cn", "password": "x",
                                            "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 429 and "Too many requests" in r.get_data(as_text=True)


def test_behind_a_proxy_each_client_has_its_own_address(app, limits):
    from ipservice import create_app

    limits(address="2 per minute")
    # the proxy connects from 10.0.0.2: a trusted proxy only when the deployment names it (issue 18)
    proxied = create_app({**app.config, "IPSERVICE_PROXY_COUNT": 1, "IPSERVICE_TRUSTED_PROXIES": "10.0.0.0/8"}
                         ).test_client()

    def attempt(client_addr):
        return proxied.post("/api/v1/auth/token",
                            json={"email": "nobody@example.cn", "password": "wrong-pass-1"},
                            headers={"X-Forwarded-For": client_addr},
                            environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert [attempt("203.0.113.1").status_code for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.2").status_code == 401
    # a client cannot pick its address past the trusted proxy: only the last hop counts
    assert attempt("203.0.113.9, 203.0.113.1").status_code == 429


def test_without_a_proxy_forwarded_for_is_not_believed(app, client, limits):
    limits(address="2 per minute")
    codes = [client.post("/api/v1/auth/token",
                         json={"email": "nobody@example.cn", "password": "wrong-pass-1"},
                         headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(3)]
    assert codes == [401, 401, 429]


def test_warning_when_workers_would_share_nothing(app, monkeypatch, caplog):
    from ipservice import create_app

    monkeypatch.setenv("IPSERVICE_WORKERS", "5")
    try:
        with caplog.at_level("WARNING", logger="ipservice.core.security"):
            create_app({**app.config, "RATELIMIT_STORAGE_URI": "memory://"})
        assert any("memory" in r.getMessage() and "5" in r.getMessage() for r in caplog.records)
    finally:
        caplog.clear()
        with caplog.at_level("WARNING", logger="ipservice.core.security"):
            create_app({**app.config})  # the database again, for the tests after this one
    assert not caplog.records


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/3", socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("Redis does not answer at 127.0.0.1:6379: the Redis storage test is SKIPPED")


def test_with_redis_two_instances_share_the_count(app, monkeypatch):
    _redis_or_skip()
    from ipservice import create_app
    from ipservice.extensions import limiter

    config = {**app.config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3",
              "RATE_LIMIT_LOGIN": "3 per minute"}
    first = create_app(config)
    assert type(limiter.storage).__name__ == "RedisStorage"
    try:
        with first.app_context():
            limiter.reset()
        codes = [_token(first.test_client(), "nobody@example.cn").status_code for _ in range(2)]
        second = create_app(config)
        codes += [_token(second.test_client(), "nobody@example.cn").status_code for _ in range(2)]
        assert codes == [401, 401, 401, 429]
    finally:
        limiter.storage.reset()
        create_app({**app.config})  # the session's app counts in the database again


def test_odd_emails_are_counted_without_breaking_the_store(app, client, limits):
    """The per-account key holds what was typed: NUL (PostgreSQL refuses it in text) or 10 000 characters."""
    limits(account="2 per 15 minutes")
    for email in ("a\x00b@example.cn", "x" * 10_000 + "@example.cn"):
        codes = [client.post("/api/v1/auth/token", json={"email": email, "password": "x"}).status_code
                 for _ in range(3)]
        assert all(c < 500 for c in codes), (email[:20], codes)
