"""Issue 18, limits: the per-account login limit was checked before the attempt and counted after it, so a
concurrent burst of wrong passwords against one account had 16 passwords checked against a budget of 10.
Now every attempt is counted (an atomic increment in the limiter's storage — the database the tests use)
before its password is checked, and a successful login gives its attempt back: at most the budget is
evaluated, whatever the concurrency, and only failures stay counted. Raced over real HTTP (threads) on
SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import DEMO_PASSWORD, create_user
from tests.racing import race

BUDGET = 10
BURST = 40


@pytest.fixture
def limits(app, monkeypatch):
    from ipservice.extensions import limiter

    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000 per minute")
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_ACCOUNT", f"{BUDGET} per 15 minutes")
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


@pytest.fixture
def password_checks(monkeypatch):
    """How many passwords the login checked (the service's own check, counted)."""
    from ipservice.accounts import services

    checked, lock = [], threading.Lock()
    real = services.check_password_hash

    def counting(hash_, password):
        with lock:
            checked.append(1)
        return real(hash_, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    return checked


def test_a_concurrent_burst_evaluates_at_most_the_budget(app, live_server, limits, password_checks):
    create_user(app, "burst-target@xian.gov.cn", "bureau", "xian")
    body = {"email": "burst-target@xian.gov.cn", "password": "wrong-password-1"}
    results = race(live_server, [("POST", "/api/v1/auth/token", {}, body) for _ in range(BURST)])
    codes = sorted(code for code, _b in results)
    assert codes == [401] * BUDGET + [429] * (BURST - BUDGET), codes
    assert len(password_checks) == BUDGET
    # spent: the right password too is refused until the window ends
    r = race(live_server, [("POST", "/api/v1/auth/token", {}, {**body, "password": DEMO_PASSWORD})])
    assert r[0][0] == 429


def test_the_burst_through_the_login_page_and_the_api_shares_the_budget(app, live_server, limits,
                                                                        password_checks,
                                                                         monkeypatch):
    import requests

    create_user(app, "mixed-target@xian.gov.cn", "bureau", "xian")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the page's CSRF token is beside the point
    body = {"email": "mixed-target@xian.gov.cn", "password": "wrong-password-1"}
    barrier = threading.Barrier(BURST)

    def attempt(i):
        barrier.wait(timeout=60)
        if i % 2:
            return requests.post(live_server + "/api/v1/auth/token", json=body, timeout=120).status_code
        return requests.post(live_server + "/login", data=body, timeout=120,
                             allow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        codes = sorted(pool.map(attempt, range(BURST)))
    assert codes == [401] * BUDGET + [429] * (BURST - BUDGET), codes
    assert len(password_checks) == BUDGET


def test_successful_logins_give_their_attempt_back(app, client, limits):
    """Only failures stay counted (the README's "failed logins per account"): many successes, then the
    whole budget of failures still answered 401 before the 429."""
    create_user(app, "often@xian.gov.cn", "bureau", "xian")

    def token(password):
        return client.post("/api/v1/auth/token",
                           json={"email": "often@xian.gov.cn", "password": password}).status_code

    assert [token(DEMO_PASSWORD) for _ in range(BUDGET + 5)] == [200] * (BUDGET + 5)
    assert [token("wrong-password-1") for _ in range(BUDGET + 1)] == [401] * BUDGET + [429]
