"""GET /api/v1/stats and the dashboard: aggregates side by side, never an individual filing."""
import json

from tests.cases.conftest import bring_to, file_case
from tests.certification.certification_helpers import submit as submit_certification
from tests.custody.custody_helpers import enrollment_body
from tests.conftest import make_uscc, page_login


def _agency(bureau_api, tenant):
    r = bureau_api.post(f"/t/{tenant}/api/v1/agencies", json={"name": "托管机构", "uscc": make_uscc(), "contact": "x"})
    assert r.status_code == 201
    return r.get_json()["id"]


def _populate(enterprise, bureau):
    xe, xb = enterprise("xian"), bureau("xian")
    he, hb = enterprise("hebi"), bureau("hebi")
    agency = _agency(xb, "xian")
    e1 = xe.post("/t/xian/api/v1/custody-enrollments", json=enrollment_body("xian", agency)).get_json()
    xb.post(f"/t/xian/api/v1/custody-enrollments/{e1['id']}/decision", json={"decision": "approve"})
    cert = submit_certification(he, "hebi", issued_on="2019-05-01", expires_on="2022-04-30")
    hb.post(f"/t/hebi/api/v1/certifications/{cert['id']}/decision", json={"decision": "verify"})
    submit_certification(xe, "xian")
    bring_to("closed", xe, xb, "xian")
    bring_to("in_progress", xe, xb, "xian")
    bring_to("withdrawn", xe, xb, "xian")
    file_case(he, "hebi")
    return xe, he


def test_stats_side_by_side_with_totals(enterprise, bureau, cross_admin):
    _populate(enterprise, bureau)
    r = cross_admin.get("/api/v1/stats")
    assert r.status_code == 200
    body = r.get_json()
    by = {t["slug"]: t for t in body["tenants"]}
    assert set(by) == {"xian", "hebi", "guangzhou", "tianjin-bonded"}
    assert by["xian"]["custody"] == {"submitted": 0, "approved": 1, "rejected": 0}
    assert by["hebi"]["certifications"] == {"submitted": 0, "verified": 1, "rejected": 0}
    assert by["xian"]["certifications"]["submitted"] == 1
    cases = by["xian"]["cases"]
    assert cases["total"] == 3 and cases["by_status"]["closed"] == 1 and cases["by_status"]["withdrawn"] == 1
    assert cases["closure_rate"] == 0.5  # closed ÷ cases not withdrawn
    assert by["guangzhou"]["cases"]["closure_rate"] is None
    assert body["totals"]["cases"]["total"] == 4
    assert body["totals"]["certifications"]["verified"] == 1
    assert body["generated_at"].endswith("+08:00")
    hebi_kpi = {k["code"]: k for k in by["hebi"]["kpis"]}
    # Hebi's 贯彻规范 row is reported (issue 10): the verified certificate is only its reference, not its actual
    implementing = hebi_kpi["hebi-2020-15"]
    assert implementing["source"] == "reported" and implementing["actual"] is None and implementing["year"] == 2020
    xian_kpi = {k["code"]: k for k in by["xian"]["kpis"]}
    assert xian_kpi["xian-2019-2"]["source"] == "computed" and xian_kpi["xian-2019-2"]["actual"] == 0


def test_stats_carry_no_filing_or_personal_data(enterprise, bureau, cross_admin):
    xe, he = _populate(enterprise, bureau)
    text = json.dumps(cross_admin.get("/api/v1/stats").get_json(), ensure_ascii=False)
    for secret in (xe.info["email"], xe.info["uscc"], he.info["uscc"], "某某侵权贸易有限公司", "测试科技有限公司"):
        assert secret not in text


def test_only_cross_admin_reads_stats(client, enterprise, bureau):
    assert client.get("/api/v1/stats").status_code == 401
    assert bureau("xian").get("/api/v1/stats").status_code == 403
    assert enterprise("xian").get("/api/v1/stats").status_code == 403


def test_cross_admin_sees_no_tenant_filing(cross_admin, enterprise, bureau):
    _populate(enterprise, bureau)
    for path in ("/t/xian/api/v1/custody-enrollments", "/t/xian/api/v1/certifications", "/t/xian/api/v1/cases",
                 "/t/xian/api/v1/audit"):
        assert cross_admin.get(path).status_code in (403, 404), path


def test_dashboard_page(app, client, enterprise, bureau, cross_admin):
    _populate(enterprise, bureau)
    page_login(client, "province@example.gov.cn")
    html = client.get("/stats").get_data(as_text=True)
    assert "跨地区统计" in html and "西安市" in html and "鹤壁市" in html and "50.0%" in html
    assert "hbar" in html  # the bar chart
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert "Cross-district statistics" in en
