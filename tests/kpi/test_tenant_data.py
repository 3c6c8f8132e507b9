"""Issue 4: each tenant's configuration against the seed documents, published through the API."""
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ipservice.tenants import registry

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
TENANTS = ("xian", "hebi", "guangzhou", "tianjin-bonded")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seeds():
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return {p.name: _squash(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize("slug", TENANTS)
def test_every_citation_quotes_its_seed_document(app, slug, seeds):
    tenant = registry.of(app).get(slug)
    cited = [(f"rule {r.code}", r.source) for r in tenant.rules]
    cited += [(f"indicator {i.code}", i.citation) for i in tenant.indicators]
    cited += [(f"center {c.code}", c.source) for c in tenant.part("case").centers]
    cited += tenant.part("subsidy").citations()  # subsidies.toml
    missing = []
    for what, citation in cited:
        seed = seeds[tenant.document(citation.document).seed]
        if _squash(citation.quote) not in seed:
            missing.append(f"{what}: {citation.quote!r}")
    assert not missing, "quotes not found in the seed text:\n" + "\n".join(missing)


@pytest.mark.parametrize("slug", TENANTS)
def test_endpoints_answer_and_carry_sources(client, slug):
    policy = client.get(f"/t/{slug}/api/v1/policy").get_json()
    assert policy["tenant"] == slug and policy["documents"]
    for rule in policy["rules"]:
        assert rule["source"]["document"] and rule["source"]["clause"] and rule["source"]["quote"]
        assert {"code", "name_zh", "name_en", "kind", "amount_cny", "rate", "cap_cny", "unit", "applies_to",
                "effective_from", "effective_to"} <= set(rule)
    kpis = client.get(f"/t/{slug}/api/v1/kpis").get_json()
    assert kpis
    for k in kpis:
        assert k["source"] in ("computed", "reported") and k["citation"]["clause"]
        assert {"code", "seq", "name_zh", "name_en", "unit", "category", "direction", "baseline", "targets",
                "actuals"} <= set(k)
    tasks = client.get(f"/t/{slug}/api/v1/tasks").get_json()
    assert tasks and all(t["status"] == "not_started" for t in tasks)
    assert client.get(f"/t/{slug}/api/v1/forms").status_code == 200


def _rule(client, slug, code):
    rules = client.get(f"/t/{slug}/api/v1/policy").get_json()["rules"]
    return next(r for r in rules if r["code"] == code)


def test_xian_2017_rules(client):
    r = _rule(client, "xian", "xian-2017-certification-grant")
    assert (r["amount_cny"], r["applies_to"], r["effective_from"], r["effective_to"]) == \
        (30000, "certification", "2017-11-09", "2019-12-31")
    assert r["source"]["document"] == "市政办发〔2017〕101号" and r["source"]["clause"] == "二(一)3"
    rules = client.get("/t/xian/api/v1/policy").get_json()["rules"]
    by_kind = {(x["applies_to"], x["rate"], x["cap_cny"]) for x in rules}
    assert ("pledge_financing", 0.02, 200000) in by_kind          # 担保费补贴 2%, ≤20万
    assert ("equity_investment", 0.05, 200000) in by_kind         # 作价入股 5%, ≤20万
    assert ("ip_trust", 0.02, 200000) in by_kind                  # 信托 2%, ≤20万
    assert ("patent_pool", 0.01, 200000) in by_kind               # 专利池 1%, ≤20万/年
    assert any(x["applies_to"] == "public_interest_litigation" and x["cap_cny"] == 100000 for x in rules)


def test_hebi_rules(client):
    rules = {r["code"]: r for r in client.get("/t/hebi/api/v1/policy").get_json()["rules"]}
    amounts = sorted(r["amount_cny"] for r in rules.values() if r["amount_cny"])
    for amount in (4000, 10000, 30000, 50000, 500000, 100000, 20000):
        assert amount in amounts
    assert rules["hebi-2017-certification-reward"]["amount_cny"] == 50000
    assert rules["hebi-2017-annual-fee-support"]["cap_cny"] == 10000
    pledge = rules["hebi-2017-pledge-financing-subsidy"]
    assert (pledge["rate"], pledge["cap_cny"]) == (0.5, 200000)
    provincial = [r for r in rules.values() if r["applies_to"] == "patent_award" and "henan" in r["code"]]
    assert len(provincial) == 4
    assert all(r["effective_to"] == "2020-12-31" for r in rules.values())


def test_tianjin_certification_rule_has_no_amount_and_says_so(client):
    r = _rule(client, "tianjin-bonded", "tianjin-bonded-2021-certification-support")
    assert r["amount_cny"] is None and r["rate"] is None and r["cap_cny"] is None
    assert "未规定金额" in r["note_zh"] and r["effective_to"] == "2023-12-31"


def test_rules_in_force_on_a_date(app):
    from ipservice.policy.services import rules_in_force

    xian = registry.of(app).get("xian")
    assert [r.code for r in rules_in_force(xian, "certification", dt.date(2018, 6, 1))] == [
        "xian-2017-certification-grant", "xian-2017-certification-grant-university",
        "xian-2017-certification-grant-research-institute"]  # one per kind of organization (二(一)3, 二(一)1)
    assert rules_in_force(xian, "certification", dt.date(2024, 3, 1)) == []
    assert rules_in_force(registry.of(app).get("hebi"), "certification", dt.date(2021, 1, 1)) == []


def _table(client, slug, table):
    return [k for k in client.get(f"/t/{slug}/api/v1/kpis").get_json() if k["table"] == table]


def test_xian_2025_table_has_fifteen_published_rows(client):
    rows = _table(client, "xian", "xian-2025")
    assert [r["seq"] for r in rows] == list(range(1, 16))
    row12 = rows[11]
    assert row12["name_zh"] == "专利预审备案主体" and row12["baseline"] == {"year": 2020, "value": 300}
    assert row12["targets"][0]["value"] == 1000 and row12["source"] == "computed"
    assert rows[0]["baseline"]["value"] == 13 and rows[0]["targets"][0]["value"] == 20
    assert rows[5]["published_growth"] == "保持" and rows[5]["direction"] == "maintain"
    # 行政执法结案率
    assert rows[12]["source"] == "reported" and rows[12]["reference"]["metric"] == "case_closure_rate"


def test_xian_cagr_recomputed_matches_every_published_figure(client):
    """年均预增 = (target / baseline)^(1/5) − 1; the document's figures all agree within 0.01 points."""
    checked = 0
    for row in _table(client, "xian", "xian-2025"):
        published = row["published_growth"]
        if not (published and published.endswith("%") and row["baseline"]):
            continue
        target = next(t["value"] for t in row["targets"] if t["year"] == 2025)
        expected = (target / row["baseline"]["value"]) ** (1 / 5) - 1
        assert row["recomputed_growth"] == pytest.approx(expected, abs=1e-6)
        assert abs(row["recomputed_growth"] * 100 - float(published.rstrip("%"))) < 0.01, row["name_zh"]
        checked += 1
    assert checked == 10


def test_xian_2017_targets_from_prose(client):
    rows = _table(client, "xian", "xian-2019")
    assert len(rows) >= 20
    certification = [r for r in rows if r["source"] == "computed" and "贯标" in r["name_zh"]]
    assert certification and certification[0]["targets"][0]["value"] == 300


def test_tianjin_table_keeps_the_published_numbering_with_gap(client):
    rows = _table(client, "tianjin-bonded", "tianjin-bonded-2023")
    assert len(rows) == 23
    assert [r["seq"] for r in rows] == [n for n in range(1, 25) if n != 22]
    custody = rows[8]
    assert custody["seq"] == 9 and custody["source"] == "computed"
    assert [(t["year"], t["value"], t["note"]) for t in custody["targets"]] == [
        (2021, 150, ""), (2022, 300, ""), (2023, None, "验收")]
    notes_2023 = {t["note"] for r in rows for t in r["targets"] if t["year"] == 2023}
    assert notes_2023 <= {"验收", "完成"} and "验收" in notes_2023


def test_task_lists(client):
    xian = client.get("/t/xian/api/v1/tasks").get_json()
    annex = [t for t in xian if t["document"] == "xian-2022"]
    assert [t["seq"] for t in annex] == [str(n) for n in range(1, 98)]
    assert all(t["lead_units"] for t in annex)
    gz = client.get("/t/guangzhou/api/v1/tasks").get_json()
    assert len(gz) == 23 and gz[0]["seq"] == "(一)" and gz[-1]["seq"] == "(二十三)"
    assert all(t["lead_units"] for t in gz)
    tj = client.get("/t/tianjin-bonded/api/v1/tasks").get_json()
    assert any(t["lead_units"] and t["partner_units"] for t in tj)
    hebi = client.get("/t/hebi/api/v1/tasks").get_json()
    assert len(hebi) >= 15


def test_kpis_xlsx_in_published_layout(client):
    r = client.get("/t/xian/api/v1/kpis.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["Content-Type"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["建设目标（2017—2019年）", "主要发展指标表（2020—2025年）", "示范工程目标",
                             "正文所列目标"]  # by title; the text's targets last
    ws = wb["主要发展指标表（2020—2025年）"]
    headers = [c.value for c in ws[3]]
    assert headers[:6] == ["序号", "类别", "指标名称", "单位", "2020年", "2025年"]
    assert "年均预增（复算）" in headers
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in rows] == list(range(1, 16))
    assert rows[11][2] == "专利预审备案主体" and rows[11][4] == 300 and rows[11][5] == 1000
    tj = load_workbook(io.BytesIO(client.get("/t/tianjin-bonded/api/v1/kpis.xlsx").data))
    seqs = [row[0] for row in tj.active.iter_rows(min_row=4, values_only=True)]
    assert 22 not in seqs and len(seqs) == 23


def test_progress_with_year(client, bureau):
    b = bureau("hebi")
    rows = client.get("/t/hebi/api/v1/kpis").get_json()
    reported = next(r for r in rows
                    if r["source"] == "reported" and r["targets"] and r["targets"][0]["value"])
    target = reported["targets"][0]
    r = b.put(f"/t/hebi/api/v1/kpis/{reported['code']}/actuals/{target['year']}",
              json={"value": target["value"] / 2, "note": "年中数据"})
    assert r.status_code == 200, r.get_json()
    row = next(x for x in client.get(f"/t/hebi/api/v1/kpis?year={target['year']}").get_json()
               if x["code"] == reported["code"])
    assert row["actuals"][0]["value"] == target["value"] / 2
    assert row["progress"]["ratio"] == pytest.approx(0.5) and row["progress"]["met"] is False


def test_reported_actual_rules(client, bureau, enterprise):
    b = bureau("xian")
    reported = next(r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["source"] == "reported")
    computed = next(r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["source"] == "computed")
    assert b.put(f"/t/xian/api/v1/kpis/{computed['code']}/actuals/2025", json={"value": 1}).status_code == 409
    assert b.put("/t/xian/api/v1/kpis/nope/actuals/2025", json={"value": 1}).status_code == 404
    assert b.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025",
                 json={"value": "many"}).status_code == 422
    assert b.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025", json={}).status_code == 422
    assert enterprise("xian").put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025",
                                  json={"value": 1}).status_code == 403
    assert client.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025",
                      json={"value": 1}).status_code == 401
    other = bureau("hebi")
    assert other.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025",
                     json={"value": 1}).status_code == 404
    ok = b.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025", json={"value": 12, "note": "统计局"})
    assert ok.status_code == 200 and ok.get_json()["value"] == 12
    assert ok.get_json()["version"] == 1
    again = b.put(f"/t/xian/api/v1/kpis/{reported['code']}/actuals/2025", json={"value": 13, "version": 1})
    assert again.status_code == 200 and again.get_json()["version"] == 2
    row = next(r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["code"] == reported["code"])
    acts = row["actuals"]
    assert [(a["year"], a["value"]) for a in acts] == [(2025, 13)]
    audit = b.get("/t/xian/api/v1/audit?action=kpi.actual_set").get_json()
    assert len(audit) == 2 and audit[0]["detail"]["to"] == 13


def test_task_progress_by_bureau_only(client, bureau, enterprise):
    b = bureau("guangzhou")
    code = client.get("/t/guangzhou/api/v1/tasks").get_json()[3]["code"]
    assert enterprise("guangzhou").put(f"/t/guangzhou/api/v1/tasks/{code}",
                                       json={"status": "done"}).status_code == 403
    assert b.put(f"/t/guangzhou/api/v1/tasks/{code}", json={"status": "finished"}).status_code == 422
    assert b.put("/t/guangzhou/api/v1/tasks/unknown", json={"status": "done"}).status_code == 404
    r = b.put(f"/t/guangzhou/api/v1/tasks/{code}", json={"status": "in_progress", "note": "已召开推进会"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    task = next(t for t in client.get("/t/guangzhou/api/v1/tasks").get_json() if t["code"] == code)
    assert (task["status"], task["note"]) == ("in_progress", "已召开推进会")


def test_tenant_home_page_shows_rules_kpis_and_tasks(client):
    html = client.get("/t/xian/").get_data(as_text=True)
    assert "政策规则" in html and "市政办发〔2017〕101号 二(一)3" in html
    assert "专利预审备案主体" in html and "27.23%" in html and "重点任务" in html
    en = client.get("/t/xian/?lang=en").get_data(as_text=True)
    assert "Entities registered for patent pre-examination" in en and "Key tasks" in en
    tj = client.get("/t/tianjin-bonded/?lang=zh_CN").get_data(as_text=True)
    assert "政策未规定金额" in tj


def test_bureau_pages_for_actuals_and_tasks(app, client, bureau):
    from tests.conftest import csrf_from, page_login

    b = bureau("hebi")
    page_login(client, b.email)
    reported = next(r for r in client.get("/t/hebi/api/v1/kpis").get_json() if r["source"] == "reported")
    url = f"/t/hebi/kpis/{reported['code']}?year=2020"
    html = client.get(url).get_data(as_text=True)
    bad = client.post(url,
                      data={"csrf_token": csrf_from(html), "year": "2020", "value": "abc", "note": "保留"})
    assert bad.status_code == 422 and "不是有效的数字" in bad.get_data(as_text=True)
    assert "保留" in bad.get_data(as_text=True)
    ok = client.post(url, data={"csrf_token": csrf_from(html), "year": "2020", "value": "7", "note": ""})
    assert ok.status_code == 302
    code = client.get("/t/hebi/api/v1/tasks").get_json()[0]["code"]
    html = client.get(f"/t/hebi/tasks/{code}").get_data(as_text=True)
    r = client.post(f"/t/hebi/tasks/{code}",
                    data={"csrf_token": csrf_from(html), "status": "done", "note": "完成"})
    assert r.status_code == 302
    assert client.get("/t/hebi/api/v1/tasks").get_json()[0]["status"] == "done"
