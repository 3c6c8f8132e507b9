"""Pages: the enterprise files through the tenant's form and withdraws; the bureau works a case to closed
through the page buttons; the queue's filters; exports (XLSX and CSV) parsed back."""
import csv
import io
import re

import openpyxl

from tests.cases.conftest import INVENTION, file_case, move
from tests.conftest import csrf_from, page_login


def _form(**over):
    data = {"case_type": "assistance", "center": "xian-ppc", "ip_type": "patent", "right_number": INVENTION,
            "counterparty_name": "某某侵权贸易有限公司", "counterparty_uscc": "",
            "summary": "对方在电商平台销售侵权产品。", "request": "请求维权援助。"}
    data.update(over)
    return data


def _case_id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def test_enterprise_files_follows_and_withdraws_in_the_browser(client, enterprise):
    applicant = enterprise("xian")
    assert page_login(client, applicant.info["email"]).status_code == 302
    home = client.get("/t/xian/", follow_redirects=True).get_data(as_text=True)
    assert "维权案件" in home and "/t/xian/cases/" in home
    page = client.get("/t/xian/cases/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "提交维权案件" in html
    for label in ("案件类型", "受理中心", "知识产权类型", "权利号", "对方当事人名称", "案情简介", "请求事项"):
        assert label in html
    assert "专利预审备案" in html and "侵权举报投诉" not in html.split("<form")[1]  # Xi'an's types only
    token = csrf_from(html)
    # errors next to the fields, the typed values kept
    r = client.post("/t/xian/cases/new", data={**_form(right_number="202010566088.1", summary="保留的简介",
                                                       counterparty_name=""), "csrf_token": token})
    out = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "校验位不正确" in out and "缺少必填字段" in out and "保留的简介" in out
    assert 'value="202010566088.1"' in out
    # 预审 without 备案: refused by the service, shown on the form
    r = client.post("/t/xian/cases/new", data={**_form(case_type="pre_exam"), "csrf_token": token})
    assert r.status_code == 422 and "专利预审备案" in r.get_data(as_text=True)
    r = client.post("/t/xian/cases/new", data={**_form(), "csrf_token": token})
    assert r.status_code == 302
    case_id = _case_id(r.headers["Location"])
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    number = re.search(r"XA-\d{4}-\d{6}", detail).group(0)
    assert "已提交" in detail and "受理期限" in detail and "办理记录" in detail and number in detail
    assert "202010566088.9" in detail and ">撤回<" in detail and ">受理<" not in detail
    listing = client.get("/t/xian/cases/").get_data(as_text=True)
    assert "我的案件" in listing and number in listing
    # evidence through the page
    detail_token = csrf_from(detail)
    r = client.post(f"/t/xian/cases/{case_id}/attachments", content_type="multipart/form-data",
                    data={"csrf_token": detail_token, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "证据.pdf")})
    assert r.status_code == 302
    detail = client.get(f"/t/xian/cases/{case_id}").get_data(as_text=True)
    assert "证据.pdf" in detail
    r = client.post(f"/t/xian/cases/{case_id}/attachments", content_type="multipart/form-data",
                    data={"csrf_token": detail_token, "file": (io.BytesIO(b"GIF89a"), "x.gif")})
    assert r.status_code == 415
    # withdraw: irreversible, so only once confirmed; the bureau's hint about notes is not the applicant's
    assert "不予受理、调解完成、办理完毕时必须填写说明" not in detail and 'name="confirm"' in detail
    withdraw = {"csrf_token": detail_token, "to": "withdrawn"}
    r = client.post(f"/t/xian/cases/{case_id}/transitions", data=withdraw)
    assert r.status_code == 422 and "请勾选确认" in r.get_data(as_text=True)
    assert "已撤回" not in client.get(f"/t/xian/cases/{case_id}").get_data(as_text=True)  # nothing changed
    r = client.post(f"/t/xian/cases/{case_id}/transitions", data={**withdraw, "confirm": "yes"})
    assert r.status_code == 302
    withdraw["confirm"] = "yes"
    detail = client.get(f"/t/xian/cases/{case_id}").get_data(as_text=True)
    assert "已撤回" in detail and ">撤回<" not in detail
    r = client.post(f"/t/xian/cases/{case_id}/transitions", data=withdraw)
    assert r.status_code == 409


def test_forms_need_the_csrf_token(client, enterprise):
    applicant = enterprise("xian")
    page_login(client, applicant.info["email"])
    assert client.post("/t/xian/cases/new", data=_form()).status_code == 400


def test_bureau_works_a_case_to_closed_with_the_page_buttons(client, enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    case = file_case(applicant)
    assert page_login(client, officer.email).status_code == 302
    assert "案件受理" in client.get("/t/xian/", follow_redirects=True).get_data(as_text=True)
    queue = client.get("/t/xian/cases/").get_data(as_text=True)
    assert case["number"] in queue and applicant.info["name"] in queue and "导出" in queue
    url = f"/t/xian/cases/{case['id']}"
    for to, button in [("accepted", "受理"), ("in_progress", "开始办理"), ("resolved", "办理完毕"),
                       ("closed", "结案")]:
        html = client.get(url).get_data(as_text=True)
        assert f'value="{to}"' in html and f">{button}<" in html
        assert 'value="withdrawn"' not in html  # the applicant's move
        token = csrf_from(html)
        if to == "resolved":  # a note is required: the page says so and keeps nothing half-done
            r = client.post(url + "/transitions", data={"csrf_token": token, "to": to, "note": ""})
            assert r.status_code == 422 and "必须填写说明" in r.get_data(as_text=True)
        r = client.post(url + "/transitions", data={"csrf_token": token, "to": to, "note": f"{button}说明"})
        assert r.status_code == 302, r.get_data(as_text=True)
    html = client.get(url).get_data(as_text=True)
    assert "已结案" in html and 'name="to"' not in html and "办理完毕说明" in html
    r = client.post(url + "/transitions", data={"csrf_token": csrf_from(html), "to": "accepted"})
    assert r.status_code == 409 and "不能变更为" in r.get_data(as_text=True)
    assert applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["status"] == "closed"


def test_queue_filters_and_other_tenants(client, enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    a = file_case(applicant, case_type="mediation")
    b = file_case(applicant, case_type="assistance")
    page_login(client, officer.email)
    html = client.get("/t/xian/cases/?case_type=mediation").get_data(as_text=True)
    assert a["number"] in html and b["number"] not in html
    html = client.get("/t/xian/cases/?overdue=true").get_data(as_text=True)
    assert a["number"] not in html and "暂无案件" in html
    r = client.get("/t/xian/cases/?status=nonsense&overdue=perhaps")
    # issue 19: one list for every kind: a bad filter is refused with its reason, as on the other kinds' lists
    assert r.status_code == 422 and 'role="alert"' in r.get_data(as_text=True)
    assert client.get("/t/hebi/cases/").status_code == 404
    assert client.get(f"/t/hebi/cases/{a['id']}").status_code == 404


def test_another_enterprise_gets_404_on_pages(client, enterprise):
    applicant, other = enterprise("xian"), enterprise("xian")
    case = file_case(applicant)
    page_login(client, other.info["email"])
    assert client.get(f"/t/xian/cases/{case['id']}").status_code == 404
    html = client.get("/t/xian/cases/").get_data(as_text=True)
    assert case["number"] not in html
    assert client.get("/t/xian/cases/export.xlsx").status_code == 403


def test_tianjin_form_offers_both_centers(client, enterprise):
    applicant = enterprise("tianjin-bonded")
    page_login(client, applicant.info["email"])
    html = client.get("/t/tianjin-bonded/cases/new").get_data(as_text=True)
    assert "天津市知识产权保护中心" in html and "滨海新区知识产权保护中心" in html
    r = client.post("/t/tianjin-bonded/cases/new",
                    data={**_form(center="binhai-ppc"), "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    assert "滨海新区知识产权保护中心" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_pages_in_english(client, enterprise):
    applicant = enterprise("xian")
    page_login(client, applicant.info["email"])
    html = client.get("/t/xian/cases/new?lang=en").get_data(as_text=True)
    assert "Case type" in html and "Counterparty name" in html and "Rights-protection assistance" in html
    file_case(applicant)
    html = client.get("/t/xian/cases/").get_data(as_text=True)
    assert "My cases" in html and "Submitted" in html


HEADERS = ["案件编号", "类型", "中心", "申请人", "统一社会信用代码", "知识产权类型", "权利号", "对方当事人",
           "状态", "提交时间", "受理期限", "受理时间", "办结期限", "结案时间", "是否超期"]


def test_exports_parse_back(client, enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    first = file_case(applicant, case_type="mediation")
    second = file_case(applicant, ip_type="trademark", right_number="12345678")
    move(officer, "xian", first["id"], "accepted", note=None)
    page_login(client, officer.email)
    r = client.get("/t/xian/cases/export.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert "西安市" in rows[0][0]
    assert rows[1] == HEADERS
    body = {row[0]: row for row in rows[2:]}
    assert set(body) == {first["number"], second["number"]}
    row = body[first["number"]]
    assert row[1] == "纠纷调解" and row[2] == "西安市知识产权保护中心" and row[3] == applicant.info["name"]
    assert row[5] == "专利" and row[6] == "202010566088.9" and row[8] == "已受理" and row[14] == "否"
    assert row[12]  # the closing deadline is set once accepted
    assert body[second["number"]][5] == "商标" and body[second["number"]][6] == "12345678"
    r = client.get("/t/xian/cases/export.csv?case_type=mediation")
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert parsed[0] == HEADERS and [row[0] for row in parsed[1:]] == [first["number"]]
    # the same through the API with a token
    r = officer.get("/t/xian/api/v1/cases.csv")
    assert r.status_code == 200 and len(list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))) == 3
    assert applicant.get("/t/xian/api/v1/cases.xlsx").status_code == 403


def test_bad_page_input_is_never_a_server_error(client, enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    case = file_case(applicant)
    page_login(client, officer.email)
    url = f"/t/xian/cases/{case['id']}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    for data, code in [({"to": "nonsense"}, 422), ({}, 422), ({"to": "withdrawn"}, 403),
                       ({"to": "declined", "note": "x" * 2001}, 422)]:
        r = client.post(url + "/transitions", data={"csrf_token": token, **data})
        assert r.status_code == code, (data, r.status_code)
        assert "error" in r.get_data(as_text=True)
    assert client.get("/t/xian/cases/?page=abc").status_code == 200  # a bad page number: the nearest page
    # issue 19: one list for every kind: a bad filter is refused with its reason (the page and its export)
    assert client.get("/t/xian/cases/?sort=sideways").status_code == 422
    assert client.get("/t/xian/cases/export.xlsx?case_type=nonsense").status_code == 422
    assert client.get("/t/xian/cases/nope").status_code == 404


def test_a_summary_over_the_limit_is_refused_with_the_limit_and_the_page_counts(client, enterprise):
    """Issue 20 (10): a 20 000-character 案情简介 was cut to 5 000 without a word."""
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", json={**_form(), "summary": "案" * 20000})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["summary"] == ["长度不能超过 5000 个字符（现有 20000 个字符）。"]
    r = applicant.post("/t/xian/api/v1/cases?lang=en", json={**_form(), "summary": "案" * 20000})
    message = r.get_json()["errors"]["json"]["summary"][0]
    assert "5000" in message and "20000" in message
    assert page_login(client, applicant.info["email"]).status_code == 302
    html = client.get("/t/xian/cases/new").get_data(as_text=True)
    area = re.search(r'<textarea id="f-summary"[^>]*>', html).group(0)
    assert 'maxlength="5000"' in area and 'aria-describedby="f-summary-count"' in area
    assert re.search(r'<small id="f-summary-count"[^>]*>最多 5000 个字符</small>', html)  # without script too
    assert '<script src="/static/js/counter.js" defer></script>' in html
    assert client.get("/static/js/counter.js").status_code == 200
    r = client.post("/t/xian/cases/new", data={**_form(summary="案" * 20000), "csrf_token": csrf_from(html)})
    out = r.get_data(as_text=True)
    assert r.status_code == 422 and "长度不能超过 5000 个字符（现有 20000 个字符）。" in out
    assert "案" * 20000 in out  # what was typed is kept, to be shortened


def test_estimated_deadlines_are_marked_wherever_a_date_is_shown(app, enterprise, bureau, monkeypatch):
    """Issue 20 (6): a deadline in a year the official calendar does not cover yet looked firm on 我的办件
    and the case list."""
    import datetime as dt

    from ipservice.cases import services
    from ipservice.core import calendar

    last = calendar.covered_years()[1]
    applicant, officer = enterprise("xian"), bureau("xian")
    firm = file_case(applicant)
    monkeypatch.setattr(services, "now", lambda: dt.datetime(last, 12, 30, 9, 0, tzinfo=services.CHINA))
    late = file_case(applicant)
    assert late["accept_due_on"].startswith(str(last + 1))
    mine = {i["id"]: i for i in applicant.get("/t/xian/api/v1/my").get_json()}
    assert mine[late["id"]]["due_estimated"] is True and mine[firm["id"]]["due_estimated"] is False
    mark = re.compile(r'<abbr class="badge estimated" title="[^"]+">估算</abbr>')

    def row(html, number):
        return next(r for r in html.split("<tr") if number in r)

    owner = app.test_client()
    assert page_login(owner, applicant.info["email"]).status_code == 302
    staff = app.test_client()
    assert page_login(staff, officer.email).status_code == 302
    for client, url in [(owner, "/t/xian/my"), (owner, "/t/xian/cases/"), (staff, "/t/xian/cases/")]:
        html = client.get(url).get_data(as_text=True)
        assert mark.search(row(html, late["number"])), url
        if firm["number"] in html:
            assert not mark.search(row(html, firm["number"])), url
    detail = owner.get(f"/t/xian/cases/{late['id']}").get_data(as_text=True)
    assert mark.search(detail.split("受理期限")[1].split("</tr>")[0])
    english = owner.get("/t/xian/my?lang=en").get_data(as_text=True)
    assert ">estimate</abbr>" in row(english, late["number"])


def test_the_old_case_page_urls_redirect_to_the_one_set_of_filing_pages(client, enterprise, bureau):
    """Issue 19: the case pages stay at the API's path (/t/<t>/cases/…), the list now with its slash and the
    export at /cases/export.<fmt>; the old list and export URLs answer a redirect, with their filters."""
    officer = bureau("xian")
    page_login(client, officer.email)
    r = client.get("/t/xian/cases?status=submitted")
    assert r.status_code in (301, 302, 308)
    assert r.headers["Location"].endswith("/t/xian/cases/?status=submitted")
    r = client.get("/t/xian/cases.csv?case_type=mediation")
    assert r.status_code == 302 and r.headers["Location"] == "/t/xian/cases/export.csv?case_type=mediation"
    assert client.get(r.headers["Location"]).status_code == 200
