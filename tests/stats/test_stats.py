"""GET /api/v1/stats and the dashboard: aggregates side by side, never an individual filing."""
import datetime as dt
import json
import re

from tests.cases.conftest import bring_to, file_case
from tests.certification.certification_helpers import submit as submit_certification
from tests.custody.custody_helpers import enrollment_body
from tests.conftest import make_uscc, page_login


def _agency(bureau_api, tenant):
    r = bureau_api.post(f"/t/{tenant}/api/v1/agencies",
                        json={"name": "托管机构", "uscc": make_uscc(), "contact": "x"})
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
    # Hebi's 贯彻规范 row is reported (issue 10): the verified certificate is only its reference,
    # not its actual
    implementing = hebi_kpi["hebi-2020-15"]
    assert implementing["source"] == "reported" and implementing["actual"] is None
    assert implementing["year"] == 2020
    xian_kpi = {k["code"]: k for k in by["xian"]["kpis"]}
    assert xian_kpi["xian-2019-2"]["source"] == "computed" and xian_kpi["xian-2019-2"]["actual"] == 0


def test_stats_carry_no_filing_or_personal_data(enterprise, bureau, cross_admin):
    xe, he = _populate(enterprise, bureau)
    text = json.dumps(cross_admin.get("/api/v1/stats").get_json(), ensure_ascii=False)
    for secret in (xe.info["email"], xe.info["uscc"], he.info["uscc"], "某某侵权贸易有限公司",
                   "测试科技有限公司"):
        assert secret not in text


def test_only_cross_admin_reads_stats(client, enterprise, bureau):
    assert client.get("/api/v1/stats").status_code == 401
    assert bureau("xian").get("/api/v1/stats").status_code == 403
    assert enterprise("xian").get("/api/v1/stats").status_code == 403


def test_cross_admin_sees_no_tenant_filing(cross_admin, enterprise, bureau):
    _populate(enterprise, bureau)
    for path in ("/t/xian/api/v1/custody-enrollments", "/t/xian/api/v1/certifications",
                 "/t/xian/api/v1/cases", "/t/xian/api/v1/audit"):
        assert cross_admin.get(path).status_code in (403, 404), path


def test_dashboard_page(app, client, enterprise, bureau, cross_admin):
    _populate(enterprise, bureau)
    page_login(client, "province@example.gov.cn")
    r = client.get("/stats")
    html = r.get_data(as_text=True)
    # by default the latest year some district has targets for (Xi'an's table runs to 2025), as the worklist
    # does — not a year without any (issue 20, defect 5)
    assert dt.date.today().year > 2025
    assert r.status_code == 200 and 'name="year" min="2000" max="2100" value="2025"' in html
    assert "年没有指标目标，显示最近一个有目标的年份（2025 年）" in html
    assert "跨地区统计" in html and "西安市" in html and "鹤壁市" in html and "50%" in html
    assert html.count("<svg") >= 3 and 'role="img"' in html and "<desc id=" in html  # charts…
    assert html.count("<table") >= html.count('<svg class') - 1  # …each with its table
    assert "css/print-landscape.css" in html and "style=" not in html and "<script" not in html
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert "Cross-district statistics" in en and "Generated at: " in en and "：" not in en.split("<main>")[1]


def test_province_view_year(app, client, enterprise, bureau, cross_admin):
    """The current year by default; a bad year refused with a message; a district without indicators says so;
    targets printed as the table publishes them; comparable indicators grouped across tables."""
    _populate(enterprise, bureau)
    page_login(client, "province@example.gov.cn")
    for bad in ("abc", "1999", "2101", "20.5"):
        r = client.get(f"/stats?year={bad}")
        assert r.status_code == 422, bad
        assert "年份须为 2000 到 2100 之间的整数" in r.get_data(as_text=True)
        assert "<svg" not in r.get_data(as_text=True)  # nothing shown for a year that was not asked
    assert "The year must be a whole number" in client.get("/stats?year=x&lang=en").get_data(as_text=True)

    html = client.get("/stats?year=2020&lang=zh_CN").get_data(as_text=True)
    kpis = html.split('id="kpis"')[1]
    guangzhou = kpis.split("广州市")[1].split("<h3")[0]
    assert "2020 年没有指标目标" in guangzhou and "<table" not in guangzhou  # says so, no empty table
    hebi = kpis.split("鹤壁市")[1].split("<h3")[0]
    assert "10 件" in hebi and not re.search(r"\d\.0\b", hebi)  # hebi-2020-01: 万人发明专利拥有量 达10件

    html = client.get("/stats?year=2025&lang=zh_CN").get_data(as_text=True)
    comparable = html.split('id="comparable"')[1].split('id="kpis"')[0]
    # xian-2025-13 and xian-2022-projects-14 both count the case closure rate: one group, two tables
    group = comparable.split("<h3>知识产权行政执法案件结案率</h3>")[1].split("</table>")[0]
    assert group.count("西安市") >= 2 and "主要发展指标表" in group and "95%" in group
    assert "专利预审备案主体 / 预审服务覆盖创新主体" in comparable
