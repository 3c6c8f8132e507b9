"""Finding 4: a session cookie kept before logout still worked; the CSRF token survived login and never
expired; no Secure cookie or HSTS behind HTTPS. Now: a per-user session generation (logout and a password
change end every earlier session), the session and its CSRF token are renewed at login, CSRF tokens expire,
and behind a configured proxy HTTPS gives Secure cookies and HSTS."""
from tests.conftest import DEMO_PASSWORD, create_user, csrf_from, page_login, register_enterprise


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _bureau_page_session(app, client, email="bureau.session@xian.gov.cn"):
    create_user(app, email, "bureau", "xian")
    assert page_login(client, email).status_code == 302
    assert client.get("/t/xian/custody-enrollments/").status_code == 200
    return email


def _post_password_change(client, csrf):
    return client.post("/account/password", data={"csrf_token": csrf, "current_password": "wrong-but-fine",
                                                   "new_password": "Qing-He-Bridge-1987",
                                                   "password_confirmation": "Qing-He-Bridge-1987"})


def test_a_cookie_kept_before_logout_is_refused_for_get_and_post(app, client):
    _bureau_page_session(app, client)
    kept = _session_cookie(client)
    csrf = csrf_from(client.get("/account/password").get_data(as_text=True))
    # the kept cookie works before the logout (the attacker's copy is a real session)
    assert _with_cookie(app, kept).get("/t/xian/custody-enrollments/").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 302
    thief = _with_cookie(app, kept)
    r = thief.get("/t/xian/custody-enrollments/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = _post_password_change(thief, csrf)
    assert r.status_code in (302, 400) and r.status_code != 422
    if r.status_code == 302:
        assert "/login" in r.headers["Location"]


def test_a_password_change_ends_every_other_session_but_keeps_this_one(app, client):
    email = _bureau_page_session(app, client)
    other_device = app.test_client()
    assert page_login(other_device, email).status_code == 302
    kept = _session_cookie(other_device)
    page = client.get("/account/password")
    r = client.post("/account/password", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                "current_password": DEMO_PASSWORD,
                                                "new_password": "Qing-He-Bridge-1987",
                                                "password_confirmation": "Qing-He-Bridge-1987"})
    assert r.status_code == 302
    assert client.get("/t/xian/custody-enrollments/").status_code == 200          # this session goes on
    r = _with_cookie(app, kept).get("/t/xian/custody-enrollments/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]      # the other one is over
    assert other_device.get("/t/xian/custody-enrollments/").status_code == 302


def test_the_api_password_change_ends_page_sessions(app, client):
    info = register_enterprise(client, "xian", email="api.changer@example.cn")
    browser = app.test_client()
    assert page_login(browser, "api.changer@example.cn").status_code == 302
    assert browser.get("/t/xian/custody-enrollments/").status_code == 200
    r = client.post("/api/v1/auth/password", json={"current_password": DEMO_PASSWORD,
                                                   "new_password": "Qing-He-Bridge-1987"},
                    headers={"Authorization": f"Bearer {info['token']}"})
    assert r.status_code == 204
    assert browser.get("/t/xian/custody-enrollments/").status_code == 302
    # and its tokens are revoked
    r = client.get("/t/xian/api/v1/custody-enrollments", headers={"Authorization": f"Bearer {info['token']}"})
    assert r.status_code == 401


def test_the_csrf_token_from_before_login_is_dead_after_it(app, client):
    create_user(app, "bureau.csrf@xian.gov.cn", "bureau", "xian")
    before = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"email": "bureau.csrf@xian.gov.cn", "password": DEMO_PASSWORD,
                                    "csrf_token": before})
    assert r.status_code == 302
    r = client.post("/account/password", data={"csrf_token": before, "current_password": DEMO_PASSWORD,
                                               "new_password": "Qing-He-Bridge-1987",
                                               "password_confirmation": "Qing-He-Bridge-1987"})
    assert r.status_code == 400
    fresh = csrf_from(client.get("/account/password").get_data(as_text=True))
    assert fresh != before
    r = client.post("/account/password", data={"csrf_token": fresh, "current_password": DEMO_PASSWORD,
                                               "new_password": "Qing-He-Bridge-1987",
                                               "password_confirmation": "Qing-He-Bridge-1987"})
    assert r.status_code == 302


def test_csrf_tokens_expire(app, client, monkeypatch):
    import itsdangerous.timed

    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    assert limit and 0 < limit <= 24 * 3600
    _bureau_page_session(app, client, "bureau.expiry@xian.gov.cn")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + limit + 60)
    r = client.post("/account/password", data={"csrf_token": token, "current_password": DEMO_PASSWORD,
                                               "new_password": "Qing-He-Bridge-1987",
                                               "password_confirmation": "Qing-He-Bridge-1987"})
    assert r.status_code == 400


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(app):
    from ipservice import create_app

    create_user(app, "bureau.tls@xian.gov.cn", "bureau", "xian")
    proxied = create_app({**app.config, "PREFERRED_URL_SCHEME": "https", "IPSERVICE_PROXY_COUNT": 1,
                          "SESSION_COOKIE_SECURE": False})
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                 "X-Forwarded-Host": "ip.example.cn",
                 "Referer": "https://ip.example.cn/login"}  # Flask-WTF checks the referrer over HTTPS
    page = client.get("/login", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    r = client.post("/login", headers=forwarded, data={
        "email": "bureau.tls@xian.gov.cn", "password": DEMO_PASSWORD,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 302
    cookies = [v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
    # the proxy's client address is the request's address (audit trail, rate limits)
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with proxied.app_context(), tenant_context("xian"):
        ips = {e.ip for e in db.session.query(AuditEvent).filter(AuditEvent.action == "user.login")}
    assert ips == {"203.0.113.9"}


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client):
    r = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" not in r.headers
