"""Issue 3: health, tenants, registration, login, language, access declarations."""
import pytest
from flask import Flask

from tests.conftest import Api, DEMO_PASSWORD, csrf_from, make_uscc, page_login, register_enterprise


def test_health_answers_ok(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_tenants_lists_the_four_districts_with_documents(client):
    data = client.get("/api/v1/tenants").get_json()
    by_slug = {t["slug"]: t for t in data}
    assert set(by_slug) == {"xian", "hebi", "guangzhou", "tianjin-bonded"}
    assert len(by_slug["xian"]["documents"]) == 2
    numbers = {d["number"] for d in by_slug["xian"]["documents"]}
    assert "市政办发〔2017〕101号" in numbers
    doc = by_slug["guangzhou"]["documents"][0]
    assert doc["issued_on"] == "2016-11-25" and doc["period_end"] == "2018-12-31"
    for t in data:
        assert {"slug", "name_zh", "name_en", "documents"} <= set(t)
        for d in t["documents"]:
            assert {"title", "number", "issued_on", "period_start", "period_end"} <= set(d)


def test_unknown_tenant_is_404_for_api_and_pages(client):
    assert client.get("/t/atlantis/api/v1/register").status_code in (404, 405)
    r = client.post("/t/atlantis/api/v1/register", json={})
    assert r.status_code == 404 and r.get_json()["code"] == 404
    assert client.get("/t/atlantis/").status_code == 404


def _registration(**over):
    body = {"name": "西安示例科技有限公司", "uscc": make_uscc(), "email": "a@example.cn",
            "password": "secret-123", "contact_name": "王五", "contact_phone": "13912345678"}
    body.update(over)
    return body


def _bad_check_character(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def test_registration_rejects_wrong_check_character_in_chinese_by_default(client):
    r = client.post("/t/xian/api/v1/register", json=_registration(uscc=_bad_check_character(make_uscc())))
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert "校验位" in body["errors"]["json"]["uscc"][0]


def test_registration_error_in_english_on_request(client):
    bad = _registration(uscc=_bad_check_character(make_uscc()))
    for kw in ({"headers": {"Accept-Language": "en"}}, {"query_string": {"lang": "en"}}):
        r = client.post("/t/xian/api/v1/register", json=bad, **kw)
        assert r.status_code == 422
        msg = r.get_json()["errors"]["json"]["uscc"][0]
        assert "check character" in msg and not any("\u4e00" <= ch <= "\u9fff" for ch in msg)


def test_marshmallow_messages_are_translated(client):
    r = client.post("/t/xian/api/v1/register", json={"name": "x"})
    assert r.get_json()["errors"]["json"]["email"] == ["缺少必填字段。"]
    r = client.post("/t/xian/api/v1/register", json={"name": "x"},
                    headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.get_json()["errors"]["json"]["email"] == ["Missing data for required field."]


def test_duplicate_uscc_in_same_tenant_is_409_but_allowed_in_another(client):
    code = make_uscc()
    assert client.post("/t/xian/api/v1/register", json=_registration(uscc=code)).status_code == 201
    r = client.post("/t/xian/api/v1/register", json=_registration(uscc=code, email="b@example.cn"))
    assert r.status_code == 409 and "统一社会信用代码" in r.get_json()["message"]
    r = client.post("/t/hebi/api/v1/register", json=_registration(uscc=code, email="c@example.cn"))
    assert r.status_code == 201


def test_duplicate_email_is_409(client):
    assert client.post("/t/xian/api/v1/register", json=_registration()).status_code == 201
    r = client.post("/t/hebi/api/v1/register", json=_registration(email="A@Example.cn"))
    assert r.status_code == 409


def test_bad_registration_input_is_4xx_and_writes_nothing(client, app):
    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    for body in (
        _registration(name="x" * 10_000),
        _registration(name=["list"]),
        _registration(contact_phone="call me"),
        _registration(password="short"),
        _registration(uscc="91610131MA0000001"),  # 17 characters
        _registration(email="not-an-email"),
        _registration(extra_field=1),
    ):
        r = client.post("/t/xian/api/v1/register", json=body)
        assert r.status_code == 422, (body, r.get_json())
    assert client.post("/t/xian/api/v1/register", data="{not json",
                       content_type="application/json").status_code == 400
    with app.app_context(), cross_tenant("test"):
        assert db.session.query(User).count() == 0


def test_emoji_and_mixed_scripts_are_kept(client):
    name = "🚀 Ωmega 西安科技 Ltd"
    r = client.post("/t/xian/api/v1/register", json=_registration(name=name))
    assert r.status_code == 201 and r.get_json()["name"] == name


def test_token_login_and_same_401_for_unknown_email_and_wrong_password(client):
    info = register_enterprise(client, "xian", email="owner@example.cn")
    r = client.post("/api/v1/auth/token", json={"email": "owner@example.cn", "password": DEMO_PASSWORD})
    body = r.get_json()
    assert r.status_code == 200 and body["user"]["role"] == "enterprise" and body["user"]["tenant"] == "xian"
    assert body["expires_at"].endswith("+08:00") and len(body["token"]) >= 32
    wrong = client.post("/api/v1/auth/token", json={"email": "owner@example.cn", "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"email": "ghost@example.cn", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert info["token"]


def test_token_is_stored_only_as_a_hash(client, app):
    from ipservice.accounts.models import ApiToken
    from ipservice.extensions import db

    from ipservice.core.tenancy import cross_tenant

    token = register_enterprise(client, "xian")["token"]
    with app.app_context(), cross_tenant("test: every token"):  # as the owner: RLS shows the app role none
        hashes = [t.token_hash for t in db.session.query(ApiToken)]
    assert token not in hashes and len(hashes) == 1 and len(hashes[0]) == 64


def test_bad_or_missing_token_is_401(client):
    r = client.get("/t/xian/api/v1/audit", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code in (401, 404)  # 404 only while the audit endpoint does not exist
    if r.status_code == 401:
        assert r.get_json()["code"] == 401


def test_session_login_and_logout(client):
    register_enterprise(client, "hebi", email="page@example.cn")
    r = page_login(client, "page@example.cn")
    assert r.status_code == 302 and r.headers["Location"].endswith("/t/hebi/my")  # 我的办件
    home = client.get("/t/hebi/", follow_redirects=True).get_data(as_text=True)
    assert "page@example.cn" in home
    csrf = csrf_from(home)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert "page@example.cn" not in client.get("/t/hebi/").get_data(as_text=True)


def test_page_login_wrong_password_says_so_in_chinese(client):
    register_enterprise(client, "hebi", email="page2@example.cn")
    r = page_login(client, "page2@example.cn", "wrong-password")
    assert r.status_code == 401 and "电子邮箱或密码不正确" in r.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client):
    r = client.post("/login", data={"email": "x@example.cn", "password": "whatever"})
    assert r.status_code == 400


def test_registration_page_keeps_input_and_shows_errors_next_to_fields(client):
    page = client.get("/t/xian/register")
    html = page.get_data(as_text=True)
    assert "统一社会信用代码" in html
    r = client.post("/t/xian/register", data={"csrf_token": csrf_from(html), "name": "保留的名称",
                                              "uscc": "123", "email": "keep@example.cn"})
    out = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="保留的名称"' in out and 'value="keep@example.cn"' in out
    assert "统一社会信用代码应为 18 位" in out and "缺少必填字段" in out


def test_registration_page_creates_the_enterprise(client):
    html = client.get("/t/xian/register").get_data(as_text=True)
    data = _registration(email="form@example.cn", password_confirmation="secret-123")  # typed twice
    data["csrf_token"], data["accept_privacy_notice"] = csrf_from(html), "on"  # the notice's checkbox
    r = client.post("/t/xian/register", data=data)
    assert r.status_code == 302
    assert page_login(client, "form@example.cn", "secret-123").status_code == 302


def test_pages_are_chinese_by_default_and_english_on_switch(client):
    zh = client.get("/").get_data(as_text=True)
    assert "知识产权公共服务平台" in zh and 'lang="zh-CN"' in zh and "?lang=en" in zh
    en = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in en and "IP Public Service Platform" in en
    # the choice is remembered
    assert 'lang="en"' in client.get("/t/xian/").get_data(as_text=True)


def test_tenant_home_shows_documents(client):
    html = client.get("/t/xian/").get_data(as_text=True)
    assert "西安市知识产权运营服务体系建设实施方案" in html and "市政办发〔2017〕101号" in html


def test_assets_are_local(client):
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert client.get("/static/css/app.css").status_code == 200


def test_app_refuses_to_start_with_an_undeclared_route(app):
    from ipservice.core.access import check_all_declared

    probe = Flask("probe")

    @probe.route("/forgotten")
    def forgotten():
        return "oops"

    with pytest.raises(RuntimeError, match="forgotten"):
        check_all_declared(probe)
    check_all_declared(app)  # the real app declares everything


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/t/{tenant}/api/v1/register" in doc["paths"]
    assert "/api/v1/auth/token" in doc["paths"]


def test_cross_tenant_user_gets_404_never_403(client, enterprise):
    xian = enterprise("xian")
    r = xian.post("/t/hebi/api/v1/register", json={})  # anyone may register: not an access case
    assert r.status_code == 422
    r = Api(client, xian.token).get("/t/hebi/api/v1/audit")  # a bureau endpoint, another district
    assert r.status_code == 404
    r = xian.post("/t/hebi/api/v1/custody-enrollments/some-id/decision", json={"decision": "approve"})
    assert r.status_code == 404


def test_openapi_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def test_passwords_are_hashed_with_a_strong_method_in_production(app):
    import inspect

    from ipservice.accounts import services

    # the test suite speeds hashing up (conftest); the real function is werkzeug's default (scrypt)
    from werkzeug.security import generate_password_hash

    assert generate_password_hash("x").startswith("scrypt:")
    assert "generate_password_hash(password)" in inspect.getsource(services.create_user)


def test_readiness_is_503_when_the_database_does_not_answer_and_health_stays_ok(client, monkeypatch):
    """Issue 18: ``/api/v1/health`` is liveness (no database), ``/api/v1/health/ready`` asks the database."""
    from sqlalchemy.exc import OperationalError

    from ipservice.extensions import db

    assert client.get("/api/v1/health/ready").get_json() == {"status": "ok"}

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 503 and r.get_json()["code"] == 503 and r.headers["Retry-After"] == "5"
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_expired_token_is_401(app, client):
    import datetime as dt

    from ipservice.accounts.models import ApiToken
    from ipservice.extensions import db

    token = register_enterprise(client, "xian")["token"]
    assert client.get("/t/xian/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from ipservice.core.tenancy import cross_tenant

    with app.app_context(), cross_tenant("test: expire every token"):
        for row in db.session.query(ApiToken):
            row.expires_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        db.session.commit()
    assert client.get("/t/xian/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_endpoint_is_rate_limited_with_a_translated_message(app, client, monkeypatch):
    from ipservice.extensions import limiter

    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "3 per minute")
    limiter.reset()
    try:
        body = {"email": "x@example.cn", "password": "wrong-pass"}
        codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = client.post("/api/v1/auth/token", json=body)
        assert r.status_code == 429 and r.get_json()["message"] == "请求过于频繁，请稍后再试。"
        r = client.post("/api/v1/auth/token", json=body, headers={"Accept-Language": "en"})
        assert r.get_json()["message"] == "Too many requests; try again later."
    finally:
        limiter.reset()
