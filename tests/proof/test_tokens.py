"""Issue 18, tokens and passwords: a password "changed" to itself; API tokens that outlived page logout
and could not be revoked one by one."""
import pytest

from tests.conftest import DEMO_PASSWORD, bearer, csrf_from, page_login, register_enterprise, token_for


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
                          "current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD,
                          "password_confirmation": DEMO_PASSWORD})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert client.get("/t/hebi/my").status_code == 200  # the session was not ended


def _my(client, token, tenant="xian"):
    return client.get(f"/t/{tenant}/api/v1/my", headers=bearer(token)).status_code


def test_delete_auth_token_revokes_the_presented_token_only(client):
    info = register_enterprise(client, "xian")
    other = token_for(client, info["email"])
    r = client.delete("/api/v1/auth/token", headers=bearer(info["token"]))
    assert r.status_code == 204
    assert _my(client, info["token"]) == 401
    assert client.delete("/api/v1/auth/token", headers=bearer(info["token"])).status_code == 401
    assert _my(client, other) == 200  # the user's other token goes on


def test_the_token_list_shows_the_callers_tokens_without_values(client):
    info = register_enterprise(client, "xian")
    second = token_for(client, info["email"])
    someone = register_enterprise(client, "xian")
    r = client.get("/api/v1/auth/tokens", headers=bearer(second))
    assert r.status_code == 200
    rows = r.get_json()
    assert len(rows) == 2
    assert [row["current"] for row in rows].count(True) == 1
    assert {row["issued_from"] for row in rows} == {"api"}
    assert all(set(row) == {"id", "created_at", "expires_at", "issued_from", "current"} for row in rows)
    text = r.get_data(as_text=True)
    assert info["token"] not in text and second not in text and someone["token"] not in text
    # revoke the first one by id; another user's id is 404 and changes nothing
    first = next(row["id"] for row in rows if not row["current"])
    theirs = client.get("/api/v1/auth/tokens", headers=bearer(someone["token"])).get_json()[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{theirs}", headers=bearer(second)).status_code == 404
    assert _my(client, someone["token"]) == 200
    assert client.delete(f"/api/v1/auth/tokens/{first}", headers=bearer(second)).status_code == 204
    assert _my(client, info["token"]) == 401
    assert client.delete(f"/api/v1/auth/tokens/{first}", headers=bearer(second)).status_code == 404


def test_the_token_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "delete" in paths["/api/v1/auth/token"]
    assert "get" in paths["/api/v1/auth/tokens"]
    assert "delete" in paths["/api/v1/auth/tokens/{token_id}"]


def _token_from_page(client):
    page = client.get("/account/tokens")
    r = client.post("/account/tokens", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 200
    import re

    return re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", r.get_data(as_text=True)).group(1)


def test_page_logout_ends_the_tokens_its_session_issued_but_not_api_logins(client):
    info = register_enterprise(client, "xian")
    assert page_login(client, info["email"]).status_code == 302
    from_page = _token_from_page(client)
    assert _my(client, from_page) == 200
    page = client.get("/account/tokens").get_data(as_text=True)
    assert from_page not in page and "本次登录生成" in page
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert _my(client, from_page) == 401
    assert _my(client, info["token"]) == 200  # a token issued for e-mail and password is a login of its own


@pytest.mark.parametrize("lang, revoked", [("zh", "令牌已撤销"), ("en", "Token revoked")])
def test_the_account_page_revokes_one_token_and_another_users_is_404(client, lang, revoked):
    import re

    info = register_enterprise(client, "xian")
    someone = register_enterprise(client, "hebi")
    theirs = client.get("/api/v1/auth/tokens", headers=bearer(someone["token"])).get_json()[0]["id"]
    assert page_login(client, info["email"]).status_code == 302
    page = client.get(f"/account/tokens?lang={lang}").get_data(as_text=True)
    ids = re.findall(r"/account/tokens/([^/]+)/revoke", page)
    assert len(ids) == 1
    csrf = csrf_from(page)
    assert client.post(f"/account/tokens/{theirs}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert _my(client, someone["token"], "hebi") == 200
    assert client.post(f"/account/tokens/{ids[0]}/revoke").status_code == 400  # no CSRF token
    r = client.post(f"/account/tokens/{ids[0]}/revoke?lang={lang}", data={"csrf_token": csrf},
                    follow_redirects=True)
    assert r.status_code == 200 and revoked in r.get_data(as_text=True)
    assert _my(client, info["token"]) == 401


def test_revoking_one_token_twice_at_once_answers_once(app, client, live_server):
    """The revocation is one conditional DELETE: of two at once, one ends the token, the other finds none."""
    from tests.racing import race

    info = register_enterprise(client, "xian")
    tokens = [info["token"]] + [token_for(client, info["email"]) for _ in range(2)]
    rows = client.get("/api/v1/auth/tokens", headers=bearer(tokens[0])).get_json()
    target = next(row["id"] for row in rows if not row["current"])
    results = race(live_server,
                   [("DELETE", f"/api/v1/auth/tokens/{target}", bearer(t), None) for t in tokens[:2]])
    assert sorted(status for status, _ in results) == [204, 404], results
    remaining = client.get("/api/v1/auth/tokens", headers=bearer(tokens[0])).get_json()
    assert target not in {row["id"] for row in remaining} and len(remaining) == 2
