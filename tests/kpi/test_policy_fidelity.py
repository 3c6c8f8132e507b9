"""Issue 10: each reading of the documents resolved in the data — indicators that count exactly what
their row names (or are reported with a related figure beside them), targets from the prose, the bureau's
own settings shown as such, and every quote re-read against the seed texts."""
import re
from pathlib import Path

import pytest

from ipservice.tenants import registry
from tests.cases.test_cases_kpis import history_2024_2025  # noqa: F401  (fixture)

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
def test_task_titles_and_contents_are_verbatim_with_every_cut_marked(app, slug, seeds):
    """A task's title and content are the document's words; "…" marks each cut (Guangzhou (十三) etc.
    had dropped the inline "(规划处负责)" notes without a mark)."""
    tenant = registry.of(app).get(slug)
    wrong = []
    for task in tenant.tasks:
        seed = seeds[tenant.document(task.document).seed]
        for what, text in (("title", task.title), ("content", task.content)):
            for piece in re.split(r"…+", text):
                if _squash(piece) and _squash(piece) not in seed:
                    wrong.append(f"{task.code} {what}: {piece[:60]!r}")
    assert not wrong, "not in the seed text (mark cuts with …):\n" + "\n".join(wrong)


@pytest.mark.parametrize("slug", TENANTS)
def test_form_field_citations_quote_their_seed(app, slug, seeds):
    tenant = registry.of(app).get(slug)
    for kind in tenant.forms.kinds:
        for f in tenant.forms.fields_for(kind):
            if f.source:
                assert _squash(f.source.quote) in seeds[tenant.document(f.source.document).seed], f.name


def _rows(client, slug, **query):
    return {r["code"]: r for r in client.get(f"/t/{slug}/api/v1/kpis", query_string=query).get_json()}


def test_enforcement_closure_rate_is_reported_with_the_centers_rate_as_reference(client, bureau,
                                                                                history_2024_2025):  # noqa: F811 — the fixture imported above
    rows = _rows(client, "xian", year=2025)
    for code in ("xian-2025-13", "xian-2022-projects-14"):
        row = rows[code]
        assert row["source"] == "reported" and row["metric"] is None and row["actuals"] == []
        assert row["reference"]["metric"] == "case_closure_rate"
        assert {"year": 2025, "value": 25.0} in row["reference"]["values"]  # 2 of 8 cases closed
        assert row["progress"]["actual"] is None  # the reference is never the actual
    r = bureau("xian").put("/t/xian/api/v1/kpis/xian-2025-13/actuals/2025", json={"value": 97.5})
    assert r.status_code == 200
    assert _rows(client, "xian", year=2025)["xian-2025-13"]["progress"]["actual"] == 97.5
    html = client.get("/t/xian/").get_data(as_text=True)
    assert "参考（非本指标）" in html and "保护中心案件结案率" in html


def test_mediation_sessions_count_over_the_plan_because_the_text_names_no_period(
        client, history_2024_2025):  # noqa: F811 — the fixture imported above
    row = _rows(client, "xian")["xian-2022-projects-16"]
    assert row["source"] == "computed" and row["metric"] == "mediation_sessions"
    by_year = {a["year"]: a["value"] for a in row["actuals"]}
    # one session mediated on 31 Dec 2024 (China time): counted from 2022 on, it stays in 2025's total
    assert (by_year[2022], by_year[2023], by_year[2024], by_year[2025]) == (0, 0, 1, 1)
    assert [t["year"] for t in row["targets"]] == [2025]


def test_hebi_implementing_the_standard_is_not_the_certified_count(client):
    row = _rows(client, "hebi")["hebi-2020-15"]
    assert row["source"] == "reported" and row["reference"]["metric"] == "certifications_verified"
    assert row["name_zh"] == "贯彻《企业知识产权管理规范》企业"


def test_computed_indicators_name_the_quantity_their_metric_counts(app):
    """Every computed row: its metric counts what the row names (a list reviewed against the documents)."""
    counted = {
        "certifications_verified": ("贯标",), "custody_enrollments_approved": ("托管",),
        "pre_exam_filing_entities": ("预审",), "mediation_sessions": ("调解",),
        "determination_opinions": ("判定咨询",), "assistance_enterprises": ("维权援助",),
    }
    for slug in TENANTS:
        for ind in registry.of(app).get(slug).indicators:
            if ind.source == "computed":
                assert any(w in ind.name_zh for w in counted[ind.metric]), (ind.code, ind.metric)
                assert "执法" not in ind.name_zh, ind.code


def test_prose_targets_are_indicators_of_their_own_table_marked_as_text(client):
    rows = [r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["table"] == "xian-2022-text"]
    assert [(r["name_zh"], r["targets"][-1]["value"]) for r in rows] == [
        ("国家级高新技术企业", 10000), ("新增科技型上市企业", 10), ("“专精特新”小巨人企业", 100),
        ("全社会研究与开发费用(R&D)占GDP比重", 5), ("市级财政知识产权资金预算", None)]  # 五(二): words only
    assert all(r["table_origin"] == "text" for r in rows)
    tj = [r for r in client.get("/t/tianjin-bonded/api/v1/kpis").get_json()
          if r["table"] == "tianjin-bonded-text"]
    assert {r["name_zh"]: r["targets"][-1]["value"] for r in tj} == {
        "PCT国际专利年均申请量": 10, "注册商标年均增长率": 10, "市级产业知识产权运营平台": 1,
        "知识产权交易量年均增幅": 30, "驰名商标": 1, "有效发明专利拥有量": 2500, "PCT申请量": 100,
        "创新创业中心知识产权运营展示中心面积": 1000, "聚集区内服务机构": 15}
    published = [r for r in client.get("/t/tianjin-bonded/api/v1/kpis").get_json()
                 if r["table"] == "tianjin-bonded-2023"]
    assert {r["table_origin"] for r in published} == {"published_table"}
    html = client.get("/t/tianjin-bonded/").get_data(as_text=True)
    assert html.count("本表目标摘自文件正文，文件未公布此表。") == 1
    assert "Targets in this table are taken from the document's text" in \
        client.get("/t/tianjin-bonded/?lang=en").get_data(as_text=True)


def test_tianjin_index_number_is_not_a_document_number(client):
    tj = next(t for t in client.get("/api/v1/tenants").get_json() if t["slug"] == "tianjin-bonded")
    doc = tj["documents"][0]
    assert doc["number"] == "" and doc["index_number"] == "51-10835-2021-00011"
    rule = next(r for r in client.get("/t/tianjin-bonded/api/v1/policy").get_json()["rules"]
                if r["code"] == "tianjin-bonded-2021-certification-support")
    assert rule["kind"] == "grant"  # 资助
    assert rule["source"]["document"] == "《天津港保税区知识产权运营服务体系建设实施办法》"


def test_hebi_rd_super_deduction_is_a_rule(client):
    rules = {r["code"]: r for r in client.get("/t/hebi/api/v1/policy").get_json()["rules"]}
    rule = rules["hebi-2017-rd-super-deduction"]
    assert rule["source"]["clause"].startswith("六-2") and "研发费用加计扣除" in rule["source"]["quote"]
    assert rule["amount_cny"] is None and rule["rate"] is None


def test_the_bureaus_own_settings_are_listed_and_shown(app, client):
    gz = next(t for t in client.get("/api/v1/tenants").get_json() if t["slug"] == "guangzhou")
    settings = {s["setting"]: s["values"] for s in gz["bureau_settings"]}
    assert settings == {"case_time_limits": [], "centers.guangzhou-huadu.case_types": ["complaint"],
                        "forms.case.ip_types": ["trademark", "copyright"], "service_standard": []}
    html = client.get("/t/guangzhou/").get_data(as_text=True)
    assert "本局自行设置（非政策文件规定）" in html and "侵权举报投诉由本局设置" in html
    assert html.count("（本局设置）") == 1  # complaints, on the center's list
    en = client.get("/t/guangzhou/?lang=en").get_data(as_text=True)
    assert "the bureau&#39;s own setting" in en or "the bureau's own setting" in en
    for slug in TENANTS:  # no document sets case time limits
        t = registry.of(app).get(slug)
        assert t.bureau_setting("case_time_limits") is not None


def test_a_bureau_setting_must_name_a_real_setting(tmp_path, load_tenants):
    import shutil

    from ipservice.tenants.loader import TenantConfigError

    root = tmp_path / "tenants"
    shutil.copytree(Path(__file__).resolve().parents[2] / "tenants", root)
    path = root / "guangzhou" / "cases.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('values = ["complaint"]',
                                                             'values = ["overseas"]'),
                    encoding="utf-8")
    with pytest.raises(TenantConfigError,
                       match=r"cases\.toml: bureau_settings\.1\.values: \['overseas'\] not in"):
        load_tenants(root)
