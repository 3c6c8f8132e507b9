"""The application's life: the rules list, numbering, idempotency, evidence, the bureau's decision, the
liability against the budget lines, exports and the cross-district statistics."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from tests.certification.certification_helpers import pdf_bytes, submit as submit_certification
from tests.subsidy.subsidy_helpers import apply, decide, doc, filed, patent

RISK = "xian-2017-pledge-risk-compensation"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def risk(api, base, basis="2018-06-01"):
    return filed(api, "xian", RISK, basis, object_no=doc("DC"), base_amount_cny=base)


# --- the rules one can apply for -------------------------------------------------------------------------

def test_subsidy_rules_by_day(client):
    on = client.get("/t/hebi/api/v1/subsidy-rules?on=2020-12-31").get_json()
    assert len(on) == 13 and all(r["effective_to"] == "2020-12-31" for r in on)
    assert client.get("/t/hebi/api/v1/subsidy-rules?on=2021-01-01").get_json() == []
    grant = next(r for r in on if r["code"] == "hebi-2017-invention-patent-grant")
    assert grant["amount_cny"] == 4000 and grant["unit"] == "per_patent" and grant["kind"] == "grant"
    assert grant["source"]["quote"] == "对获得国内发明专利授权的给予每件4000元专利申请资助"
    names = [f["name"] for f in grant["form"]["fields"]]
    assert "patent_numbers" in names and "basis_date" in names and "object_no" not in names
    assert next(f for f in grant["form"]["fields"] if f["name"] == "basis_date")["label_zh"] == "授权公告日"
    assert grant["evidence"][0]["label_en"]
    pledge = next(r for r in on if r["code"] == "hebi-2017-pledge-financing-subsidy")
    assert pledge["rate"] == 0.5 and pledge["cap_cny"] == 200000 and pledge["cap_per"] == "enterprise_year"
    assert {"lender", "loan_amount_cny", "base_amount_cny"} <= {f["name"] for f in pledge["form"]["fields"]}
    xian = client.get("/t/xian/api/v1/subsidy-rules?on=2018-01-01").get_json()
    risk_rule = next(r for r in xian if r["code"] == RISK)
    assert risk_rule["budget"]["amount_cny"] == 5000 * 10000
    assert client.get("/t/xian/api/v1/subsidy-rules?on=2018-13-01").status_code == 422
    # today (no rule of these plans is in force any more): the contract's default
    assert client.get("/t/hebi/api/v1/subsidy-rules").status_code == 200
    forms = {f["form"]: f for f in client.get("/t/hebi/api/v1/forms").get_json()}
    assert "subsidy" in forms and "rule" in [f["name"] for f in forms["subsidy"]["fields"]]


# --- filing -----------------------------------------------------------------------------------------------

def test_numbers_per_tenant_and_year_and_idempotency(enterprise):
    e = enterprise("xian")
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    first, second = risk(e, 1000), risk(e, 1000)
    assert first["number"] == f"XA-ZZ-{year}-000001" and second["number"] == f"XA-ZZ-{year}-000002"
    other = filed(enterprise("hebi"), "hebi", "hebi-2017-henan-patent-award-third", "2019-01-01",
                  object_no=doc())
    assert other["number"].endswith("-000001")  # per tenant
    body = {"rule": RISK, "basis_date": "2018-06-01", "org_type": "enterprise", "object_no": doc(),
            "base_amount_cny": 9}
    r1 = e.post("/t/xian/api/v1/subsidy-applications", json=body, headers={"Idempotency-Key": "k-1"})
    r2 = e.post("/t/xian/api/v1/subsidy-applications", json=body, headers={"Idempotency-Key": "k-1"})
    assert r1.status_code == r2.status_code == 201 and r1.get_json()["id"] == r2.get_json()["id"]
    r3 = e.post("/t/xian/api/v1/subsidy-applications", json={**body, "base_amount_cny": 10},
                headers={"Idempotency-Key": "k-1"})
    assert r3.status_code == 422
    # a refused application takes no number
    assert apply(e, "xian", RISK, "2020-06-01", object_no=doc(), base_amount_cny=1).status_code == 422
    assert risk(e, 1000)["number"] == f"XA-ZZ-{year}-000004"


def test_only_own_applications_and_roles(enterprise, bureau, client):
    e1, e2, b = enterprise("xian"), enterprise("xian"), bureau("xian")
    mine = risk(e1, 1000)
    assert e2.get(f"/t/xian/api/v1/subsidy-applications/{mine['id']}").status_code == 404
    assert e2.get("/t/xian/api/v1/subsidy-applications").get_json() == []
    assert [a["id"] for a in b.get("/t/xian/api/v1/subsidy-applications").get_json()] == [mine["id"]]
    assert bureau("hebi").get(f"/t/xian/api/v1/subsidy-applications/{mine['id']}").status_code in (403, 404)
    assert apply(b, "xian", RISK, "2018-06-01", object_no=doc(), base_amount_cny=1).status_code == 403
    assert client.post("/t/xian/api/v1/subsidy-applications", json={}).status_code == 401
    assert decide(e1, "xian", mine["id"]).status_code == 403
    assert b.get("/t/xian/api/v1/subsidy-applications?rule=" + RISK).headers["X-Pagination"]


def test_estimate_before_filing(enterprise):
    e = enterprise("hebi")
    body = {"rule": "hebi-2017-invention-patent-grant", "basis_date": "2019-06-01", "org_type": "enterprise",
            "patent_numbers": [patent(), patent()]}
    r = e.post("/t/hebi/api/v1/subsidy-estimate", json=body)
    assert r.status_code == 200 and r.get_json()["amount_cny"] == 8000
    assert e.get("/t/hebi/api/v1/subsidy-applications").get_json() == []  # nothing filed


# --- evidence ---------------------------------------------------------------------------------------------

def test_evidence_pdf_or_image_by_content(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    app = risk(e, 1000)
    url = f"/t/xian/api/v1/subsidy-applications/{app['id']}/attachments"
    r = e.post(url, data={"file": (io.BytesIO(pdf_bytes()), "合同.pdf"), "document": "loan_contract"})
    assert r.status_code == 201, r.get_json()
    r = e.post(url, data={"file": (io.BytesIO(PNG), "代偿.png"), "document": "payout_proof"})
    assert r.status_code == 201 and r.get_json()["content_type"] == "image/png"
    assert e.post(url, data={"file": (io.BytesIO(b"not a pdf"), "x.pdf")}).status_code == 415
    assert e.post(url,
                  data={"file": (io.BytesIO(pdf_bytes()), "x.pdf"), "document": "nope"}).status_code == 422
    got = b.get(f"/t/xian/api/v1/subsidy-applications/{app['id']}").get_json()
    assert [a["document"] for a in got["attachments"]] == ["loan_contract", "payout_proof"]
    first = got["attachments"][0]
    assert b.get(f"{url}/{first['id']}").data.startswith(b"%PDF")
    assert enterprise("xian").get(f"{url}/{first['id']}").status_code == 404
    assert decide(b, "xian", app["id"]).status_code == 200
    r = e.post(url, data={"file": (io.BytesIO(pdf_bytes()), "late.pdf")})
    assert r.status_code == 409  # decided: the evidence is frozen


# --- the decision -----------------------------------------------------------------------------------------

def test_decision_amounts_and_once(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    app = risk(e, 3000000)  # estimate 1,500,000
    r = decide(b, "xian", app["id"], amount_cny=1500001)
    assert r.status_code == 422 and "amount_cny" in r.get_json()["errors"]["json"]
    assert decide(b, "xian", app["id"], amount_cny=-1).status_code == 422
    r = decide(b, "xian", app["id"], amount_cny=1200000)
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    assert r.get_json()["granted_cny"] == 1200000
    assert r.get_json()["warning"] is None
    assert decide(b, "xian", app["id"], "reject", reason="晚了").status_code == 409
    default = risk(e, 2000)
    assert decide(b, "xian", default["id"]).get_json()["granted_cny"] == 1000  # the estimate by default
    no_reason = risk(e, 2000)
    assert decide(b, "xian", no_reason["id"], "reject").status_code == 422
    events = b.get(f"/t/xian/api/v1/audit?object_id={app['id']}").get_json()
    assert {"subsidy_application.submitted", "subsidy_application.approved",
            "subsidy_application.granted"} <= {ev["action"] for ev in events}


def test_null_amount_bureau_sets_it(enterprise, bureau):
    """Xi'an 二(四)4 "给予企业和保险公司一定的补助和奖励" and Tianjin's warning-project grant name no
    amount."""
    e, b = enterprise("xian"), bureau("xian")
    app = filed(e, "xian", "xian-2017-patent-insurance-support", "2018-06-01", object_no=doc("BX"))
    assert app["estimate"]["amount_cny"] is None
    assert "政策未规定金额" in app["estimate"]["explanation"]
    r = decide(b, "xian", app["id"])
    assert r.status_code == 422 and "amount_cny" in r.get_json()["errors"]["json"]
    r = decide(b, "xian", app["id"], amount_cny=88000)  # any non-negative amount
    assert r.status_code == 200 and r.get_json()["granted_cny"] == 88000
    tj = filed(enterprise("tianjin-bonded"), "tianjin-bonded", "tianjin-bonded-2021-overseas-warning-grant",
               "2022-03-01", object_no=doc())
    assert tj["estimate"]["amount_cny"] is None and tj["number"].startswith("TJ")
    en = enterprise("guangzhou")
    en.lang = "en"
    gz = filed(en, "guangzhou", "guangzhou-2016-enforcement-grant", "2017-05-01", object_no=doc(),
               role_in_case="plaintiff")
    assert "amount not set by policy" in gz["estimate"]["explanation"]


# --- liability and budgets --------------------------------------------------------------------------------

def test_liability_is_the_sum_of_approved_grants(app, enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    granted = []
    for base, grant in ((3000000, 1000000), (2000000, 999999), (500000, 250000)):
        a = risk(e, base)
        granted.append(decide(b, "xian", a["id"], amount_cny=grant).get_json()["granted_cny"])
    risk(e, 100000)  # pending: expected 50,000
    rejected = risk(e, 400000)
    decide(b, "xian", rejected["id"], "reject", reason="材料不全")
    other_year = risk(e, 60000, basis="2019-02-01")
    decide(b, "xian", other_year["id"])
    # a verified 贯标 certificate of 2018 (3万元, 二(一)3) is owed too
    cert = submit_certification(e, "xian", issued_on="2018-03-01", expires_on="2021-02-28")
    b.post(f"/t/xian/api/v1/certifications/{cert['id']}/decision", json={"decision": "verify"})
    report = b.get("/t/xian/api/v1/subsidy-liability").get_json()
    rows = {(r["year"], r["rule"]): r for r in report["liability"]}
    assert rows[(2018, RISK)]["amount_cny"] == sum(granted) and rows[(2018, RISK)]["count"] == 3
    assert rows[(2018, RISK)]["expected_cny"] == 100000 * 50 // 100
    assert rows[(2019, RISK)]["amount_cny"] == 30000
    assert rows[(2018, "xian-2017-certification-grant")]["amount_cny"] == 30000
    assert rows[(2018, RISK)]["budget_cny"] == 5000 * 10000
    owed = sum(r["amount_cny"] for r in report["liability"])
    assert owed == sum(granted) + 30000 + 30000
    with app.app_context():
        from ipservice.core.tenancy import tenant_context
        from ipservice.subsidy import budget

        with tenant_context("xian"):
            assert budget.liability(2019) == [rows[(2019, RISK)]]
            assert sum(r["amount_cny"] for r in budget.liability()) == owed
    lines = {x["code"]: x for x in report["budgets"]}
    assert lines["xian-2017-fund-platform-financing"]["committed_cny"] == sum(granted) + 30000
    assert lines["xian-2017-fund-navigation-certification"]["committed_cny"] == 30000
    assert lines["xian-2017-service-system-fund"]["committed_cny"] == sum(granted) + 30000 + 30000


def test_budget_warning_when_a_grant_exceeds_the_line(enterprise, bureau):
    """三(二)2: 5000万 for pledge-financing subsidies. Ten risk compensations of 500万 (the cap, 二(四)4) fill
    it;
    the eleventh approval warns (and is still the bureau's to make)."""
    e, b = enterprise("xian"), bureau("xian")
    line = 5000 * 10000
    for _ in range(line // (500 * 10000)):
        a = risk(e, 12000000)
        assert a["estimate"]["amount_cny"] == 500 * 10000
        assert decide(b, "xian", a["id"]).get_json()["warning"] is None
    eleventh = risk(e, 200000)  # 100,000
    r = decide(b, "xian", eleventh["id"])
    assert r.status_code == 200 and r.get_json()["granted_cny"] == 100000
    warning = r.get_json()["warning"]
    assert "50,100,000" in warning and "50,000,000" in warning and "100,000" in warning
    b.lang = "en"
    twelfth = risk(e, 2000)
    assert "over its budget" in decide(b, "xian", twelfth["id"]).get_json()["warning"]
    lines = {x["code"]: x for x in b.get("/t/xian/api/v1/subsidy-liability").get_json()["budgets"]}
    assert lines["xian-2017-fund-platform-financing"]["over"] is True
    assert lines["xian-2017-service-system-fund"]["over"] is False  # 1亿 holds it


# --- exports and statistics -------------------------------------------------------------------------------

def test_exports(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    a = risk(e, 3000000)
    decide(b, "xian", a["id"], amount_cny=1000000)
    risk(e, 1000)
    r = b.get("/t/xian/api/v1/subsidy-applications.xlsx?status=approved")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header = next(row for row in rows if row and row[0] == "序号")
    data = rows[rows.index(header) + 1:]
    assert len(data) == 1 and a["number"] in data[0] and 1000000 in data[0] and 1500000 in data[0]
    text = b.get("/t/xian/api/v1/subsidy-applications.csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert any("申请编号" in row for row in table)
    assert sum(1 for row in table if row and row[0].isdigit()) == 2
    assert e.get("/t/xian/api/v1/subsidy-applications.csv").status_code == 403


def test_stats_add_subsidies_and_liability_without_names(enterprise, bureau, cross_admin):
    e, b = enterprise("xian"), bureau("xian")
    a = risk(e, 3000000)
    decide(b, "xian", a["id"], amount_cny=1000000)
    c = risk(e, 100000)
    decide(b, "xian", c["id"], "reject", reason="不符合")
    risk(e, 1000)
    body = cross_admin.get("/api/v1/stats").get_json()
    xian = next(t for t in body["tenants"] if t["slug"] == "xian")
    assert xian["subsidies"] == {"submitted": 1, "approved": 1, "rejected": 1, "approved_cny": 1000000}
    assert xian["liability"] == [{"year": 2018, "amount_cny": 1000000}]
    assert body["totals"]["subsidies"]["approved_cny"] == 1000000
    hebi = next(t for t in body["tenants"] if t["slug"] == "hebi")
    assert hebi["subsidies"]["submitted"] == 0 and hebi["liability"] == []
    assert e.info["uscc"] not in str(body) and a["number"] not in str(body)
