"""Issue 18, proxies: with ``IPSERVICE_PROXY_COUNT`` set, X-Forwarded-* count only from the peers in
``IPSERVICE_TRUSTED_PROXIES`` (default the loopback addresses). The attack reached gunicorn directly with a
new X-Forwarded-For per attempt: 45 of 45 login attempts answered past a per-address limit, the audit trail
recording the forged addresses. Through the login API, with the real rate limiter and audit trail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import register_enterprise

OUTSIDE = "203.0.113.7"  # a peer that is not a proxy of ours (TEST-NET-3)
LIMIT = 3


@pytest.fixture
def email(app, client, monkeypatch):
    """An enterprise's e-mail, registered before the login limit is lowered (its own login is not counted
    against the lowered limit)."""
    address = register_enterprise(client, "xian")["email"]
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", f"{LIMIT} per minute")
    return address


@pytest.fixture
def behind_nginx(app, email, monkeypatch):
    monkeypatch.setitem(app.config, "IPSERVICE_PROXY_COUNT", 1)
    return email


def _attempts(client, email, peer, forwarded_for):
    codes = []
    for address in forwarded_for:
        r = client.post("/api/v1/auth/token", json={"email": email, "password": "not-the-password-1"},
                        headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": peer})
        codes.append(r.status_code)
    return codes


def _failed_login_addresses(app, tenant):
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        return list(db.session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "user.login_failed")))


ROTATING = [f"198.51.100.{i}" for i in range(1, 8)]


def test_from_a_peer_outside_the_trusted_proxies_x_forwarded_for_changes_nothing(app, client, behind_nginx):
    email = behind_nginx
    codes = _attempts(client, email, OUTSIDE, ROTATING)
    assert codes == [401] * LIMIT + [429] * (len(ROTATING) - LIMIT)  # one address: the peer's
    assert set(_failed_login_addresses(app, "xian")) == {OUTSIDE}


def test_from_a_trusted_proxy_x_forwarded_for_is_the_clients_address(app, client, behind_nginx):
    email = behind_nginx
    assert _attempts(client, email, "127.0.0.1", ROTATING) == [401] * len(ROTATING)  # one per address
    assert sorted(_failed_login_addresses(app, "xian")) == sorted(ROTATING)
    # the same forwarded address again and again, from the proxy: that client's limit
    assert _attempts(client, email, "::1", [ROTATING[0]] * LIMIT) == [401] * (LIMIT - 1) + [429]


def test_the_trusted_list_is_the_deployments(app, client, behind_nginx, monkeypatch):
    """Networks and addresses, commas or spaces; an IPv4 peer seen as IPv6 (::ffff:…) is the same peer."""
    monkeypatch.setitem(app.config, "IPSERVICE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10")
    email = behind_nginx
    assert _attempts(client, email, "::ffff:10.1.2.3", ROTATING[:LIMIT + 1]) == [401] * (LIMIT + 1)
    # not trusted now
    assert _attempts(client, email, "127.0.0.1", ROTATING[:LIMIT + 1]) == [401] * LIMIT + [429]
    assert "127.0.0.1" in _failed_login_addresses(app, "xian")


def test_without_a_proxy_count_forwarded_headers_are_ignored_even_from_loopback(app, client, email):
    assert _attempts(client, email, "127.0.0.1", ROTATING[:LIMIT + 1]) == [401] * LIMIT + [429]
    assert set(_failed_login_addresses(app, "xian")) == {"127.0.0.1"}


def test_a_wrong_trusted_list_is_refused_by_name():
    from ipservice.core.proxies import networks

    assert [str(n) for n in networks("127.0.0.1,::1")] == ["127.0.0.1/32", "::1/128"]
    with pytest.raises(ValueError, match="'nginx.local'"):
        networks("127.0.0.1 nginx.local")


@pytest.mark.fault
def test_gunicorn_reached_directly_with_a_rotating_x_forwarded_for_keeps_the_login_limit(app, client,
                                                                                         tmp_path):
    """The attack as it was run: the production settings (PROXY_COUNT=1) and a client reaching gunicorn
    itself — here loopback, made an outsider by a trusted list that names only nginx's network."""
    import requests

    from tests.proof import servers

    email = register_enterprise(client, "xian")["email"]
    server = servers.Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=1, threads=2,
                              app_role=app.config.get("IPSERVICE_DB_APP_ROLE", ""))
    server.env.update(IPSERVICE_RATELIMIT="1", IPSERVICE_PROXY_COUNT="1",
                      IPSERVICE_TRUSTED_PROXIES="10.0.0.0/8",
                      IPSERVICE_RATE_LIMIT_LOGIN=f"{LIMIT} per minute")
    with server:
        codes = [requests.post(server.base + "/api/v1/auth/token", timeout=30,
                               json={"email": email, "password": "not-the-password-1"},
                               headers={"X-Forwarded-For": address}).status_code for address in ROTATING]
    assert codes == [401] * LIMIT + [429] * (len(ROTATING) - LIMIT)
    assert set(_failed_login_addresses(app, "xian")) == {"127.0.0.1"}
