"""Issue 18, tokens and passwords: a password "changed" to itself; API tokens that outlived page logout
and could not be revoked one by one."""
import pytest

from tests.conftest import DEMO_PASSWORD, bearer, csrf_from, page_login, register_enterprise


@pytest.mark.parametrize("lang, message", [("zh", "新密码不能与当前密码相同"),
                                           ("en", "must differ from the current password")])
def test_the_api_refuses_a_new_password_equal_to_the_old(client, lang, message):
    info = register_enterprise(client, "xian")
    r = client.post(f"/api/v1/auth/password?lang={lang}",
                    json={"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD},
                    headers=bearer(info["token"]))
    assert r.status_code == 422
    assert message in str(r.get_json()["errors"]["json"]["new_password"])
    # nothing changed: the token (revoked by a real change) still works
    assert client.get("/t/xian/api/v1/my", headers=bearer(info["token"])).status_code == 200


@pytest.mark.parametrize("lang, message", [("zh", "新密码不能与当前密码相同"),
                                           ("en", "must differ from the current password")])
def test_the_password_page_refuses_a_new_password_equal_to_the_old(client, lang, message):
    info = register_enterprise(client, "hebi")
    assert page_login(client, info["email"]).status_code == 302
    page = client.get(f"/account/password?lang={lang}")
    r = client.post(f"/account/password?lang={lang}",
                    data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                          "current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert client.get("/t/hebi/my").status_code == 200  # the session was not ended
