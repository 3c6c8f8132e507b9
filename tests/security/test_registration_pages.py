"""Issue 20 (9): registration and claims as a person meets them. The 申请认领 link after a taken USCC kept
only the USCC; after registering the user was sent to the login page; the 429 page threw the form away and
gave no wait time; and refusals for a missing field counted towards the registration limit."""
import re

import pytest

from tests.conftest import csrf_from, make_uscc, register_enterprise

PASSWORD = "Qing-He-Bridge-1987"


def _form(uscc, email, **over):
    return {"name": "认领测试有限公司", "uscc": uscc, "email": email, "password": PASSWORD,
            "contact_name": "钱八", "contact_phone": "029-87776666", "accept_privacy_notice": "on",
            "password_confirmation": PASSWORD, **over}


def _post(client, data, addr="192.0.2.40", lang="zh_CN"):
    page = client.get(f"/t/xian/register?lang={lang}", environ_base={"REMOTE_ADDR": addr})
    return client.post(f"/t/xian/register?lang={lang}", environ_base={"REMOTE_ADDR": addr},
                       data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


def _value(html, name):
    found = re.search(rf'<input id="f-{name}" name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else None


def test_the_claim_link_after_a_taken_uscc_keeps_everything_typed_but_the_password(client):
    taken = register_enterprise(client, "xian")["uscc"]
    r = _post(client, _form(taken, "claimant@real-corp.cn"))
    assert r.status_code == 409
    link = re.search(r'href="(/t/xian/claims/new\?uscc=[^"]+)"', r.get_data(as_text=True)).group(1)
    claim = client.get(link).get_data(as_text=True)
    assert _value(claim, "uscc") == taken and _value(claim, "name") == "认领测试有限公司"
    assert _value(claim, "email") == "claimant@real-corp.cn" and _value(claim, "contact_name") == "钱八"
    assert _value(claim, "contact_phone") == "029-87776666"
    assert PASSWORD not in claim and _value(claim, "password") == ""
    assert "claimant@real-corp.cn" not in link  # the personal details do not travel in the address
    # once only, and only for that USCC
    assert _value(client.get(link).get_data(as_text=True), "email") == ""


def test_after_registering_the_user_is_signed_in_on_the_landing_page(client):
    r = _post(client, _form(make_uscc(), "fresh.owner@xian-corp.cn"))
    assert r.status_code == 302 and r.headers["Location"].endswith("/t/xian/my")
    home = client.get(r.headers["Location"])
    assert home.status_code == 200 and "fresh.owner@xian-corp.cn" in home.get_data(as_text=True)


@pytest.fixture
def registration_limit(app, monkeypatch):
    from ipservice.extensions import limiter

    monkeypatch.setitem(app.config, "RATE_LIMIT_REGISTER", "2 per hour")
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


def test_validation_refusals_do_not_count_and_the_429_page_keeps_the_form(client, registration_limit):
    for _ in range(5):  # a missing field, a wrong check character: sent back, not counted
        assert _post(client, _form(make_uscc(), "typo@xian-corp.cn", contact_name="")).status_code == 422
        assert _post(client, _form("91610131MA00000XX", "typo@xian-corp.cn")).status_code == 422
    assert _post(client, _form(make_uscc(), "first@xian-corp.cn")).status_code == 302
    assert _post(client, _form(make_uscc(), "second@xian-corp.cn")).status_code == 302
    r = _post(client, _form(make_uscc(), "third@xian-corp.cn", name="第三家有限公司"))
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= 3600
    assert re.search(r"请在 \d+ (分钟|秒)后再试", html)
    assert _value(html, "name") == "第三家有限公司" and _value(html, "email") == "third@xian-corp.cn"
    en = _post(client, _form(make_uscc(), "third@xian-corp.cn"), lang="en")
    assert en.status_code == 429 and re.search(r"try again in \d+ (min|s)\.", en.get_data(as_text=True))
    # another address is not affected
    assert _post(client, _form(make_uscc(), "fourth@xian-corp.cn"), addr="192.0.2.41").status_code == 302
