"""Issue 5: the 贯标 pages — enterprise list, new-record form with the scan, detail; the bureau's queue,
decision with CSRF, exports (XLSX parsed with openpyxl, CSV with BOM); Chinese first, English on switch."""
import csv
import io
import re

from openpyxl import load_workbook

from tests.certification.certification_helpers import (
    EXE, body, count_attachments, count_records, pdf_bytes, stored_files, submit,
)
from tests.conftest import create_user, csrf_from, page_login

HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "标准", "证书编号", "认证机构", "发证日期", "有效期至",
           "辅导机构", "状态", "资助估算(元)", "依据"]


def _form(**over):
    data = {k: v for k, v in body(**over).items()}
    return {k: v for k, v in data.items() if v is not None}


def _login_enterprise(client, enterprise, tenant):
    e = enterprise(tenant)
    assert page_login(client, e.info["email"]).status_code == 302
    return e


def _bureau_client(app, tenant, email=None):
    email = email or f"page-bureau@{tenant}.gov.cn"
    create_user(app, email, "bureau", tenant)
    c = app.test_client()
    assert page_login(c, email).status_code == 302
    return c


def test_nav_links_only_inside_the_users_tenant(app, client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    home = client.get("/t/xian/", follow_redirects=True).get_data(as_text=True)
    assert "贯标备案" in home and 'href="/t/xian/certifications/"' in home
    assert "/t/hebi/certifications/" not in client.get("/t/hebi/").get_data(as_text=True)
    assert "贯标备案" not in app.test_client().get("/t/xian/").get_data(as_text=True)
    b = _bureau_client(app, "xian")
    assert "贯标审核" in b.get("/t/xian/", follow_redirects=True).get_data(as_text=True)


def test_new_form_renders_the_tenant_schema_in_chinese_and_english(client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    html = client.get("/t/xian/certifications/new").get_data(as_text=True)
    for label in ("单位类型", "证书编号", "认证机构", "发证日期", "有效期至", "辅导机构", "认证范围",
                  "证书扫描件"):
        assert label in html, label
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="csrf_token"' in html
    en = client.get("/t/xian/certifications/new?lang=en").get_data(as_text=True)
    assert "Certificate number" in en and "Scope of certification" in en


def test_form_errors_next_to_fields_with_values_kept(app, client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    csrf = csrf_from(client.get("/t/xian/certifications/new").get_data(as_text=True))
    r = client.post("/t/xian/certifications/new", data={
        "csrf_token": csrf, "org_type": "enterprise", "certificate_no": "保留🚀",
        "certification_body": "保留的机构",
        "issued_on": "2023-02-30", "expires_on": "2030-01-01", "scope": "保留的范围"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="保留的机构"' in html and "保留的范围" in html and 'value="2023-02-30"' in html
    assert "不是有效的日期" in html and "证书编号只能包含" in html
    assert count_records(app) == 0


def test_page_flow_file_a_record_with_its_scan_and_see_the_estimate(app, client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    csrf = csrf_from(client.get("/t/xian/certifications/new").get_data(as_text=True))
    data = _form()
    data.update(csrf_token=csrf, file=(io.BytesIO(pdf_bytes()), "证书.pdf"))
    r = client.post("/t/xian/certifications/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "贯标备案已提交" in html and "30,000" in html and "市政办发〔2017〕101号" in html
    assert "证书.pdf" in html and "已提交" in html
    assert count_records(app, "xian") == 1 and count_attachments(app) == 1
    mine = client.get("/t/xian/certifications/").get_data(as_text=True)
    assert "我的贯标备案" in mine and data["certificate_no"] in mine
    en = client.get(r.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Subsidy estimate" in en and "30,000" in en


def test_a_bad_scan_on_the_form_files_nothing(app, client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    csrf = csrf_from(client.get("/t/xian/certifications/new").get_data(as_text=True))
    before = set(stored_files(app))
    data = _form()
    data.update(csrf_token=csrf, file=(io.BytesIO(EXE), "scan.pdf"))
    r = client.post("/t/xian/certifications/new", data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 415 and "PDF" in html and data["certificate_no"] in html
    assert count_records(app) == 0 and count_attachments(app) == 0 and set(stored_files(app)) == before
    data = _form()
    data.update(csrf_token=csrf, file=(io.BytesIO(pdf_bytes(10 * 1024 * 1024 + 10)), "big.pdf"))
    r = client.post("/t/xian/certifications/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 413 and count_records(app) == 0


def test_duplicate_certificate_on_the_form_is_shown_on_the_field(app, client, enterprise):
    e = _login_enterprise(client, enterprise, "xian")
    first = submit(e, "xian")
    csrf = csrf_from(client.get("/t/xian/certifications/new").get_data(as_text=True))
    form = _form(certificate_no=first["certificate_no"].lower())
    r = client.post("/t/xian/certifications/new", data={**form, "csrf_token": csrf})
    assert r.status_code == 409 and "该证书编号已在本地区备案" in r.get_data(as_text=True)


def test_form_post_without_csrf_is_refused(app, client, enterprise):
    _login_enterprise(client, enterprise, "xian")
    assert client.post("/t/xian/certifications/new", data=_form()).status_code == 400
    assert count_records(app) == 0


def test_upload_on_the_detail_page(app, client, enterprise):
    e = _login_enterprise(client, enterprise, "hebi")
    rec = submit(e, "hebi", issued_on="2019-05-01", expires_on="2022-04-30")
    page = client.get(f"/t/hebi/certifications/{rec['id']}").get_data(as_text=True)
    assert "尚未上传证书扫描件" in page and "50,000" in page
    csrf = csrf_from(page)
    r = client.post(f"/t/hebi/certifications/{rec['id']}/attachments",
                    data={"csrf_token": csrf, "file": (io.BytesIO(EXE), "x.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 415 and "PDF" in r.get_data(as_text=True)
    r = client.post(f"/t/hebi/certifications/{rec['id']}/attachments",
                    data={"csrf_token": csrf, "file": (io.BytesIO(pdf_bytes()), "scan.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(f"/t/hebi/certifications/{rec['id']}").get_data(as_text=True)
    link = re.search(r'href="(/t/hebi/certifications/[^"]+/attachments/[^"]+)"', page).group(1)
    assert client.get(link).data == pdf_bytes()
    assert count_attachments(app) == 1


def test_another_enterprise_gets_404_on_pages(app, client, enterprise):
    owner = enterprise("xian")
    rec = submit(owner, "xian")
    _login_enterprise(client, enterprise, "xian")
    assert client.get(f"/t/xian/certifications/{rec['id']}").status_code == 404
    assert rec["certificate_no"] not in client.get("/t/xian/certifications/").get_data(as_text=True)
    b = _bureau_client(app, "hebi")
    assert b.get(f"/t/xian/certifications/{rec['id']}").status_code == 404
    assert b.get("/t/xian/certifications/").status_code == 404


def test_bureau_queue_filters_decides_and_exports(app, client, enterprise):
    e = enterprise("xian", name="西安审核科技有限公司")
    one = submit(e, "xian", consulting_agency="=HYPERLINK(\"http://evil\")")
    two = submit(e, "xian", issued_on="2024-03-01", expires_on="2027-02-28")
    b = _bureau_client(app, "xian")
    queue = b.get("/t/xian/certifications/").get_data(as_text=True)
    assert "贯标审核" in queue and "西安审核科技有限公司" in queue and one["certificate_no"] in queue
    assert "导出 Excel" in queue and "导出 CSV" in queue
    assert b.get("/t/xian/certifications/?submitted_from=2023-02-30").status_code == 422

    page = b.get(f"/t/xian/certifications/{one['id']}").get_data(as_text=True)
    assert "核验通过" in page and "驳回" in page and e.info["uscc"] in page
    csrf = csrf_from(page)
    assert b.post(f"/t/xian/certifications/{one['id']}/decision",
                  data={"decision": "verify"}).status_code == 400
    r = b.post(f"/t/xian/certifications/{two['id']}/decision",
               data={"csrf_token": csrf, "decision": "reject"})
    assert r.status_code == 422 and "驳回时必须填写理由" in r.get_data(as_text=True)
    r = b.post(f"/t/xian/certifications/{two['id']}/decision",
               data={"csrf_token": csrf, "decision": "reject", "reason": "证书已被撤销"})
    assert r.status_code == 302
    r = b.post(f"/t/xian/certifications/{one['id']}/decision",
               data={"csrf_token": csrf, "decision": "verify"})
    assert r.status_code == 302
    r = b.post(f"/t/xian/certifications/{one['id']}/decision", data={"csrf_token": csrf, "decision": "reject",
                                                                      "reason": "再来一次"})
    assert r.status_code == 409
    verified = b.get("/t/xian/certifications/?status=verified").get_data(as_text=True)
    assert one["certificate_no"] in verified and two["certificate_no"] not in verified
    detail = b.get(f"/t/xian/certifications/{two['id']}").get_data(as_text=True)
    assert "证书已被撤销" in detail and "已驳回" in detail

    wb = load_workbook(io.BytesIO(b.get("/t/xian/certifications/export.xlsx").data))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert "西安市" in rows[0][0]
    header = list(rows[1])
    assert all(h in header for h in HEADERS)
    by_no = {row[header.index("证书编号")]: row for row in rows[2:]}
    row = by_no[one["certificate_no"]]
    assert row[header.index("单位名称")] == "西安审核科技有限公司"
    assert row[header.index("统一社会信用代码")] == e.info["uscc"]
    assert row[header.index("单位类型")] == "企业" and row[header.index("标准")] == "GB/T 29490"
    assert row[header.index("状态")] == "已核验" and row[header.index("资助估算(元)")] == 30000
    assert "市政办发〔2017〕101号" in row[header.index("依据")]
    assert row[header.index("辅导机构")].startswith("'=")  # no formula injection
    assert by_no[two["certificate_no"]][header.index("资助估算(元)")] is None

    raw = b.get("/t/xian/certifications/export.csv?status=verified").data
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert all(h in lines[0] for h in HEADERS) and len(lines) == 2
    assert lines[1][lines[0].index("证书编号")] == one["certificate_no"]
    assert b.get("/t/xian/certifications/export.pdf").status_code == 404


def test_api_exports_for_the_bureau_only(app, enterprise, bureau):
    e, b = enterprise("hebi"), bureau("hebi")
    submit(e, "hebi", issued_on="2019-05-01", expires_on="2022-04-30")
    r = b.get("/t/hebi/api/v1/certifications.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[2][rows[1].index("资助估算(元)")] == 50000
    r = b.get("/t/hebi/api/v1/certifications.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    assert "证书编号" in r.data.decode("utf-8-sig")
    assert "attachment" in r.headers["Content-Disposition"]
    assert e.get("/t/hebi/api/v1/certifications.csv").status_code == 403
    assert bureau("xian").get("/t/hebi/api/v1/certifications.xlsx").status_code == 404


def test_the_old_list_url_redirects_to_the_one_set_of_filing_pages(app):
    """Issue 19: the record pages stay at the API's path, the list now at /t/<t>/certifications/ (the other
    pages kept their URLs); the old list URL answers a redirect, with its filters."""
    b = _bureau_client(app, "xian")
    r = b.get("/t/xian/certifications?status=verified")
    assert r.status_code in (301, 302, 308)
    assert r.headers["Location"].endswith("/t/xian/certifications/?status=verified")
    assert "贯标审核" in b.get(r.headers["Location"]).get_data(as_text=True)
