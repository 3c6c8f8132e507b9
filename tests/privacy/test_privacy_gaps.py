"""The gaps of issue 22 closed after its first round: personal-data requests on the bureau's worklist, exports
recorded in the access record of every organization whose rows they held, erasure against the retention
rules, and the access record of answers that failed — through the API and the pages."""
from __future__ import annotations

import datetime as dt

from tests.certification.certification_helpers import submit
from tests.certification.test_certification_api import URL
from tests.conftest import page_login


def _bureau_pages(app, officer):
    pages = app.test_client()
    page_login(pages, officer.email)
    return pages


def _exports(api) -> list[dict]:
    return [a for a in api.get("/api/v1/me/accesses").get_json() if a["what"] == "export"]


# --- 1. requests on the worklist --------------------------------------------------------------------------

def test_a_waiting_erasure_request_is_on_the_worklist_and_in_the_navigation(app, enterprise, bureau,
                                                                             monkeypatch):
    from ipservice.worklist import services as worklist

    person = enterprise("xian", name="请求删除公司")
    officer, elsewhere = bureau("xian"), bureau("hebi")
    assert officer.get("/t/xian/api/v1/dashboard").get_json()["work"] == {"erasure_request": 0}
    request_id = person.post("/api/v1/me/erasure-request", json={"reason": "不再使用"}).get_json()["id"]

    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert body["work"] == {"erasure_request": 1}
    assert elsewhere.get("/t/hebi/api/v1/dashboard").get_json()["work"] == {"erasure_request": 0}
    due = dt.date.fromisoformat(officer.get("/t/xian/api/v1/erasure-requests").get_json()[0]["due_on"])
    monkeypatch.setattr(worklist, "today", lambda: due)  # the last day: due soon
    soon = officer.get("/t/xian/api/v1/dashboard").get_json()["due_soon"]
    assert [(i["kind"], i["id"], i["due"]) for i in soon] == [("erasure_request", request_id, due.isoformat())]
    monkeypatch.setattr(worklist, "today", lambda: due + dt.timedelta(days=1))  # the day after: overdue
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert [i["id"] for i in body["overdue"]] == [request_id] and body["due_soon"] == []

    pages = _bureau_pages(app, officer)
    html = pages.get("/t/xian/worklist").get_data(as_text=True)
    assert 'href="/t/xian/erasure-requests"' in html and "删除请求 (1)" in html  # the tile and the header link
    assert f'href="/t/xian/erasure-requests#request-{request_id}"' in html and "请求删除公司" in html  # overdue row
    english = pages.get("/t/xian/worklist?lang=en").get_data(as_text=True)
    assert "Erasure requests" in english
    assert f'id="request-{request_id}"' in pages.get("/t/xian/erasure-requests").get_data(as_text=True)

    r = officer.post(f"/t/xian/api/v1/erasure-requests/{request_id}/decision", json={"decision": "approve"})
    assert r.status_code == 200
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert body["work"] == {"erasure_request": 0} and body["overdue"] == []
    html = pages.get("/t/xian/worklist?lang=zh").get_data(as_text=True)
    assert "删除请求 (1)" not in html and "请求删除公司" not in html


# --- 2. exports name whose data they held ----------------------------------------------------------------

def test_an_export_is_in_the_access_record_of_each_organization_it_held(app, enterprise, bureau):
    rejected, waiting, without = enterprise("xian"), enterprise("xian"), enterprise("xian")
    far = enterprise("hebi")
    officer = bureau("xian")
    rec = submit(rejected, "xian")
    submit(waiting, "xian")
    submit(far, "hebi")
    officer.post(f"{URL.format('xian')}/{rec['id']}/decision", json={"decision": "reject", "reason": "不符"})
    officer.get("/t/xian/api/v1/accesses")  # nothing recorded by reading the record itself

    assert officer.get(f"{URL.format('xian')}.csv?status=rejected").status_code == 200
    assert [(a["by"], a["object_type"]) for a in _exports(rejected)] == [(officer.email, "certification_records")]
    assert _exports(waiting) == [] and _exports(without) == []  # not in that export

    pages = _bureau_pages(app, officer)
    assert pages.get("/t/xian/certifications/export.xlsx?full_contact=1").status_code == 200  # the page's export
    assert len(_exports(rejected)) == 2 and len(_exports(waiting)) == 1 and _exports(without) == []
    assert _exports(waiting)[0]["full_contact"] is True
    assert _exports(far) == []  # another tenant's organization

    review = officer.get("/t/xian/api/v1/accesses").get_json()
    assert sorted((a["organizations"], a["full_contact"]) for a in review if a["what"] == "export") == [
        (1, False), (2, True)]  # one entry per export, however many organizations it held
    html = pages.get("/t/xian/accesses").get_data(as_text=True)
    assert "2 个单位的数据" in html
    assert "data of 2 organizations" in pages.get("/t/xian/accesses?lang=en").get_data(as_text=True)
    officer.get(f"{URL.format('xian')}.csv?status=verified")  # an export that held nobody is still recorded
    assert sorted(a["organizations"] for a in officer.get("/t/xian/api/v1/accesses").get_json()
                  if a["what"] == "export") == [0, 1, 2]


def test_a_person_sees_exports_of_their_data_on_the_account_page(app, enterprise, bureau):
    person, officer = enterprise("xian"), bureau("xian")
    submit(person, "xian")
    assert officer.get(f"{URL.format('xian')}.xlsx").status_code == 200
    pages = app.test_client()
    page_login(pages, person.info["email"])
    html = pages.get("/account/privacy").get_data(as_text=True)
    assert officer.email in html and "导出" in html
