"""The subsidy pages: 可申请的政策 with the estimate before submitting, the application and its evidence, the
bureau's queue, decision (with the budget warning), export and liability; Chinese first, English on switch."""
from __future__ import annotations

import io
import re

from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import create_user, csrf_from, page_login
from tests.subsidy.subsidy_helpers import decide, doc, filed, patent

RISK = "xian-2017-pledge-risk-compensation"


def _login(client, api):
    assert page_login(client, api.info["email"]).status_code == 302


def _bureau_client(app, tenant):
    email = f"page-bureau@{tenant}.gov.cn"
    create_user(app, email, "bureau", tenant)
    c = app.test_client()
    assert page_login(c, email).status_code == 302
    return c


def test_nav_links(app, client, enterprise):
    anonymous = app.test_client().get("/t/hebi/overview").get_data(as_text=True)
    assert "可由单位申请的资助、奖励和补贴共 13 项" in anonymous
    assert 'href="/t/hebi/subsidies/rules?on=2020-12-31"' in anonymous
    rules = app.test_client().get("/t/hebi/subsidies/rules?on=2020-12-31").get_data(as_text=True)
    assert "国内发明专利授权资助" in rules
    _login(client, enterprise("hebi"))
    home = client.get("/t/hebi/", follow_redirects=True).get_data(as_text=True)  # 我的办件
    assert 'href="/t/hebi/subsidies/rules"' in home and "可申请的政策" in home
    assert 'href="/t/hebi/subsidy-applications/"' in home
    b = _bureau_client(app, "hebi")
    home = b.get("/t/hebi/", follow_redirects=True).get_data(as_text=True)  # the worklist
    assert "资助审核" in home and 'href="/t/hebi/subsidies/liability"' in home


def test_rules_page_lists_what_each_rule_pays_with_its_clause(client, enterprise):
    html = client.get("/t/hebi/subsidies/rules?on=2019-06-01").get_data(as_text=True)
    assert "2019-06-01 有效的政策" in html and "国内发明专利授权资助" in html
    assert "每件专利 4,000 元" in html and "实际发生费用" in html and "50%" in html
    assert "每个单位每年最高 200,000 元" in html
    # the citation in Chinese, whole
    assert '<q>对获得国内发明专利授权的给予每件4000元专利申请资助</q></span>' in html
    assert "发明专利证书" in html and "政策未规定金额" in html  # the yearly reward sets no amount
    assert "申请并查看估算" not in html  # not signed in
    later = client.get("/t/hebi/subsidies/rules?on=2021-01-01").get_data(as_text=True)
    assert "该日期没有有效的可申请政策" in later and "其他时期的政策" in later
    en = client.get("/t/hebi/subsidies/rules?on=2019-06-01&lang=en").get_data(as_text=True)
    assert "Rules in force on 2019-06-01" in en and "4,000 yuan per patent" in en
    assert client.get("/t/hebi/subsidies/rules?on=nonsense").status_code == 422
    _login(client, enterprise("hebi"))
    assert 'href="/t/hebi/subsidy-applications/new?rule=hebi-2017-invention-patent-grant"' in client.get(
        "/t/hebi/subsidies/rules?on=2019-06-01").get_data(as_text=True)


def test_estimate_shown_before_submitting_then_filed(app, client, enterprise):
    e = enterprise("hebi")
    _login(client, e)
    url = "/t/hebi/subsidy-applications/new?rule=hebi-2017-invention-patent-grant"
    page = client.get(url).get_data(as_text=True)
    assert "授权公告日" in page and "专利申请号" in page and "估算资助金额" in page
    numbers = f"{patent()}\n{patent()}\n{patent()}"
    form = {"csrf_token": csrf_from(page), "rule": "hebi-2017-invention-patent-grant",
            "org_type": "enterprise", "basis_date": "2019-06-01", "patent_numbers": numbers}
    r = client.post(url, data={**form, "action": "preview"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "估算金额：12,000 元" in html and "4,000 元 × 3 = 12,000 元" in html
    assert e.get("/t/hebi/api/v1/subsidy-applications").get_json() == []  # only estimated
    assert numbers.splitlines()[0] in html  # the values are kept
    r = client.post(url, data={**form, "action": "submit", "form_token": "tok-1"})
    assert r.status_code == 302
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "资助申请已提交" in detail and "12,000 元" in detail and "发明专利证书" in detail
    for html_ in (html, detail):  # issue 20 (13): <q> quotes its text itself; no “<q>…</q>” doubled
        assert re.search(r'<span lang="zh">[^<]*<q>', html_) and not re.search(r'[“"]<q|</q>[”"]', html_)
    again = client.post(url, data={**form, "action": "submit", "form_token": "tok-1"})
    assert again.status_code == 303  # the same form sent twice files once
    assert len(e.get("/t/hebi/api/v1/subsidy-applications").get_json()) == 1
    # errors beside the fields, and refusals of the service in words
    bad = client.post(url, data={**form, "action": "preview", "basis_date": "2021-01-01"})
    assert bad.status_code == 422 and "2020-12-31" in bad.get_data(as_text=True)
    dup = client.post(url, data={**form, "action": "submit"})
    assert dup.status_code == 409 and "同一对象只能资助一次" in dup.get_data(as_text=True)
    missing = client.post(url, data={**form, "action": "preview", "patent_numbers": ""})
    assert missing.status_code == 422 and "缺少必填字段" in missing.get_data(as_text=True)
    en = client.get(url + "&lang=en").get_data(as_text=True)
    assert "Date the grant was announced" in en and "Estimate the amount" in en


def test_evidence_upload_and_bureau_decision_with_budget_warning(app, client, enterprise):
    e = enterprise("xian")
    _login(client, e)
    full = []
    for _ in range(10):  # 10 × 500万 fill the 5000万 line of 三(二)2
        full.append(filed(e, "xian", RISK, "2018-06-01", object_no=doc(), base_amount_cny=12000000))
    app_ = filed(e, "xian", RISK, "2018-06-01", object_no=doc(), base_amount_cny=200000)
    page = client.get(f"/t/xian/subsidy-applications/{app_['id']}").get_data(as_text=True)
    r = client.post(f"/t/xian/subsidy-applications/{app_['id']}/attachments", data={
        "csrf_token": csrf_from(page), "document": "payout_proof",
        "file": (io.BytesIO(pdf_bytes()), "代偿凭证.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    bad = client.post(f"/t/xian/subsidy-applications/{app_['id']}/attachments", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(b"MZ..."), "x.pdf")},
        content_type="multipart/form-data")
    assert bad.status_code == 415 and "PDF" in bad.get_data(as_text=True)

    b = _bureau_client(app, "xian")
    from tests.conftest import Api, token_for

    api = Api(b, token_for(b, "page-bureau@xian.gov.cn"))
    for a in full:
        assert decide(api, "xian", a["id"]).status_code == 200
    queue = b.get("/t/xian/subsidy-applications/").get_data(as_text=True)
    assert app_["number"] in queue and "导出 Excel" in queue and "资助审核" in queue
    detail = b.get(f"/t/xian/subsidy-applications/{app_['id']}").get_data(as_text=True)
    assert "代偿凭证.pdf" in detail and "预算提示" in detail and "50,100,000" in detail
    assert "注意：尚未上传必交材料" in detail  # the loan contract is missing
    csrf = csrf_from(detail)
    r = b.post(f"/t/xian/subsidy-applications/{app_['id']}/decision",
               data={"csrf_token": csrf, "decision": "approve", "amount_cny": "100001"})
    assert r.status_code == 422 and "不能超过估算金额" in r.get_data(as_text=True)
    decision = f"/t/xian/subsidy-applications/{app_['id']}/decision"
    r = b.post(decision, data={"csrf_token": csrf, "decision": "reject"})
    assert r.status_code == 422 and "驳回时必须填写理由" in r.get_data(as_text=True)
    r = b.post(f"/t/xian/subsidy-applications/{app_['id']}/decision",
               data={"csrf_token": csrf, "decision": "approve", "amount_cny": "100000"})
    assert r.status_code == 302
    after = b.get(f"/t/xian/subsidy-applications/{app_['id']}").get_data(as_text=True)
    assert "已批准，核定金额 100,000 元" in after and "超出预算" in after
    r = b.post(decision, data={"csrf_token": csrf, "decision": "reject",
                                                                  "reason": "x"})
    assert r.status_code == 409
    liability = b.get("/t/xian/subsidies/liability").get_data(as_text=True)
    assert "50,100,000" in liability and "知识产权质押融资风险补偿" in liability and "超出预算" in liability
    en = b.get("/t/xian/subsidies/liability?lang=en").get_data(as_text=True)
    assert "Subsidy liability and budgets" in en and "Risk compensation" in en
    x = b.get("/t/xian/subsidy-applications/export.xlsx")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    assert b.get("/t/xian/subsidy-applications/export.csv?status=nonsense").status_code == 422


def test_enterprise_list_and_other_enterprises(app, client, enterprise):
    e = enterprise("xian")
    mine = filed(e, "xian", RISK, "2018-06-01", object_no=doc(), base_amount_cny=1000)
    _login(client, e)
    html = client.get("/t/xian/subsidy-applications/").get_data(as_text=True)
    assert mine["number"] in html and "我的资助申请" in html
    other = app.test_client()
    _login(other, enterprise("xian"))
    assert other.get(f"/t/xian/subsidy-applications/{mine['id']}").status_code == 404
    assert mine["number"] not in other.get("/t/xian/subsidy-applications/").get_data(as_text=True)
    assert other.get("/t/xian/subsidies/liability").status_code == 403
    assert re.search(r"还没有资助申请", other.get("/t/xian/subsidy-applications/").get_data(as_text=True))


def test_the_old_subsidy_page_urls_redirect_to_the_one_set_of_filing_pages(app, client, enterprise):
    """Issue 19: the application pages moved to /t/<t>/subsidy-applications/ (the API's path), the form under
    a rule to /new?rule=<code>; the old URLs answer a redirect there (a POST: 308, keeping method and form).
    The rules and the liability are not filing pages and stay."""
    e = enterprise("xian")
    app_ = filed(e, "xian", RISK, "2018-06-01", object_no=doc(), base_amount_cny=200000)
    _login(client, e)
    moved = {"/t/xian/subsidies": "/t/xian/subsidy-applications/",
             "/t/xian/subsidies?status=submitted": "/t/xian/subsidy-applications/?status=submitted",
             f"/t/xian/subsidies/apply/{RISK}": f"/t/xian/subsidy-applications/new?rule={RISK}",
             f"/t/xian/subsidies/{app_['id']}": f"/t/xian/subsidy-applications/{app_['id']}",
             f"/t/xian/subsidies/{app_['id']}/attachments/x":
                 f"/t/xian/subsidy-applications/{app_['id']}/attachments/x"}
    for old, new in moved.items():
        r = client.get(old)
        assert r.status_code == 302 and r.headers["Location"] == new, old
    csrf = csrf_from(client.get(moved[f"/t/xian/subsidies/{app_['id']}"]).get_data(as_text=True))
    r = client.post(f"/t/xian/subsidies/{app_['id']}/attachments", data={"csrf_token": csrf})
    assert r.status_code == 308
    assert r.headers["Location"] == f"/t/xian/subsidy-applications/{app_['id']}/attachments"
    b = _bureau_client(app, "xian")
    r = b.get("/t/xian/subsidies/export.csv")
    assert r.headers["Location"] == "/t/xian/subsidy-applications/export.csv"
    assert b.get("/t/xian/subsidies/liability").status_code == 200
    assert client.get("/t/xian/subsidies/rules").status_code == 200
    r = client.get("/t/xian/subsidy-applications/new")  # a new application names its rule: choose one first
    assert r.status_code == 302 and r.headers["Location"] == "/t/xian/subsidies/rules"
    assert client.get("/t/xian/subsidy-applications/new?rule=nonsense").status_code == 404
