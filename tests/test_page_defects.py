"""Page defects found by using the service in a browser (issue 12): each test would have caught one."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

from openpyxl import load_workbook

from tests.cases.conftest import file_case
from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import csrf_from, make_uscc, page_login
from tests.custody.custody_helpers import enrollment_body


def _logged_in(app, email):
    c = app.test_client()
    assert page_login(c, email).status_code == 302
    return c


def _html(r):
    return r.get_data(as_text=True)


def test_favicon_is_served(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype.startswith("image/") and r.data[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in _html(client.get("/"))


def test_the_active_nav_item_is_marked(app, enterprise, bureau):
    officer = bureau("xian")
    c = _logged_in(app, officer.email)
    html = _html(c.get("/t/xian/worklist"))
    assert re.search(r'<a href="/t/xian/worklist" aria-current="page">', html)
    assert not re.search(r'<a href="/t/xian/cases/" aria-current', html)
    html = _html(c.get("/t/xian/cases/"))
    assert re.search(r'<a href="/t/xian/cases/" aria-current="page">', html)
    assert not re.search(r'<a href="/t/xian/worklist" aria-current', html)
    case = file_case(enterprise("xian"))
    assert re.search(r'<a href="/t/xian/cases/" aria-current="true">',
                     _html(c.get(f"/t/xian/cases/{case['id']}")))


def test_language_links_after_a_refused_decision_lead_to_the_detail_page(app, enterprise, bureau):
    """A refused decision is shown on the POST URL; its language links must not point there (405)."""
    ent, officer = enterprise("xian"), bureau("xian")
    agency = officer.post("/t/xian/api/v1/agencies",
                          json={"name": "机构", "uscc": make_uscc(), "contact": "x"})
    enrollment = ent.post("/t/xian/api/v1/custody-enrollments",
                          json=enrollment_body("xian", agency.get_json()["id"])).get_json()
    record = submit_certification(ent, "xian")
    case = file_case(ent)
    c = _logged_in(app, officer.email)
    for detail, post, data in [
        (f"/t/xian/custody-enrollments/{enrollment['id']}", "/decision",
         {"decision": "reject", "reason": ""}),
        (f"/t/xian/certifications/{record['id']}", "/decision", {"decision": "reject", "reason": ""}),
        (f"/t/xian/cases/{case['id']}", "/transitions", {"to": "declined", "note": ""}),
    ]:
        token = csrf_from(_html(c.get(detail)))
        r = c.post(detail + post, data={"csrf_token": token, **data})
        assert r.status_code == 422, detail
        html = _html(r)
        assert f'href="{detail}?lang=en"' in html and f'href="{detail}?lang=zh_CN"' in html
        assert f'href="{detail}{post}?lang=' not in html
        assert c.get(f"{detail}?lang=en").status_code == 200
        c.get(f"{detail}?lang=zh_CN")


def test_english_pages_use_english_punctuation(app, client, bureau):
    html = _html(client.get("/t/xian/overview?lang=en"))
    centers = html.split("<h2>Protection / rights-assistance centers</h2>")[1].split("</ul>")[0]
    assert "：" not in centers and "、" not in centers and ": " in centers and ", " in centers
    tasks = _html(client.get("/t/xian/overview?lang=en")).split('id="tasks"')[1].split("<table")[0]
    assert "（" not in re.sub(r'<span lang="zh">[^<]*</span>', "", tasks)  # document titles stay as published


def test_kpi_pages_use_english_punctuation(app, bureau):
    c = _logged_in(app, bureau("xian").email)
    for url in ("/t/xian/kpis/xian-2025-01?lang=en", "/t/xian/tasks/xian-2022-001?lang=en"):
        main = _html(c.get(url)).split("<main>")[1]
        assert "：" not in main and "；" not in main and ": " in main, url


def test_certification_export_in_english(app, enterprise, bureau):
    ent, officer = enterprise("xian"), bureau("xian")
    rec = submit_certification(ent, "xian")
    officer.post(f"/t/xian/api/v1/certifications/{rec['id']}/decision", json={"decision": "verify"})
    c = _logged_in(app, officer.email)
    r = c.get("/t/xian/certifications/export.xlsx?lang=en")
    assert r.status_code == 200
    name = unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert re.fullmatch(r"xian-certification-record-\d{4}-\d{2}-\d{2}\.xlsx", name)
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.active
    assert ws.title == "Certification record" and "Xi'an" in ws["A1"].value and "：" not in ws["A1"].value
    rows = list(ws.iter_rows(values_only=True))
    headers = list(rows[1])
    assert "Certificate number" in headers and "Status" in headers and "单位名称" not in headers
    row = dict(zip(headers, rows[2], strict=True))
    assert row["Status"] == "Verified" and row["Type of organization"] == "Enterprise"
    text = c.get("/t/xian/certifications/export.csv?lang=en").data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[1] == headers[1]
    zh = c.get("/t/xian/certifications/export.xlsx?lang=zh_CN")
    assert load_workbook(io.BytesIO(zh.data)).active.title == "贯标认证备案"


def test_export_file_names_follow_one_pattern(app, enterprise, bureau):
    officer = bureau("xian")
    c = _logged_in(app, officer.email)
    names = []
    for url in ("/t/xian/custody-enrollments/export.xlsx", "/t/xian/certifications/export.csv",
                "/t/xian/cases/export.xlsx",
                "/t/xian/api/v1/kpis.xlsx"):
        r = c.get(url + "?lang=en")
        assert r.status_code == 200, url
        names.append(unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1]))
    for name in names:
        assert re.fullmatch(r"xian-[a-z-]+-\d{4}-\d{2}-\d{2}\.(xlsx|csv)", name), name
    zh = c.get("/t/xian/custody-enrollments/export.xlsx?lang=zh_CN")
    filename = unquote(zh.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert filename.startswith("xian-托管申请-")


def test_tables_scroll_in_their_own_box_on_a_phone(app, enterprise, bureau):
    """On a 390 px screen a wide table scrolls inside its box, not the page (checked in Chromium by
    tests/test_browser_landing.py); here: every table of the list pages sits in that box."""
    ent, officer = enterprise("xian"), bureau("xian")
    file_case(ent)
    c = _logged_in(app, officer.email)
    for url in ("/t/xian/cases/", "/t/xian/custody-enrollments/", "/t/xian/certifications/",
                "/t/xian/overview",
                "/t/xian/worklist"):
        html = _html(c.get(url))
        assert html.count("<table") == len(re.findall(r'<div class="table-scroll"[^>]*>\s*<table', html)), url
