"""Every 500 the attack on the running service found (issue 13, finding 6) is a clear 4xx now."""
import pytest

from tests.cases.conftest import file_case
from tests.certification.certification_helpers import body as cert_body
from tests.conftest import page_login
from tests.custody.custody_helpers import enrollment_body
from tests.racing import bearer, race

HUGE = "1" * 5000  # past Python's 4 300-digit limit for int parsing


def test_certificate_issued_at_the_end_of_the_calendar_is_422(enterprise):
    e = enterprise("xian")
    r = e.post("/t/xian/api/v1/certifications",
               json=cert_body(issued_on="9997-01-01", expires_on="9999-12-31"))
    assert r.status_code == 422 and "issued_on" in r.get_json()["errors"]["json"]


def test_custody_starting_at_the_end_of_the_calendar_is_422(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    agency = b.post("/t/xian/api/v1/agencies",
                    json={"name": "机构", "uscc": "91610131MA6U0A0X4M", "contact": "x"})
    body = enrollment_body("xian", agency.get_json().get("id", "x"), start_date="9998-01-01",
                           end_date="9999-12-31")
    assert e.post("/t/xian/api/v1/custody-enrollments", json=body).status_code == 422


@pytest.mark.parametrize("lang, message",
                         [("zh_CN", "请求体不是有效的 JSON。"),
                          ("en", "The request body is not valid JSON.")])
def test_integers_too_long_to_parse_are_400_on_every_json_endpoint(client, enterprise, bureau, lang, message):
    e, b = enterprise("xian"), bureau("xian")
    code = next(r["code"] for r in client.get("/t/xian/api/v1/kpis").get_json() if r["source"] == "reported")
    task = client.get("/t/xian/api/v1/tasks").get_json()[0]["code"]
    probes = [(client, "post", "/api/v1/auth/token", None), (client, "post", "/t/xian/api/v1/register", None),
              (e, "post", "/t/xian/api/v1/certifications", None), (e, "post", "/t/xian/api/v1/cases", None),
              (e, "post", "/t/xian/api/v1/custody-enrollments", None),
              (b, "post", "/t/xian/api/v1/agencies", None),
              (b, "put", f"/t/xian/api/v1/kpis/{code}/actuals/2025", None),
              (b, "put", f"/t/xian/api/v1/tasks/{task}", None)]
    for who, method, path, _x in probes:
        headers = {"Accept-Language": lang, **(bearer(who.token) if hasattr(who, "token") else {})}
        c = who.client if hasattr(who, "client") else who
        r = getattr(c, method)(path, data='{"value": ' + HUGE + ', "email": ' + HUGE + '}',
                               content_type="application/json", headers=headers)
        assert r.status_code == 400, (path, r.status_code)
        assert r.get_json()["message"] == message, path


@pytest.mark.parametrize("path", ["/t/xian/cases/?fmt=x", "/t/xian/certifications/?endpoint=x",
                                  "/t/xian/cases/?_anchor=x&_external=1&tenant=hebi&_scheme=https",
                                  "/t/xian/certifications/?_anchor=x&_external=1&tenant=hebi&_method=GET",
                                  "/t/xian/custody-enrollments/?_anchor=x&_external=1&tenant=hebi&fmt=x"])
def test_query_arguments_do_not_reach_url_building(app, client, bureau, path):
    b = bureau("xian")
    page_login(client, b.email)
    r = client.get(path)
    assert r.status_code == 200, path
    html = r.get_data(as_text=True)
    links = [part.split('"')[0] for part in html.split('href="')[1:] if "xlsx" in part.split('"')[0]]
    assert links, "no export link"
    for link in links:
        assert link.startswith("/t/xian/"), link
        assert "#" not in link and "endpoint" not in link and "fmt=" not in link, link


def test_export_links_keep_the_real_filters(client, bureau):
    b = bureau("xian")
    page_login(client, b.email)
    r = client.get("/t/xian/certifications/?status=submitted&submitted_from=2025-01-01")
    html = r.get_data(as_text=True)
    assert "/t/xian/certifications/export.xlsx?status=submitted&amp;submitted_from=2025-01-01" in html
    html = client.get("/t/xian/cases/?status=submitted").get_data(as_text=True)
    assert "/t/xian/cases/export.xlsx?status=submitted" in html


RACERS = 20


def test_racing_first_puts_of_a_kpi_year_or_task_never_500(client, bureau, live_server):
    b = bureau("xian")
    code = next(r["code"] for r in client.get("/t/xian/api/v1/kpis").get_json()
                if r["source"] == "reported" and any(t["year"] == 2025 for t in r["targets"]))
    task = client.get("/t/xian/api/v1/tasks").get_json()[1]["code"]
    for path, body in ((f"/t/xian/api/v1/kpis/{code}/actuals/2025", {"value": 1}),
                       (f"/t/xian/api/v1/tasks/{task}", {"status": "in_progress"})):
        results = race(live_server, [("PUT", path, bearer(b.token), body) for _ in range(RACERS)])
        # the first PUT creates; the others, sent without the version of a value that now exists, are 409
        assert sorted(c for c, _b in results) == [200] + [409] * (RACERS - 1), results
    acts = next(r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["code"] == code)["actuals"]
    assert [a["year"] for a in acts] == [2025]


def test_nul_in_an_agency_id_or_a_case_note_is_422(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    body = enrollment_body("xian", "a\x00b")
    r = e.post("/t/xian/api/v1/custody-enrollments", json=body)
    assert r.status_code == 422, r.get_json()
    case = file_case(e, "xian")
    r = b.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": "accepted", "note": "a\x00b"})
    assert r.status_code == 422, r.get_json()
    r = e.post("/t/xian/api/v1/cases", json={"case_type": "assistance\x00"})
    assert r.status_code == 422
