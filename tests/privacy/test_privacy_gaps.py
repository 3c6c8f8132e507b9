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
    assert [(i["kind"], i["id"], i["due"]) for i in soon] == [("erasure_request", request_id,
                                                               due.isoformat())]
    monkeypatch.setattr(worklist, "today", lambda: due + dt.timedelta(days=1))  # the day after: overdue
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert [i["id"] for i in body["overdue"]] == [request_id] and body["due_soon"] == []

    pages = _bureau_pages(app, officer)
    html = pages.get("/t/xian/worklist").get_data(as_text=True)
    # the tile and the header link
    assert 'href="/t/xian/erasure-requests"' in html and "删除请求 (1)" in html
    # overdue row
    assert f'href="/t/xian/erasure-requests#request-{request_id}"' in html and "请求删除公司" in html
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
    assert [(a["by"], a["object_type"]) for a in _exports(rejected)] == [(officer.email,
                                                                          "certification_records")]
    assert _exports(waiting) == [] and _exports(without) == []  # not in that export

    pages = _bureau_pages(app, officer)
    # the page's export
    assert pages.get("/t/xian/certifications/export.xlsx?full_contact=1").status_code == 200
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


# --- 3. erasure against the retention rules ---------------------------------------------------------------

def _age_case(app, case_id: str, days: int) -> None:
    from sqlalchemy import update

    from ipservice.cases.models import Case
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("xian"):
        db.session.execute(update(Case).where(Case.id == case_id).values(
            closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
        db.session.commit()


def test_an_erasure_keeps_what_a_retention_rule_holds_and_says_which_rule(app, enterprise, bureau):
    from tests.cases.conftest import bring_to, file_case

    person, officer = enterprise("xian"), bureau("xian")
    working = file_case(person)                              # being worked: kept until closed + 1095 days
    closed = bring_to("closed", person, officer)              # closed yesterday: kept 1095 days
    old = bring_to("closed", person, officer)                 # closed 4 years ago: its period has run
    declined = bring_to("declined", person, officer)          # no rule keeps a declined case's text
    _age_case(app, closed["id"], 1)
    _age_case(app, old["id"], 4 * 365)
    email = person.info["email"]

    asked = person.post("/api/v1/me/erasure-request", json={"reason": "注销"}).get_json()
    assert [(h["rule"], h["object_id"]) for h in asked["held"]] == sorted(
        [("closed_case_text_days", working["id"]), ("closed_case_text_days", closed["id"])],
        key=lambda p: [c["number"] for c in (working, closed) if c["id"] == p[1]])  # foreseen when asked
    r = officer.post(f"/t/xian/api/v1/erasure-requests/{asked['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200, r.get_json()
    held = {h["object_id"]: h for h in r.get_json()["held"]}
    assert set(held) == {working["id"], closed["id"]}
    assert held[working["id"]]["until"] is None and held[working["id"]]["days"] == 1095
    until = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(days=1095 - 1)).date()
    assert held[closed["id"]]["until"] == until.isoformat()
    assert held[closed["id"]]["fields"] == ["summary", "request"]
    assert closed["number"] in held[closed["id"]]["what_zh"]

    cases = {c: officer.get(f"/t/xian/api/v1/cases/{c}").get_json() for c in
             (working["id"], closed["id"], old["id"], declined["id"])}
    assert cases[working["id"]]["summary"] == working["summary"]  # kept by the rule
    assert cases[closed["id"]]["summary"] == closed["summary"]
    assert cases[old["id"]]["summary"] == "已删除" and cases[declined["id"]]["request"] == "已删除"  # erased
    assert email not in json_text(cases)  # the e-mail on every case is replaced: no rule keeps it
    events = officer.get("/t/xian/api/v1/audit?action=privacy.erasure_approved").get_json()
    assert {h["object_id"] for h in events[0]["detail"]["held"]} == set(held)

    pages = _bureau_pages(app, officer)
    html = pages.get("/t/xian/erasure-requests").get_data(as_text=True)
    assert "部分删除" in html
    assert f"依保存期限规则 closed_case_text_days（1095 天）保留至 {until.isoformat()}" in html
    assert f"案件 {working['number']} 的案情和请求" in html and "保留至办结后 1095 天" in html
    english = pages.get("/t/xian/erasure-requests?lang=en").get_data(as_text=True)
    assert f"The summary and request of case {closed['number']}" in english and "retention rule" in english


def json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def test_a_refusal_needs_a_rule_that_still_holds_the_data(app, enterprise, bureau):
    from tests.cases.conftest import file_case

    person, officer = enterprise("xian"), bureau("xian")
    request_id = person.post("/api/v1/me/erasure-request", json={}).get_json()["id"]
    decision = f"/t/xian/api/v1/erasure-requests/{request_id}/decision"
    r = officer.post(decision + "?lang=en", json={"decision": "reject", "reason": "我们想保留"})
    assert r.status_code == 422 and "no retention rule" in r.get_json()["message"].lower()
    assert "第四十七条" in officer.post(decision,
                                   json={"decision": "reject", "reason": "x"}).get_json()["message"]
    pages = _bureau_pages(app, officer)
    html = pages.get("/t/xian/erasure-requests").get_data(as_text=True)
    from tests.conftest import csrf_from

    r = pages.post(f"/t/xian/erasure-requests/{request_id}/decision",
                   data={"csrf_token": csrf_from(html), "decision": "reject", "reason": "想保留"})
    assert r.status_code == 422 and "不能驳回" in r.get_data(as_text=True)

    case = file_case(person)  # now a rule keeps something: the refusal may be given, and names it
    page = pages.get("/t/xian/erasure-requests").get_data(as_text=True)
    assert "保存期限规则仍要求保留" in page and case["number"] in page  # foreseen for the bureau
    r = officer.post(decision, json={"decision": "reject", "reason": "案件仍在办理"})
    assert r.status_code == 200 and [h["object_id"] for h in r.get_json()["held"]] == [case["id"]]
    assert person.get("/api/v1/me/accesses").status_code == 200  # the account stays open


def test_the_account_page_tells_the_person_what_would_be_kept(app, enterprise, bureau):
    from tests.cases.conftest import file_case

    person = enterprise("xian")
    pages = app.test_client()
    page_login(pages, person.info["email"])
    assert "仍受保存期限规则约束" not in pages.get("/account/privacy").get_data(as_text=True)
    case = file_case(person)
    html = pages.get("/account/privacy").get_data(as_text=True)
    assert "仍受保存期限规则约束" in html and case["number"] in html and "closed_case_text_days" in html


# --- 4. refused answers -----------------------------------------------------------------------------------

def _opened(officer) -> list[tuple[str, str]]:
    return sorted((a["what"], a["object_id"]) for a in officer.get("/t/xian/api/v1/accesses").get_json())


def test_a_refused_answer_records_an_access_only_when_it_shows_the_data(app, enterprise, bureau):
    from tests.conftest import csrf_from

    person, officer = enterprise("xian"), bureau("xian")
    rec = submit(person, "xian")
    far = submit(enterprise("hebi"), "hebi")
    pages = _bureau_pages(app, officer)
    # not found — nonexistent, or another tenant's (the same 404: its existence is not told): nothing read
    for path in (f"/t/xian/certifications/{far['id']}", "/t/xian/certifications/no-such-record"):
        assert pages.get(path).status_code == 404
    for path in (f"{URL.format('xian')}/{far['id']}", f"{URL.format('xian')}/no-such-record"):
        assert officer.get(path).status_code == 404
    # a role refused before any lookup (an enterprise's upload route): nothing read
    assert officer.post(f"{URL.format('xian')}/{rec['id']}/attachments", json={}).status_code in (403, 422)
    assert _opened(officer) == []
    with app.app_context():
        from sqlalchemy import select

        from ipservice.core.privacy import PersonalDataAccess
        from ipservice.core.tenancy import tenant_context
        from ipservice.extensions import db

        with tenant_context("hebi"):  # nor in the tenant the row belongs to
            assert db.session.scalars(select(PersonalDataAccess)).all() == []

    # the decision form sent back with its error, beside the record it shows: the read is recorded
    page = pages.get(f"/t/xian/certifications/{rec['id']}").get_data(as_text=True)
    assert _opened(officer) == [("filing", rec["id"])]
    r = pages.post(f"/t/xian/certifications/{rec['id']}/decision",
                   data={"csrf_token": csrf_from(page), "decision": "reject"})  # a rejection needs a reason
    assert r.status_code == 422 and rec["certificate_no"] in r.get_data(as_text=True)
    assert _opened(officer) == [("filing", rec["id"])] * 2
    # a JSON refusal shows nothing of the record: not recorded, and nothing of the refused request is kept
    assert officer.post(f"{URL.format('xian')}/{rec['id']}/decision",
                        json={"decision": "maybe"}).status_code == 422
    assert _opened(officer) == [("filing", rec["id"])] * 2
    assert person.get("/api/v1/me/accesses").get_json()[0]["by"] == officer.email


# --- 5. organizations and claims are personal data too ----------------------------------------------------

def test_opening_an_organization_or_a_claim_is_recorded(app, client, enterprise, bureau):
    from tests.proof.operations import Real

    owner, officer = enterprise("xian"), bureau("xian")
    org_id = next(o["id"] for o in officer.get("/t/xian/api/v1/organizations").get_json()
                  if o["uscc"] == owner.info["uscc"])
    assert officer.get("/t/xian/api/v1/accesses").get_json() == []  # the list shows no contact data
    r = client.post("/t/xian/api/v1/organization-claims", content_type="multipart/form-data",
                    data=Real.claim_form(owner.info["uscc"]))
    assert r.status_code == 201, r.get_json()
    claim_id = r.get_json()["id"]

    pages = _bureau_pages(app, officer)
    html = pages.get(f"/t/xian/organizations/{org_id}").get_data(as_text=True)  # contact person, the claim
    assert claim_id in html
    assert officer.get(f"/t/xian/api/v1/organization-claims/{claim_id}/licence").status_code == 200
    assert officer.get("/t/xian/api/v1/organization-claims?status=pending").status_code == 200
    seen = sorted((a["what"], a["object_id"]) for a in officer.get("/t/xian/api/v1/accesses").get_json())
    assert seen == sorted([("organization", org_id), ("claim", claim_id), ("attachment", seen[0][1]),
                           ("claim", claim_id)]), seen  # the licence download is one row, the attachment's
    mine = owner.get("/api/v1/me/accesses").get_json()
    assert [a["what"] for a in mine] == ["organization"]  # the claim names no organization while it waits
    page = app.test_client()
    page_login(page, owner.info["email"])
    assert "单位信息" in page.get("/account/privacy").get_data(as_text=True)


def test_an_erasure_takes_the_stored_answers_of_the_persons_retried_requests(app, enterprise, bureau):
    from sqlalchemy import select

    from ipservice.core.idempotency import IdempotencyRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from tests.cases.conftest import case_body

    person, officer = enterprise("xian"), bureau("xian")
    mine, theirs = "我方联系人王小明，电话 13800138000。", "对方的案情。"
    r = person.post("/t/xian/api/v1/cases", json=case_body(summary=mine),
                    headers={"Idempotency-Key": "retry-1"})
    assert r.status_code == 201 and r.get_json()["summary"] == mine
    other = enterprise("xian")
    assert other.post("/t/xian/api/v1/cases", json=case_body(summary=theirs),
                      headers={"Idempotency-Key": "retry-1"}).status_code == 201

    def stored():
        with app.app_context(), tenant_context("xian"):
            return sorted(json_text(b) for b in db.session.scalars(select(IdempotencyRecord.body)))

    assert any(mine in b for b in stored())  # the first answer, kept for a retry
    request_id = person.post("/api/v1/me/erasure-request", json={}).get_json()["id"]
    assert officer.post(f"/t/xian/api/v1/erasure-requests/{request_id}/decision",
                        json={"decision": "approve"}).status_code == 200
    left = stored()
    assert len(left) == 1 and theirs in left[0]  # another person's stored answer stays


def test_an_exports_access_rows_go_in_as_one_insert(app, enterprise, bureau):
    from sqlalchemy import event

    from ipservice.extensions import db

    officer = bureau("xian")
    for _n in range(3):
        submit(enterprise("xian"), "xian")
    inserts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PERSONAL_DATA_ACCESSES"):
            inserts.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert officer.get(f"{URL.format('xian')}.csv").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 1  # three organizations, one statement, in the export's own transaction
    assert [a["organizations"] for a in officer.get("/t/xian/api/v1/accesses").get_json()] == [3]
