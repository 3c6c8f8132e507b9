"""Personal information (issue 22): notice and consent, the copy of one's data, correction, erasure,
retention, the access record and masking — through the API, the pages and the command line."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from tests.certification.certification_helpers import file_post, pdf_bytes, submit
from tests.certification.test_certification_api import URL
from tests.conftest import DEMO_PASSWORD, csrf_from, page_login, token_for

PHONE = "13800138000"


def _zip(r) -> dict:
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    z = zipfile.ZipFile(io.BytesIO(r.data))
    return {n: z.read(n) for n in z.namelist()}


def _person(enterprise, tenant="xian", **kw):
    e = enterprise(tenant, **kw)
    r = e.client.put("/api/v1/me/contact", json={"contact_name": "王小明", "contact_phone": PHONE},
                     headers=e.headers())
    assert r.status_code == 200, r.get_json()
    return e


def test_the_notice_is_the_tenants_and_registration_records_the_version(client):
    from tests.conftest import Api, make_uscc

    n = client.get("/t/xian/api/v1/privacy-notice").get_json()
    assert n["version"] == 1 and "西安市市场监督管理局" in n["bureau"]
    assert client.get("/t/xian/api/v1/privacy-notice?lang=en").get_json()["bureau"].startswith("Xi'an")
    old = {"name": "旧客户端公司", "uscc": make_uscc(), "email": "old@xian.example.cn",
           "password": DEMO_PASSWORD, "contact_name": "李四", "contact_phone": "029-88886666"}
    assert client.post("/t/xian/api/v1/register", json=old).status_code == 201  # a 1.0 body still registers
    e = Api(client, token_for(client, old["email"]))
    assert e.get("/api/v1/me/privacy-notice").get_json()["accepted_version"] is None
    assert e.post("/api/v1/me/privacy-notice", json={"version": 7}).status_code == 422
    assert e.post("/api/v1/me/privacy-notice", json={"version": 1}).get_json()["accepted_version"] == 1

    body = {"name": "有版本公司", "uscc": make_uscc(), "email": "v@xian.example.cn",
            "password": DEMO_PASSWORD,
            "contact_name": "李四", "contact_phone": "029-88886666", "privacy_notice_version": 2}
    assert client.post("/t/xian/api/v1/register", json=body).status_code == 422  # not the current version
    body["privacy_notice_version"] = 1
    assert client.post("/t/xian/api/v1/register", json=body).status_code == 201


def test_the_page_registration_needs_the_checkbox_and_login_asks_for_a_new_version(client):
    from tests.conftest import make_uscc

    page = client.get("/t/xian/register")
    form = {"name": "页面公司", "uscc": make_uscc(), "email": "page@xian.example.cn",
            "password": DEMO_PASSWORD, "password_confirmation": DEMO_PASSWORD, "contact_name": "李四",
            "contact_phone": "029-88886666", "csrf_token": csrf_from(page.get_data(as_text=True))}
    r = client.post("/t/xian/register", data=form)
    assert r.status_code == 422 and "个人信息保护告知" in r.get_data(as_text=True)
    r = client.post("/t/xian/register", data={**form, "accept_privacy_notice": "on"})
    assert r.status_code == 302
    r = page_login(client, "page@xian.example.cn")
    assert "/account/privacy/accept" not in r.headers["Location"]  # accepted at registration


def test_a_user_without_consent_is_shown_the_notice_at_login(client, bureau):
    from tests.conftest import Api, make_uscc

    body = {"name": "旧客户端公司", "uscc": make_uscc(), "email": "old@hebi.example.cn",
            "password": DEMO_PASSWORD,
            "contact_name": "李四", "contact_phone": "029-88886666"}  # a 1.0 client: no version accepted
    assert client.post("/t/hebi/api/v1/register", json=body).status_code == 201
    e = Api(client, token_for(client, body["email"]))
    r = page_login(client, body["email"])
    assert "/account/privacy/accept" in r.headers["Location"]
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and "鹤壁" in page.get_data(as_text=True)
    r = client.post("/account/privacy/accept", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                    "next": "/t/hebi/my"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/t/hebi/my")
    assert e.get("/api/v1/me/privacy-notice").get_json()["accepted_version"] == 1
    b = bureau("hebi")  # officials are not asked
    assert "/account/privacy/accept" not in page_login(app_client(client), b.email).headers["Location"]


def app_client(client):
    return client.application.test_client()


def test_the_zip_holds_exactly_the_callers_data(app, enterprise, bureau):
    me = _person(enterprise, "xian", name="我的公司")
    other = _person(enterprise, "xian", name="别人公司")
    elsewhere = _person(enterprise, "hebi", name="外地公司")
    mine = submit(me, "xian")
    theirs = submit(other, "xian")
    far = submit(elsewhere, "hebi")
    assert file_post(me, f"{URL.format('xian')}/{mine['id']}/attachments", pdf_bytes()).status_code == 201
    officer = bureau("xian")
    for filing in (mine, theirs):  # each decision notifies its own organization only
        assert officer.post(f"{URL.format('xian')}/{filing['id']}/decision",
                            json={"decision": "reject", "reason": "材料不全"}).status_code == 200
    files = _zip(me.get("/api/v1/me/data"))
    assert {"account.json", "filings.json", "filings.csv", "notifications.json", "audit.json"} <= set(files)
    filings = json.loads(files["filings.json"])
    assert [f["id"] for f in filings] == [mine["id"]] and filings[0]["history"]
    # the decision on my filing reached my inbox, and so the copy of my data (the other's decision did not)
    assert [n["kind"] for n in json.loads(files["notifications.json"])] == ["certification.rejected"]
    assert json.loads(files["account.json"])["organization"]["contact_phone"] == PHONE
    assert any(n.startswith(f"attachments/certification/{mine['id']}/") for n in files)
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for foreign in (theirs["id"], far["id"], other.info["email"], elsewhere.info["email"], "别人公司",
                    "外地公司"):
        assert foreign not in everything
    assert mine["id"] in files["filings.csv"].decode("utf-8-sig")


def test_correction_is_audited_and_bad_input_changes_nothing(enterprise, bureau):
    e = _person(enterprise, "xian")
    r = e.client.put("/api/v1/me/contact", json={"contact_phone": "not a phone"}, headers=e.headers())
    assert r.status_code == 422
    r = e.client.put("/api/v1/me/contact?lang=en", json={"contact_phone": "\u202e"}, headers=e.headers())
    assert r.status_code == 422
    b = bureau("xian")
    events = b.get("/t/xian/api/v1/audit?action=privacy.contact_corrected").get_json()
    assert len(events) == 1 and events[0]["detail"]["fields"] == ["contact_name", "contact_phone"]
    assert PHONE not in json.dumps(events)


def _erase(e, b, tenant="xian"):
    r = e.post("/api/v1/me/erasure-request", json={"reason": "不再使用"})
    assert r.status_code == 201 and r.get_json()["status"] == "submitted", r.get_json()
    assert e.post("/api/v1/me/erasure-request", json={}).status_code == 409  # one open at a time
    listed = b.get(f"/t/{tenant}/api/v1/erasure-requests?status=submitted").get_json()
    assert [x["id"] for x in listed] == [r.get_json()["id"]]
    return r.get_json()["id"]


def test_an_approved_erasure_leaves_no_name_email_or_phone_anywhere(app, client, enterprise, bureau,
                                                                    cross_admin):
    e = _person(enterprise, "xian", name="被删除公司")
    email = e.info["email"]
    record = submit(e, "xian")
    b = bureau("xian")
    assert b.get(f"{URL.format('xian')}/{record['id']}").status_code == 200
    stats_before = {k: v for k, v in cross_admin.get("/api/v1/stats").get_json().items()
                    if k != "generated_at"}
    request_id = _erase(e, b)
    r = b.post(f"/t/xian/api/v1/erasure-requests/{request_id}/decision", json={"decision": "reject"})
    assert r.status_code == 422  # a refusal needs its reason
    r = b.post(f"/t/xian/api/v1/erasure-requests/{request_id}/decision", json={"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved", r.get_json()
    again = b.post(f"/t/xian/api/v1/erasure-requests/{request_id}/decision", json={"decision": "approve"})
    assert again.status_code == 409
    assert e.get("/api/v1/me/accesses").status_code == 401  # the token ended
    assert client.post("/api/v1/auth/token",
                       json={"email": email, "password": DEMO_PASSWORD}).status_code == 401
    stats_after = cross_admin.get("/api/v1/stats").get_json()
    assert {k: v for k, v in stats_after.items() if k != "generated_at"} == stats_before
    seen = [b.get(f"{URL.format('xian')}/{record['id']}"), b.get(URL.format("xian")),
            b.get("/t/xian/api/v1/audit?per_page=100"), b.get(f"{URL.format('xian')}.csv?full_contact=1"),
            b.get("/t/xian/api/v1/erasure-requests"), b.get("/t/xian/api/v1/organizations")]
    assert seen[0].status_code == 200 and seen[0].get_json()["certificate_no"] == record["certificate_no"]
    text = "".join(r.get_data(as_text=True) for r in seen)
    text += json.dumps([r.get_json() for r in seen if r.is_json], ensure_ascii=False)
    pages = app.test_client()
    page_login(pages, b.email)
    for path in (f"/t/xian/certifications/{record['id']}", "/t/xian/certifications/",
                 "/t/xian/erasure-requests", "/t/xian/organizations", "/t/xian/worklist",
                 "/t/xian/certifications/export.csv?full_contact=1"):
        answer = pages.get(path)
        assert answer.status_code == 200, path
        text += answer.get_data(as_text=True)
    for personal in (email, "王小明", PHONE):
        assert personal not in text
    assert "被删除公司" in text  # the organization's record stays
    r = page_login(app.test_client(), email)
    assert r.status_code == 401  # the page login is refused as well


def test_the_audit_trail_is_still_append_only_for_the_app_role(app, enterprise, postgres):
    from sqlalchemy import text

    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    enterprise("xian")
    with app.app_context(), tenant_context("xian"):
        db.session.execute(text("SELECT 1"))
        for sql in ("UPDATE audit_events SET detail = '{}'",
                    "SELECT ipservice_erase_person_in_audit('no-such', ARRAY[]::text[], ARRAY['x'], "
                    "ARRAY[]::text[], 'e', 'e')"):
            try:
                with db.session.begin_nested():
                    db.session.execute(text(sql))
            except Exception as exc:  # noqa: BLE001 — the refusal is the point
                assert any(m in str(exc) for m in ("append-only", "permission denied", "no approved erasure"))
            else:
                raise AssertionError(f"{sql} was allowed")
        db.session.rollback()


def test_every_access_is_recorded_and_the_person_sees_it(enterprise, bureau):
    e = _person(enterprise, "xian")
    record = submit(e, "xian")
    att = file_post(e, f"{URL.format('xian')}/{record['id']}/attachments", pdf_bytes()).get_json()
    b = bureau("xian")
    assert b.get(f"{URL.format('xian')}/{record['id']}").status_code == 200
    assert b.get(f"{URL.format('xian')}/{record['id']}/attachments/{att['id']}").status_code == 200
    assert b.get(f"{URL.format('xian')}.csv").status_code == 200
    assert b.get(f"{URL.format('xian')}.xlsx?full_contact=1").status_code == 200
    mine = e.get("/api/v1/me/accesses").get_json()
    # the exports held mine
    assert sorted(a["what"] for a in mine) == ["attachment", "export", "export", "filing"]
    assert {a["by"] for a in mine} == {b.email}
    review = b.get("/t/xian/api/v1/accesses").get_json()
    assert sorted(a["what"] for a in review) == ["attachment", "export", "export", "filing"]
    assert [a["organizations"] for a in review if a["what"] == "export"] == [1, 1]
    assert [a["full_contact"] for a in review if a["what"] == "export"].count(True) == 1
    official = review[0]["by"]
    assert official == b.email
    assert e.get("/t/xian/api/v1/accesses").status_code == 403
    page = b.client.get("/t/xian/accesses")  # the page needs a session: a bureau login
    assert page.status_code == 302


def test_exports_mask_contact_data_unless_asked(enterprise, bureau):
    from ipservice.core.privacy import mask_text

    assert mask_text("13800138000") == "138****8000"
    assert mask_text("li.si@example.cn, 029-88886666") == "l***@example.cn, 029-****6666"
    assert mask_text("91610131MA00000012 2026-12-01") == "91610131MA00000012 2026-12-01"
    e = _person(enterprise, "xian")
    b = bureau("xian")
    rec = submit(e, "xian", scope=f"联系 {PHONE} 或 li.si@example.cn")
    b.post(f"{URL.format('xian')}/{rec['id']}/decision",
           json={"decision": "reject", "reason": f"请致电{PHONE}"})
    for query in ("", "?status=rejected"):
        for fmt in ("csv", "xlsx"):
            body = b.get(f"{URL.format('xian')}.{fmt}{query}").data
            if fmt == "xlsx":
                body = _xlsx_text(body)
            text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
            assert PHONE not in text and "li.si@example.cn" not in text and "138****8000" in text
    for page in ("/t/xian/api/v1/cases.csv", "/t/xian/api/v1/custody-enrollments.xlsx",
                 "/t/xian/api/v1/subsidy-applications.csv"):
        assert b.get(page).status_code == 200
    full = b.get(f"{URL.format('xian')}.csv?full_contact=1").data.decode("utf-8-sig")
    assert PHONE in full and "li.si@example.cn" in full
    assert [a["full_contact"] for a in b.get("/t/xian/api/v1/accesses").get_json()
            if a["what"] == "export"].count(True) == 1


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)


def test_retention_deletes_exactly_what_its_rules_name(app, enterprise, bureau):
    from sqlalchemy import select, update

    from ipservice.certification.models import CertificationRecord
    from ipservice.core.attachments import Attachment
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    e = enterprise("xian")
    old, new = submit(e, "xian"), submit(e, "xian")
    for rec in (old, new):
        assert file_post(e, f"{URL.format('xian')}/{rec['id']}/attachments", pdf_bytes()).status_code == 201
    b = bureau("xian")
    for rec in (old, new):
        b.post(f"{URL.format('xian')}/{rec['id']}/decision", json={"decision": "reject", "reason": "不符"})
    with app.app_context(), tenant_context("xian"):
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 365)
        db.session.execute(update(CertificationRecord).where(CertificationRecord.id == old["id"])
                           .values(decided_at=long_ago))
        db.session.commit()
    dry = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert old["id"] in dry.output and new["id"] not in dry.output and "would delete: 1" in dry.output
    with app.app_context(), tenant_context("xian"):
        assert db.session.scalar(select(db.func.count()).select_from(Attachment)) == 2
    done = app.test_cli_runner().invoke(args=["retention", "run"])
    assert done.exit_code == 0 and "deleted: 1" in done.output
    with app.app_context(), tenant_context("xian"):
        left = db.session.scalars(select(Attachment.owner_id)).all()
        assert left == [new["id"]]
    events = b.get("/t/xian/api/v1/audit?action=retention.rejected_attachments_deleted").get_json()
    assert [ev["object_id"] for ev in events] == [old["id"]]
    assert b.get(f"{URL.format('xian')}/{old['id']}").status_code == 200  # the record itself stays


def test_the_account_page_serves_each_right(app, client, enterprise):
    e = _person(enterprise, "xian")
    r = page_login(client, e.info["email"])
    page = client.get("/account/privacy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "王小明" in html and "下载我的数据" in html
    english = client.get("/account/privacy?lang=en").get_data(as_text=True)
    assert "Download my data" in english and "Who opened my data" in english
    client.get("/account/privacy?lang=zh")
    files = _zip(client.get("/account/privacy/my-data.zip"))
    assert "account.json" in files
    token = csrf_from(html)
    r = client.post("/account/privacy", data={"csrf_token": token, "action": "contact",
                                              "contact_name": "王大明", "contact_phone": "13900139000"})
    assert r.status_code == 303
    r = client.post("/account/privacy", data={"csrf_token": token, "action": "contact", "contact_phone": "x"})
    assert r.status_code == 422
    r = client.post("/account/privacy", data={"csrf_token": token, "action": "erasure", "reason": "走了"})
    assert r.status_code == 303
    assert e.get("/api/v1/me/erasure-request").status_code == 405
    assert token_for(client, e.info["email"])


def test_two_requests_at_once_leave_one_and_two_decisions_apply_once(client, enterprise, bureau, live_server):
    """One open request per person (the unique ``open_for``) and one decision (a conditional UPDATE), held by
    the database when the requests race."""
    from tests.cases.conftest import file_case
    from tests.racing import bearer, race

    e = enterprise("xian")
    file_case(e)  # a case being worked: the retention rule keeps its text, so a rejection may be given
    answers = race(live_server,
                   [("POST", "/api/v1/me/erasure-request", bearer(e.token), {"reason": "x"})] * 4)
    assert sorted(s for s, _b in answers) == [201, 409, 409, 409], answers
    request_id = next(b["id"] for s, b in answers if s == 201)
    b1, b2 = bureau("xian"), bureau("xian")
    decision = f"/t/xian/api/v1/erasure-requests/{request_id}/decision"
    answers = race(live_server, [("POST", decision, bearer(b1.token), {"decision": "approve"}),
                                 ("POST", decision, bearer(b2.token),
                                  {"decision": "reject", "reason": "保存期限"})])
    assert sorted(s for s, _b in answers) == [200, 409], answers
    events = b1.get("/t/xian/api/v1/audit?object_type=erasure_request").get_json()
    assert len([ev for ev in events
                if ev["action"] in ("privacy.erasure_approved", "privacy.erasure_rejected")]) == 1


def test_refusals_speak_the_callers_language(enterprise, bureau):
    e = enterprise("xian")
    assert e.post("/api/v1/me/erasure-request", json={}).status_code == 201
    r = e.post("/api/v1/me/erasure-request?lang=en", json={})
    assert r.status_code == 409 and "already" in r.get_json()["message"]
    assert "已有" in e.post("/api/v1/me/erasure-request", json={}).get_json()["message"]
    b = bureau("xian")
    r = b.post("/t/xian/api/v1/erasure-requests/nope/decision", json={"decision": "approve"})
    assert r.status_code == 404
    r = b.post("/t/xian/api/v1/erasure-requests/nope/decision?lang=en", json={"decision": "maybe"})
    assert r.status_code == 422


def test_retention_deletes_rejected_claims_past_their_year_with_the_licence(app, client, enterprise, bureau):
    from sqlalchemy import select, update

    from ipservice.core.attachments import Attachment
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.organizations.models import OrganizationClaim
    from tests.proof.operations import Real

    owner = enterprise("xian")
    ids = []
    for _n in range(2):
        form = Real.claim_form(owner.info["uscc"])
        r = client.post("/t/xian/api/v1/organization-claims", content_type="multipart/form-data", data=form)
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    b = bureau("xian")
    for claim_id in ids:
        r = b.post(f"/t/xian/api/v1/organization-claims/{claim_id}/decision",
                   json={"decision": "reject", "reason": "材料不符"})
        assert r.status_code == 200, r.get_json()
    with app.app_context(), tenant_context("xian"):
        db.session.execute(update(OrganizationClaim).where(OrganizationClaim.id == ids[0]).values(
            decided_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=400)))
        db.session.commit()
    dry = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert ids[0] in dry.output and ids[1] not in dry.output, dry.output
    done = app.test_cli_runner().invoke(args=["retention", "run"])
    assert done.exit_code == 0 and "deleted: 1" in done.output, done.output
    assert done.output.startswith("xian\t")  # found in its own tenant, not while another one ran
    with app.app_context(), tenant_context("xian"):
        assert db.session.scalars(select(OrganizationClaim.id)).all() == [ids[1]]
        assert db.session.scalars(select(Attachment.owner_id)).all() == [ids[1]]
    assert [e["object_id"] for e in b.get("/t/xian/api/v1/audit?action=retention.rejected_claims_deleted")
            .get_json()] == [ids[0]]


def test_the_notice_step_goes_on_to_this_site_only(client):
    from tests.conftest import make_uscc

    body = {"name": "跳转公司", "uscc": make_uscc(), "email": "jump@xian.example.cn",
            "password": DEMO_PASSWORD, "contact_name": "李四", "contact_phone": "029-88886666"}
    assert client.post("/t/xian/api/v1/register", json=body).status_code == 201
    page_login(client, body["email"])
    page = client.get("/account/privacy/accept").get_data(as_text=True)
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/"):
        r = client.post("/account/privacy/accept", data={"csrf_token": csrf_from(page), "next": target})
        assert r.status_code == 302 and "evil" not in r.headers["Location"], target
