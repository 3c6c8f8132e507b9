"""Issue 5: the custody pages — the enterprise files through the form, the bureau decides and manages
agencies."""
import csv
import io
import re

from openpyxl import load_workbook

from tests.conftest import csrf_from, make_uscc, page_login
from tests.custody.custody_helpers import enrollment_body


def logged_in(app, email):
    c = app.test_client()
    assert page_login(c, email).status_code == 302
    return c


def html(r):
    return r.get_data(as_text=True)


def test_enterprise_files_through_the_form_and_keeps_what_was_typed(app, setup, add_agency):
    e, b, agency = setup("xian")
    withdrawn = add_agency(b, "xian", name="撤销批准的机构")
    b.post(f"/t/xian/api/v1/agencies/{withdrawn['id']}/approval", json={"approved": False})
    c = logged_in(app, e.info["email"])
    page = html(c.get("/t/xian/custody-enrollments/new"))
    assert "新建托管申请" in page and "所在双创示范基地" in page and "国家级双创示范基地" in page
    assert f'value="{agency["id"]}"' in page and agency["name"] in page
    assert "撤销批准的机构" not in page
    assert "信息利用" in page and "人才培训" in page and "微型" in page
    form = {"csrf_token": csrf_from(page), "enterprise_scale": "micro", "agency_id": agency["id"],
            "services": ["info_use", "training"], "start_date": "2025-06-01", "end_date": "2030-01-01",
            "government_purchased": "on"}
    r = c.post("/t/xian/custody-enrollments/new", data=form)
    out = html(r)
    assert r.status_code == 422
    assert "最长为 3 年" in out and "缺少必填字段" in out  # end date, and the missing innovation_base
    assert 'value="2025-06-01"' in out and 'value="2030-01-01"' in out
    assert re.search(rf'<option value="{agency["id"]}"\s+selected', out)
    assert re.search(r'value="micro"\s+selected', out)
    assert re.search(r'value="info_use"\s+checked', out) and re.search(r'value="training"\s+checked', out)
    assert not re.search(r'value="patent_filing"\s+checked', out)
    assert re.search(r'name="government_purchased"\s+checked', out)
    # the error sits next to its field
    assert re.search(r'f-end_date.*?<p class="error"[^>]*>[^<]*最长为 3 年', out, re.S)
    r = c.post("/t/xian/custody-enrollments/new",
               data={**form, "end_date": "2027-05-31", "innovation_base": "provincial"})
    assert r.status_code == 302 and "/t/xian/custody-enrollments/" in r.headers["Location"]
    detail = html(c.get(r.headers["Location"]))
    assert "已提交" in detail and agency["name"] in detail and "省级双创示范基地" in detail
    assert "2027-05-31" in detail
    mine = html(c.get("/t/xian/custody-enrollments/"))
    assert "我的托管申请" in mine and agency["name"] in mine and "已提交" in mine
    # overlapping: refused with the reason, everything kept
    r = c.post("/t/xian/custody-enrollments/new",
               data={**form, "end_date": "2026-05-31", "innovation_base": "other"})
    out = html(r)
    assert r.status_code == 409 and "重叠" in out and 'value="2026-05-31"' in out
    assert re.search(r'value="other"\s+selected', out)
    # without the CSRF token nothing happens
    assert c.post("/t/xian/custody-enrollments/new",
                  data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400
    assert len(e.get("/t/xian/api/v1/custody-enrollments").get_json()) == 1


def test_bureau_reviews_and_decides_through_the_pages(app, filed):
    e, b, agency, row = filed("hebi")
    c = logged_in(app, b.email)
    queue = html(c.get("/t/hebi/custody-enrollments/"))
    assert "托管审核" in queue and agency["name"] in queue
    assert f"/t/hebi/custody-enrollments/{row['id']}" in queue
    assert "export.xlsx" in queue and "export.csv" in queue
    page = html(c.get(f"/t/hebi/custody-enrollments/{row['id']}"))
    assert 'value="approve"' in page and 'value="reject"' in page
    csrf = csrf_from(page)
    r = c.post(f"/t/hebi/custody-enrollments/{row['id']}/decision",
               data={"csrf_token": csrf, "decision": "reject", "reason": " "})
    assert r.status_code == 422 and "驳回时必须填写理由" in html(r)
    # no CSRF
    decision = f"/t/hebi/custody-enrollments/{row['id']}/decision"
    assert c.post(decision, data={"decision": "approve"}).status_code == 400
    r = c.post(decision, data={"csrf_token": csrf, "decision": "approve"})
    assert r.status_code == 302
    page = html(c.get(r.headers["Location"]))
    assert "已批准" in page and 'value="approve"' not in page
    r = c.post(f"/t/hebi/custody-enrollments/{row['id']}/decision",
               data={"csrf_token": csrf, "decision": "reject", "reason": "迟"})
    assert r.status_code == 409 and "不能再次决定" in html(r)
    assert e.get(f"/t/hebi/api/v1/custody-enrollments/{row['id']}").get_json()["status"] == "approved"
    # filters
    assert agency["name"] in html(c.get("/t/hebi/custody-enrollments/?status=approved"))
    assert "没有符合条件的托管申请" in html(c.get("/t/hebi/custody-enrollments/?status=rejected"))
    r = c.get("/t/hebi/custody-enrollments/?submitted_from=2023-02-30")
    assert r.status_code == 422 and "不是有效的日期" in html(r)
    assert "没有符合条件的托管申请" in html(c.get("/t/hebi/custody-enrollments/?submitted_to=2001-01-01"))


def test_enterprise_sees_the_reason_of_a_rejection_on_its_pages(app, filed):
    e, b, _agency, row = filed("xian")
    b.post(f"/t/xian/api/v1/custody-enrollments/{row['id']}/decision",
           json={"decision": "reject", "reason": "合同未盖章"})
    c = logged_in(app, e.info["email"])
    mine = html(c.get("/t/xian/custody-enrollments/"))
    assert "已驳回" in mine and "合同未盖章" in mine
    detail = html(c.get(f"/t/xian/custody-enrollments/{row['id']}"))
    assert "合同未盖章" in detail and 'value="approve"' not in detail
    assert c.post(f"/t/xian/custody-enrollments/{row['id']}/decision",
                  data={"csrf_token": csrf_from(detail), "decision": "approve"}).status_code == 403


def test_bureau_manages_agencies_through_the_page(app, bureau, enterprise):
    b = bureau("xian")
    c = logged_in(app, b.email)
    page = html(c.get("/t/xian/custody/agencies"))
    assert "添加托管服务机构" in page and "尚未登记托管服务机构" in page
    code = make_uscc()
    form = {"csrf_token": csrf_from(page), "name": "秦创知识产权托管有限公司", "uscc": code,
            "contact": "张经理"}
    assert c.post("/t/xian/custody/agencies", data=form).status_code == 302
    page = html(c.get("/t/xian/custody/agencies"))
    assert "秦创知识产权托管有限公司" in page and code in page
    r = c.post("/t/xian/custody/agencies", data={**form, "name": "重复的机构"})
    assert r.status_code == 409 and 'value="重复的机构"' in html(r) and "已在本地区登记" in html(r)
    r = c.post("/t/xian/custody/agencies", data={**form, "uscc": "123", "contact": ""})
    assert r.status_code == 422 and "统一社会信用代码应为 18 位" in html(r) and "缺少必填字段" in html(r)
    agency_id = b.get("/t/xian/api/v1/agencies").get_json()[0]["id"]
    r = c.post(f"/t/xian/custody/agencies/{agency_id}/approval", data={"csrf_token": form["csrf_token"],
                                                                        "approved": "false"})
    assert r.status_code == 302 and b.get("/t/xian/api/v1/agencies").get_json() == []
    assert "未批准" in html(c.get("/t/xian/custody/agencies"))
    c.post(f"/t/xian/custody/agencies/{agency_id}/approval",
           data={"csrf_token": form["csrf_token"], "approved": "true"})
    assert len(b.get("/t/xian/api/v1/agencies").get_json()) == 1
    ec = logged_in(app, enterprise("xian").info["email"])
    assert ec.get("/t/xian/custody/agencies").status_code == 403
    assert "我的托管申请" in html(ec.get("/t/xian/custody-enrollments/"))  # its own list, not the queue
    assert ec.get("/t/xian/custody-enrollments/export.xlsx").status_code == 403


def test_export_pages_for_the_bureau(app, filed):
    e, b, agency, row = filed("xian")
    c = logged_in(app, b.email)
    r = c.get("/t/xian/custody-enrollments/export.xlsx")
    assert r.status_code == 200
    rows = [[cell.value for cell in line] for line in load_workbook(io.BytesIO(r.data)).active.iter_rows()]
    assert "企业名称" in rows[1] and rows[2][rows[1].index("托管服务机构")] == agency["name"]
    r = c.get("/t/xian/custody-enrollments/export.csv?status=approved")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))) == 1
    assert c.get("/t/xian/custody-enrollments/export.csv?submitted_from=nope").status_code == 422
    assert c.get("/t/xian/custody-enrollments/export.pdf").status_code == 404


def test_nav_links_language_and_isolation_of_pages(app, filed, enterprise):
    e, b, _agency, hebi_row = filed("hebi")
    ec = logged_in(app, e.info["email"])
    home = html(ec.get("/t/hebi/", follow_redirects=True))
    assert 'href="/t/hebi/custody-enrollments/"' in home and ">托管申请<" in home
    assert "/custody-enrollments/" not in html(ec.get("/t/xian/"))  # not in another tenant
    bc = logged_in(app, b.email)
    home = html(bc.get("/t/hebi/", follow_redirects=True))
    assert ">托管审核<" in home and ">托管服务机构<" in home
    en = html(ec.get("/t/hebi/custody-enrollments/?lang=en"))
    assert "My custody enrollments" in en and "Submitted" in en and "我的托管申请" not in en
    new_en = html(ec.get("/t/hebi/custody-enrollments/new"))
    assert "Custody service agency" in new_en and "Information use" in new_en
    # another tenant's user, and another tenant's id: 404
    xian_enterprise = enterprise("xian")
    xc = logged_in(app, xian_enterprise.info["email"])
    assert xc.get(f"/t/hebi/custody-enrollments/{hebi_row['id']}").status_code == 404
    assert xc.get(f"/t/xian/custody-enrollments/{hebi_row['id']}").status_code == 404
    assert xc.get("/t/hebi/custody-enrollments/").status_code == 404
    other = logged_in(app, enterprise("hebi").info["email"])
    assert other.get(f"/t/hebi/custody-enrollments/{hebi_row['id']}").status_code == 404
    assert app.test_client().get("/t/hebi/custody-enrollments/").status_code == 302  # to the login page


def test_new_page_says_so_when_there_is_no_agency(app, enterprise):
    e = enterprise("guangzhou")
    c = logged_in(app, e.info["email"])
    page = html(c.get("/t/guangzhou/custody-enrollments/new"))
    assert "尚无已批准的托管服务机构" in page
    r = c.post("/t/guangzhou/custody-enrollments/new", data={"csrf_token": csrf_from(page), **{
        k: v for k, v in enrollment_body("guangzhou", "nothing").items() if k != "government_purchased"}})
    assert r.status_code == 422 and "已批准的托管服务机构" in html(r)


def test_the_old_custody_page_urls_redirect_to_the_one_set_of_filing_pages(app, filed):
    """Issue 19: the custody pages moved to /t/<t>/custody-enrollments/ (the API's path); the old URLs answer
    a redirect there, with their query string (a POST: 308, which keeps the method and the form)."""
    e, b, _agency, row = filed("xian")
    c = logged_in(app, b.email)
    moved = {"/t/xian/custody/mine": "/t/xian/custody-enrollments/",
             "/t/xian/custody/queue?status=submitted": "/t/xian/custody-enrollments/?status=submitted",
             "/t/xian/custody/new": "/t/xian/custody-enrollments/new",
             f"/t/xian/custody/{row['id']}": f"/t/xian/custody-enrollments/{row['id']}",
             "/t/xian/custody/export.csv?status=approved":
                 "/t/xian/custody-enrollments/export.csv?status=approved"}
    for old, new in moved.items():
        r = c.get(old)
        assert r.status_code == 302 and r.headers["Location"] == new, old
    csrf = csrf_from(html(c.get(moved[f"/t/xian/custody/{row['id']}"])))
    r = c.post(f"/t/xian/custody/{row['id']}/decision", data={"csrf_token": csrf, "decision": "approve"})
    assert r.status_code == 308
    assert r.headers["Location"] == f"/t/xian/custody-enrollments/{row['id']}/decision"
    assert c.get("/t/xian/custody/agencies").status_code == 200  # the agencies stay where they were
    assert "/t/xian/custody-enrollments/" in html(c.get(moved["/t/xian/custody/queue?status=submitted"],
                                                        follow_redirects=True))
