"""Logins (success and failure), token issuance, logout, password and role changes, and every XLSX/CSV
export are written to the audit trail, in the tenant of the account (or the service-wide trail)."""
from tests.conftest import DEMO_PASSWORD, create_user, page_login
from tests.security.test_headers import _export_urls


def _events(app, tenant, action=None):
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        q = db.session.query(AuditEvent)
        if action:
            q = q.filter(AuditEvent.action == action)
        return [(e.action, e.actor_email, e.object_id, e.detail, e.ip) for e in q.order_by(AuditEvent.at)]


def test_logins_failures_and_tokens_are_audited(app, client):
    create_user(app, "audited@xian.gov.cn", "bureau", "xian")
    assert client.post("/api/v1/auth/token", json={"email": "audited@xian.gov.cn",
                                                   "password": "wrong-password-1"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": "audited@xian.gov.cn",
                                                   "password": DEMO_PASSWORD}).status_code == 200
    assert page_login(client, "audited@xian.gov.cn", "wrong-password-1").status_code == 401
    assert page_login(client, "audited@xian.gov.cn").status_code == 302
    actions = [(a, actor, d.get("via")) for a, actor, _, d, _ in _events(app, "xian")]
    assert actions == [("user.login_failed", None, "api"), ("token.issued", "audited@xian.gov.cn", None),
                       ("user.login_failed", None, "page"), ("user.login", "audited@xian.gov.cn", "page")]
    # an e-mail nobody has: the service-wide trail, nothing in any tenant's
    client.post("/api/v1/auth/token", json={"email": "ghost@example.cn", "password": "wrong-password-1"})
    assert [(a, d["email"]) for a, _, _, d, _ in _events(app, "*")] == [("user.login_failed",
                                                                         "ghost@example.cn")]
    assert all(d.get("email") != "ghost@example.cn" for _, _, _, d, _ in _events(app, "xian"))
    # the cross-district admin has no tenant: the service-wide trail too
    create_user(app, "province.audit@example.gov.cn", "cross_admin", None)
    client.post("/api/v1/auth/token",
                json={"email": "province.audit@example.gov.cn", "password": DEMO_PASSWORD})
    assert ("token.issued",
            "province.audit@example.gov.cn") in [(a, actor) for a, actor, *_ in _events(app, "*")]


def test_every_export_is_audited(app, client, bureau):
    b = bureau("xian")
    assert page_login(client, b.email).status_code == 302
    urls = _export_urls(app)
    for url, _fmt in urls:
        r = b.get(url) if "/api/" in url else client.get(url)
        assert r.status_code == 200, url
    exported = [(d["path"], d["format"]) for _, actor, _, d, _ in _events(app, "xian", "export.downloaded")
                if actor == b.email]
    assert sorted(exported) == sorted(urls)
    assert all("rows" in d for *_, d, _ in _events(app, "xian", "export.downloaded"))


def test_role_changes_are_audited_and_end_the_sessions(app, client):
    create_user(app, "promoted@xian.gov.cn", "bureau", "xian")
    assert page_login(client, "promoted@xian.gov.cn").status_code == 302
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "set-role", "promoted@xian.gov.cn", "--role", "cross_admin"])
    assert r.exit_code == 0, r.output
    events = _events(app, "xian", "user.role_changed")
    assert len(events) == 1 and events[0][3]["from"] == {"role": "bureau", "tenant": "xian"}
    assert events[0][3]["to"] == {"role": "cross_admin", "tenant": None}
    # the old session (a bureau of xian) is over
    assert client.get("/t/xian/custody-enrollments/").status_code == 302
    # enterprise accounts belong to their organization: not by this command
    r = runner.invoke(args=["users", "set-role", "promoted@xian.gov.cn", "--role", "enterprise", "--tenant",
                            "xian"])
    assert r.exit_code != 0
    r = runner.invoke(args=["users", "set-role", "nobody@xian.gov.cn", "--role", "bureau", "--tenant",
                            "xian"])
    assert r.exit_code != 0
