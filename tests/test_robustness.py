"""Regressions from the review of issues 3–6: races, overflows and odd bodies never give a 500."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.cases.conftest import case_body
from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import DEMO_PASSWORD, csrf_from, make_uscc, page_login
from tests.custody.custody_helpers import enrollment_body


def _parallel(n, fn):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, range(n)))


def _agency(b, tenant="xian"):
    return b.post(f"/t/{tenant}/api/v1/agencies",
                  json={"name": "机构", "uscc": make_uscc(), "contact": "x"}).get_json()


@pytest.mark.parametrize("kind", ["custody", "certification"])
def test_concurrent_decisions_apply_exactly_once(kind, live_server, enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    if kind == "custody":
        filing = e.post("/t/xian/api/v1/custody-enrollments",
                        json=enrollment_body("xian", _agency(b)["id"])).get_json()
        url = f"{live_server}/t/xian/api/v1/custody-enrollments/{filing['id']}/decision"
        yes, no = {"decision": "approve"}, {"decision": "reject", "reason": "材料不全"}
    else:
        filing = submit_certification(e, "xian")
        url = f"{live_server}/t/xian/api/v1/certifications/{filing['id']}/decision"
        yes, no = {"decision": "verify"}, {"decision": "reject", "reason": "材料不全"}
    headers = {"Authorization": f"Bearer {b.token}"}
    codes = _parallel(10,
                      lambda i: requests.post(url, json=yes if i % 2 else no, headers=headers,
                                              timeout=60).status_code)
    assert sorted(codes) == [200] + [409] * 9
    path = url.removeprefix(live_server).removesuffix("/decision")
    final = b.get(path).get_json()["status"]
    decided = b.get(f"/t/xian/api/v1/audit?object_id={filing['id']}").get_json()
    moves = [ev["action"].split(".")[-1] for ev in decided if not ev["action"].endswith("submitted")]
    assert moves == [final]


def test_concurrent_registration_is_one_201_and_409s(live_server):
    body = {"name": "并发注册有限公司", "uscc": make_uscc(), "email": "race@example.cn",
            "password": DEMO_PASSWORD, "contact_name": "甲", "contact_phone": "13800000000"}
    codes = _parallel(8, lambda i: requests.post(f"{live_server}/t/xian/api/v1/register", json=body,
                                                  timeout=60).status_code)
    assert sorted(codes) == [201] + [409] * 7


@pytest.mark.parametrize("query", ["submitted_from=0001-01-01", "submitted_to=9999-12-31"])
def test_out_of_range_date_filters_are_422(query, enterprise, bureau):
    b = bureau("xian")
    for path in ("certifications", "custody-enrollments"):
        assert b.get(f"/t/xian/api/v1/{path}?{query}").status_code == 422, path
    assert b.get(f"/t/xian/api/v1/certifications.csv?{query}").status_code == 422


def test_absurd_page_numbers(client, enterprise, bureau):
    b = bureau("xian")
    huge = "9" * 20
    for path in ("certifications", "custody-enrollments", "cases", "audit"):
        assert b.get(f"/t/xian/api/v1/{path}?page={huge}").status_code == 422, path
    page_login(client, b.email)
    for path in ("certifications/", "cases/", "custody-enrollments/", "subsidy-applications/"):
        assert client.get(f"/t/xian/{path}?page={huge}").status_code == 200, path


DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_is_400(client, enterprise):
    e = enterprise("xian")
    for path in ("/api/v1/auth/token", "/t/xian/api/v1/register"):
        r = client.post(path, data=DEEP, content_type="application/json")
        assert r.status_code == 400 and r.get_json()["message"] == "请求体不是有效的 JSON。", path
    for path in ("/t/xian/api/v1/cases", "/t/xian/api/v1/custody-enrollments",
                 "/t/xian/api/v1/certifications"):
        r = client.post(path, data=DEEP, content_type="application/json",
                        headers=e.headers({"Idempotency-Key": "k"}))
        assert r.status_code == 400, path


def test_malformed_json_message_is_localized(client):
    r = client.post("/api/v1/auth/token", data="{bad", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["message"] == "请求体不是有效的 JSON。"
    r = client.post("/api/v1/auth/token?lang=en", data="{bad", content_type="application/json")
    assert r.get_json()["message"] == "The request body is not valid JSON."


def test_nul_characters_never_reach_the_database(client, enterprise, bureau):
    b = bureau("xian")
    assert b.get("/t/xian/api/v1/cases?q=a%00b").status_code == 400
    r = client.post("/api/v1/auth/token", json={"email": "a\x00b@example.cn", "password": "x"})
    assert r.status_code == 422


def test_second_decision_names_the_status_in_the_users_language(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    rec = submit_certification(e, "xian")
    url = f"/t/xian/api/v1/certifications/{rec['id']}/decision"
    assert b.post(url, json={"decision": "verify"}).status_code == 200
    again = b.post(url, json={"decision": "verify"})
    assert again.status_code == 409 and "已核验" in again.get_json()["message"]


def test_a_resubmitted_page_form_files_once(app, client, enterprise):
    e = enterprise("xian")
    page_login(client, e.info["email"])
    html = client.get("/t/xian/cases/new").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    form = {**case_body("xian"), "csrf_token": csrf_from(html), "form_token": token}
    first = client.post("/t/xian/cases/new", data=form)
    second = client.post("/t/xian/cases/new", data=form)
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert len(e.get("/t/xian/api/v1/cases").get_json()) == 1
    # a form that failed validation can be corrected and sent with a new token
    html = client.get("/t/xian/cases/new").get_data(as_text=True)
    bad = {**form, "csrf_token": csrf_from(html), "right_number": "bogus",
           "form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1)}
    assert client.post("/t/xian/cases/new", data=bad).status_code == 422
    assert client.post("/t/xian/cases/new",
                       data={**bad, "right_number": form["right_number"]}).status_code == 302
    assert len(e.get("/t/xian/api/v1/cases").get_json()) == 2
