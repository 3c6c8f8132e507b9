"""Finding 10: ``POST /register`` with an e-mail used in another tenant answered 409 "已被使用", telling
anyone that the account exists. Now every e-mail that cannot be used — taken in this tenant, taken in
another, or a reserved domain where no mail can be delivered — gets one neutral answer, and such refusals
are rate-limited per address so that the answer cannot be farmed."""
import re

import pytest

from tests.conftest import csrf_from, make_uscc, register_enterprise


def _register(client, email, lang=None, addr="192.0.2.10"):
    body = {"name": "枚举测试有限公司", "uscc": make_uscc(), "email": email,
            "password": "Qing-He-Bridge-1987", "contact_name": "赵六", "contact_phone": "029-88886666"}
    return client.post("/t/xian/api/v1/register", json=body, environ_base={"REMOTE_ADDR": addr},
                       headers={"Accept-Language": lang} if lang else {})


def _answer(r):
    body = r.get_json()
    return r.status_code, body["message"], body.get("errors")


def test_one_answer_for_every_unusable_email_whatever_the_tenant(client):
    register_enterprise(client, "hebi", email="owner@hebi-corp.cn")
    register_enterprise(client, "xian", email="owner@xian-corp.cn")
    other_tenant = _register(client, "owner@hebi-corp.cn")
    same_tenant = _register(client, "OWNER@xian-corp.cn")
    reserved = _register(client, "nobody-ever@example.invalid")
    placeholder = _register(client, "uscc-91610131ma0000001x@xian.import.invalid")
    assert other_tenant.status_code == 409
    assert _answer(other_tenant) == _answer(same_tenant) == _answer(reserved) == _answer(placeholder)
    text = str(_answer(other_tenant))
    assert "已被使用" not in text and "已注册" not in text and "hebi" not in text and "鹤壁" not in text
    en = _register(client, "owner@hebi-corp.cn", lang="en").get_json()
    assert _answer(_register(client, "x@test.example", lang="en"))[1] == en["message"]
    assert "cannot be used" in en["message"]


def test_the_registration_page_gives_the_same_neutral_answer(client):
    register_enterprise(client, "hebi", email="page.owner@hebi-corp.cn")
    answers = []
    for email in ("page.owner@hebi-corp.cn", "someone@example.com"):
        page = client.get("/t/xian/register")
        r = client.post("/t/xian/register", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "枚举测试有限公司",
            "uscc": make_uscc(), "email": email, "password": "Qing-He-Bridge-1987", "contact_name": "赵六",
            "contact_phone": "029-88886666", "accept_privacy_notice": "on",
            "password_confirmation": "Qing-He-Bridge-1987"})
        assert r.status_code == 409
        html = r.get_data(as_text=True)
        assert "已被使用" not in html
        answers.append(re.sub(r'value="[^"]*"', "", html))
    assert answers[0] == answers[1]


@pytest.fixture
def conflict_limit(app, monkeypatch):
    from ipservice.extensions import limiter

    monkeypatch.setitem(app.config, "RATE_LIMIT_REGISTER_REFUSED", "3 per hour")
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


def test_refused_emails_are_rate_limited_per_address(client, conflict_limit):
    register_enterprise(client, "hebi", email="probe.target@hebi-corp.cn")
    codes = [_register(client, "probe.target@hebi-corp.cn").status_code for _ in range(4)]
    assert codes == [409, 409, 409, 429]
    # other addresses are not affected, and successful registrations do not count
    assert _register(client, "probe.target@hebi-corp.cn", addr="192.0.2.11").status_code == 409
    for i in range(4):
        assert _register(client, f"fresh{i}@xian-corp.cn", addr="192.0.2.12").status_code == 201
