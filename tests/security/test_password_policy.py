"""Finding 11: weak passwords were accepted (``12345678``, ``password``, eight spaces). The policy —
minimum length, not a common password, not the e-mail or the USCC or derived from them, not blank —
applies to registration (API and page), the users command and the password change, in zh and en."""
import pytest

from tests.conftest import DEMO_PASSWORD, Api, csrf_from, make_uscc, page_login, register_enterprise


def _register(client, password, lang=None, **over):
    uscc = over.pop("uscc", make_uscc())
    body = {"name": "弱口令测试有限公司", "uscc": uscc, "email": over.pop("email", "weak.owner@example.cn"),
            "password": password, "contact_name": "王五", "contact_phone": "029-88886666", **over}
    headers = {"Accept-Language": lang} if lang else {}
    return client.post("/t/xian/api/v1/register", json=body, headers=headers)


@pytest.mark.parametrize("password", ["12345678", "password", "        ", "\t \t \t \t ", "PassWord1",
                                      "qwertyuiop", "1qaz2wsx", "woaini1314", "short"])
def test_weak_passwords_are_refused_at_registration(client, password):
    r = _register(client, password)
    assert r.status_code == 422, (password, r.get_json())
    assert "password" in r.get_json()["errors"]["json"]


def test_passwords_derived_from_the_email_or_uscc_are_refused(client):
    uscc = make_uscc()
    for password in ("weak.owner@example.cn", "Weak.Owner@Example.CN", "weakowner2026", "weak.owner",
                     uscc, uscc.lower(), uscc + "!", "x" + uscc):
        r = _register(client, password, uscc=uscc)
        assert r.status_code == 422, (password, r.get_json())
        assert "password" in r.get_json()["errors"]["json"], password


def test_messages_in_both_languages(client):
    zh = _register(client, "12345678").get_json()["errors"]["json"]["password"][0]
    en = _register(client, "12345678", lang="en").get_json()["errors"]["json"]["password"][0]
    assert "常见" in zh and "common" in en
    zh = _register(client, "        ").get_json()["errors"]["json"]["password"][0]
    en = _register(client, "        ", lang="en").get_json()["errors"]["json"]["password"][0]
    assert "空白" in zh and "space" in en
    en = _register(client, "abc", lang="en").get_json()["errors"]["json"]["password"][0]
    assert "8" in en


def test_a_good_password_is_accepted_and_nothing_was_created_before(app, client):
    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    assert _register(client, "password").status_code == 422
    with app.app_context(), cross_tenant("test"):
        assert db.session.query(User).count() == 0
    assert _register(client, "Qing-He-Bridge-1987").status_code == 201


def test_registration_page_refuses_a_common_password(client):
    page = client.get("/t/xian/register")
    r = client.post("/t/xian/register", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "弱口令测试有限公司",
        "uscc": make_uscc(), "email": "page.weak@example.cn", "password": "12345678", "contact_name": "王五",
        "contact_phone": "029-88886666"})
    assert r.status_code == 422
    assert "常见" in r.get_data(as_text=True)


def test_users_command_refuses_weak_passwords(app):
    runner = app.test_cli_runner()
    for password in ("12345678", "password", "        ", "bureau.weak@xian.gov.cn"):
        r = runner.invoke(args=["users", "create", "bureau.weak@xian.gov.cn", "--role", "bureau",
                                "--tenant", "xian", "--password", password])
        assert r.exit_code != 0, (password, r.output)
    r = runner.invoke(args=["users", "create", "bureau.weak@xian.gov.cn", "--role", "bureau", "--tenant",
                            "xian", "--password", "Qing-He-Bridge-1987"])
    assert r.exit_code == 0, r.output


def test_password_change_applies_the_policy(client):
    info = register_enterprise(client, "xian", email="changer@example.cn")
    api = Api(client, info["token"])
    r = api.post("/api/v1/auth/password",
                 json={"current_password": DEMO_PASSWORD, "new_password": "password"})
    assert r.status_code == 422 and "new_password" in r.get_json()["errors"]["json"]
    r = api.post("/api/v1/auth/password",
                 json={"current_password": "wrong-one-123", "new_password": "Qing-He-1987"})
    assert r.status_code == 422 and "current_password" in r.get_json()["errors"]["json"]
    # the page refuses too, in English when asked
    assert page_login(client, "changer@example.cn").status_code == 302
    page = client.get("/account/password?lang=en")
    assert page.status_code == 200
    r = client.post("/account/password", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                "current_password": DEMO_PASSWORD,
                                                "new_password": "        "})
    assert r.status_code == 422
    r = client.post("/account/password", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                "current_password": DEMO_PASSWORD, "new_password": "password",
                                                "password_confirmation": "password"})
    assert r.status_code == 422 and "too common" in r.get_data(as_text=True)
    r = client.post("/account/password", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                "current_password": DEMO_PASSWORD,
                                                "new_password": "Qing-He-1987",
                                                "password_confirmation": "Qing-He-1987"})
    assert r.status_code == 302
    assert client.post("/api/v1/auth/token", json={"email": "changer@example.cn",
                                                   "password": "Qing-He-1987"}).status_code == 200
    assert client.post("/api/v1/auth/token", json={"email": "changer@example.cn",
                                                   "password": DEMO_PASSWORD}).status_code == 401
