"""Issue 20, "Policy items": the clauses the documents fund or set that the service had left out, now in
``tenants/`` with their quotes (the fidelity tests re-read every quote against the seeds), published through
the API and, where they fund someone, fileable."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import create_user, page_login
from tests.subsidy.subsidy_helpers import doc, filed

ROOT = Path(__file__).resolve().parents[1]


def _rules(client, slug) -> dict:
    return {r["code"]: r for r in client.get(f"/t/{slug}/api/v1/policy").get_json()["rules"]}


def _kpis(client, slug, **query) -> dict:
    return {r["code"]: r for r in client.get(f"/t/{slug}/api/v1/kpis", query_string=query).get_json()}


# --- Xi'an 000 二(一)1: 贯标 funding for universities and research institutes -------------------------------

def test_xian_funds_certified_universities_and_institutes_under_their_own_rules(client):
    rules = _rules(client, "xian")
    for code, org in (("xian-2017-certification-grant-university", "university"),
                      ("xian-2017-certification-grant-research-institute", "research_institute")):
        r = rules[code]
        assert (r["applies_to"], r["org_types"], r["kind"]) == ("certification", [org], "grant")
        assert r["amount_cny"] is None and r["rate"] is None and r["cap_cny"] is None  # none set: invent none
        assert (r["source"]["clause"], r["source"]["quote"]) == ("二(一)1",
                                                                 "对通过贯标企事业单位给予资金资助")
    assert rules["xian-2017-certification-grant"]["org_types"] == ["enterprise"]


@pytest.mark.parametrize("org_type, rule, amount", [
    ("enterprise", "xian-2017-certification-grant", 30000),
    ("university", "xian-2017-certification-grant-university", None),
    ("research_institute", "xian-2017-certification-grant-research-institute", None),
])
def test_a_certification_record_is_estimated_under_the_rule_of_its_kind_of_organization(enterprise, org_type,
                                                                                          rule, amount):
    est = submit_certification(enterprise("xian"), "xian", org_type=org_type)["subsidy_estimate"]
    assert (est["rule_code"], est["amount_cny"]) == (rule, amount)
    if amount is None:
        assert "未规定金额" in est["explanation"] and "不适用" not in est["explanation"]
        assert est["citation"]["clause"] == "二(一)1"


def _copy_tenants(tmp_path) -> Path:
    root = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", root)
    return root


@pytest.mark.parametrize("org_types", ['["enterprise"]', '["university", "enterprise"]', "[]"])
def test_two_certification_rules_for_one_kind_of_organization_on_one_day_are_refused(tmp_path, load_tenants,
                                                                                     org_types):
    from ipservice.tenants.loader import TenantConfigError

    root = _copy_tenants(tmp_path)
    path = root / "xian" / "policy-2017.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('org_types = ["university"]', f"org_types = {org_types}", 1),
                    encoding="utf-8")
    with pytest.raises(TenantConfigError, match="overlaps xian-2017-certification-grant"):
        load_tenants(root)


# --- Xi'an 003: the budget and open-licence targets ---------------------------------------------------------

def test_xian_2022_budget_and_open_licence_targets_are_indicators(client):
    rows = _kpis(client, "xian")
    budget = rows["xian-2022-text-05"]
    assert budget["name_zh"] == "市级财政知识产权资金预算" and budget["table_origin"] == "text"
    assert budget["targets"] == [{"year": 2025, "value": None, "note": "力争超过同类城市平均水平",
                                  "note_en": "strive to exceed the average of comparable cities",
                                  "display_note": "力争超过同类城市平均水平"}]
    assert "市级财政知识产权资金预算超过同类城市平均水平" in budget["citation"]["quote"]
    licences = rows["xian-2022-projects-19"]
    assert licences["targets"][0]["value"] is None and licences["targets"][0]["note"] == "力争全覆盖"
    assert "辖区高校院所专利开放许可全覆盖" in licences["citation"]["quote"]
    html = client.get("/t/xian/").get_data(as_text=True)
    assert "市级财政知识产权资金预算" in html and "辖区高校院所专利开放许可覆盖" in html


# --- Hebi 001: tax relief on IP transfers; the emphasis on international registrations ---------------------

def test_hebi_tax_relief_on_ip_transfers_is_a_published_rule(client):
    rule = _rules(client, "hebi")["hebi-2017-ip-transfer-tax"]
    assert rule["source"]["clause"].startswith("六-2")
    assert rule["source"]["quote"] == "转让知识产权的,按规定享受相关税收优惠"
    assert rule["amount_cny"] is None and rule["rate"] is None
    assert "税收优惠" in client.get("/t/hebi/").get_data(as_text=True)


def test_hebi_emphasis_on_madrid_and_international_designs_sits_with_the_yearly_reward(client, enterprise):
    rule = _rules(client, "hebi")["hebi-2017-high-volume-filer-reward"]
    assert "马德里商标国际注册、工业品外观设计国际注册" in rule["source"]["quote"]
    assert "Madrid" in rule["note_en"] and "industrial designs" in rule["note_en"]
    out = filed(enterprise("hebi"), "hebi", "hebi-2017-high-volume-filer-reward", "2019-12-31",
                patents_granted=40, madrid_registrations=3, design_registrations_abroad=2, pct_applications=1)
    assert out["estimate"]["amount_cny"] is None  # the document sets no amount
    assert (out["madrid_registrations"], out["design_registrations_abroad"]) == (3, 2)


# --- Tianjin 004 二(三)8: the exhibition centre and the 15 service agencies --------------------------------

def test_tianjin_exhibition_centre_and_fifteen_agencies_are_indicators(client):
    rows = _kpis(client, "tianjin-bonded")
    centre, agencies = rows["tianjin-bonded-text-08"], rows["tianjin-bonded-text-09"]
    target = centre["targets"][0]
    assert (centre["unit"], target["year"], target["value"]) == ("平米", 2023, 1000)
    assert "1000平米的知识产权运营展示中心" in centre["citation"]["quote"]
    assert (agencies["unit"], agencies["targets"][0]["value"]) == ("家", 15)
    assert agencies["citation"]["quote"] == "聚集区内不少于15家服务机构"


def test_every_new_quote_occurs_in_its_seed():
    """The quotes above, re-read here against the seed texts (whitespace ignored), as the fidelity tests
    do."""
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed documents not found")
    text = {p.name: re.sub(r"\s+", "", p.read_text(encoding="utf-8")) for p in seeds.glob("*.txt")}
    for seed, quote in (("000_49818d92ab1093eb.txt", "对通过贯标企事业单位给予资金资助"),
                        ("003_378689d36f51b196.txt", "市级财政知识产权资金预算超过同类城市平均水平"),
                        ("003_378689d36f51b196.txt", "辖区高校院所专利开放许可全覆盖"),
                        ("001_b70a2f308e677d33.txt", "转让知识产权的,按规定享受相关税收优惠"),
                        ("004_f713ac9959e1924e.txt", "不少于15家服务机构")):
        assert quote in text[seed], quote


# --- fileable: what Guangzhou 002 二(八) and Tianjin 004 二(三)11 fund --------------------------------------

FILEABLE = [
    ("guangzhou", "guangzhou-2016-pledge-interest-subsidy", "2017-05-01",
     lambda: {"object_no": doc("DK"), "lender": "广州某银行", "interest_paid_cny": 86000}, "贷款贴息"),
    ("guangzhou", "guangzhou-2016-pledge-risk-compensation", "2018-03-01",
     lambda: {"object_no": doc("DK"), "borrower_name": "某贷款企业", "loss_cny": 1200000}, "风险补偿基金"),
    ("guangzhou", "guangzhou-2016-patent-insurance", "2017-09-01",
     lambda: {"object_no": doc("BX"), "insurer": "某保险公司", "premium_cny": 4800}, "专利保险"),
    ("tianjin-bonded", "tianjin-bonded-2021-patent-commercialisation-support", "2022-04-01",
     lambda: {"object_no": doc("CY"), "implemented_patents": "ZL202010566088.9"},
     "重点扶持专利实施产业化项目"),
]


@pytest.mark.parametrize("slug, rule, basis, body, words", FILEABLE, ids=[f[1] for f in FILEABLE])
def test_what_the_documents_fund_can_be_filed_and_the_bureau_grants_the_amount(
        client, enterprise, bureau, slug, rule, basis, body, words):
    offered = {r["code"]: r for r in client.get(f"/t/{slug}/api/v1/subsidy-rules?on={basis}").get_json()}
    assert words in offered[rule]["source"]["quote"]
    assert offered[rule]["amount_cny"] is None and offered[rule]["rate"] is None
    assert offered[rule]["cap_cny"] is None
    assert offered[rule]["evidence"]
    out = filed(enterprise(slug), slug, rule, basis, **body())
    assert out["status"] == "submitted" and out["estimate"]["amount_cny"] is None  # the document sets none
    assert "政策未规定金额" in out["estimate"]["explanation"]
    b = bureau(slug)
    url = f"/t/{slug}/api/v1/subsidy-applications/{out['id']}/decision"
    assert b.post(url, json={"decision": "approve"}).status_code == 422  # the bureau must name the amount
    r = b.post(url, json={"decision": "approve", "amount_cny": 50000})
    assert r.status_code == 200 and r.get_json()["granted_cny"] == 50000


def test_a_fileable_rule_is_refused_outside_its_period_and_without_its_fields(enterprise):
    e = enterprise("guangzhou")
    r = e.post("/t/guangzhou/api/v1/subsidy-applications", json={
        "rule": "guangzhou-2016-patent-insurance", "basis_date": "2019-06-01", "org_type": "enterprise",
        "object_no": doc("BX"), "insurer": "某保险公司", "premium_cny": 1})
    assert r.status_code == 422  # the plan ran to 2018-12-31
    r = e.post("/t/guangzhou/api/v1/subsidy-applications", json={
        "rule": "guangzhou-2016-pledge-interest-subsidy", "basis_date": "2017-06-01",
        "org_type": "enterprise", "object_no": doc("DK")})
    assert r.status_code == 422 and {"lender", "interest_paid_cny"} <= set(r.get_json()["errors"]["json"])


# --- readings: where the configuration chose one reading of an ambiguous clause ----------------------------

PLEDGE_ZH = "按已支付利息的全额（100%）计"
PLEDGE_EN = "read as 100% of the interest paid"
ONE_ZH = "按列序读作2021年目标"
ONE_EN = "read in column order as the 2021 target"
YEARLY_ZH = "按每年都须达到的目标逐年设定"
LINE_ZH = "六项规则共用本科目"
LINE_EN = "six rules share this line"


def test_a_rules_reading_is_in_the_policy_and_subsidy_rule_json(client):
    rule = _rules(client, "xian")["xian-2017-pledge-interest-subsidy"]
    assert PLEDGE_ZH in rule["reading"]["zh"] and PLEDGE_EN in rule["reading"]["en"]
    assert PLEDGE_ZH in rule["display"]["reading"]
    en = {r["code"]: r for r in client.get("/t/xian/api/v1/policy?lang=en").get_json()["rules"]}
    assert PLEDGE_EN in en["xian-2017-pledge-interest-subsidy"]["display"]["reading"]
    plain = _rules(client, "xian")["xian-2017-ip-trust-subsidy"]  # "2%, 单笔最高20万": one reading only
    assert plain["reading"] is None and plain["display"]["reading"] is None
    offered = {r["code"]: r for r in client.get("/t/xian/api/v1/subsidy-rules?on=2018-06-01").get_json()}
    assert PLEDGE_EN in offered["xian-2017-pledge-interest-subsidy"]["reading"]["en"]
    assert offered["xian-2017-ip-trust-subsidy"]["reading"] is None
    assert "2017—2019" in _rules(client, "xian")["xian-2017-university-reform-support"]["reading"]["zh"]
    assert "interest and valuation" in _rules(client,
                                              "hebi")["hebi-2017-pledge-financing-subsidy"]["reading"]["en"]
    hebi = _rules(client, "hebi")["hebi-2017-patent-insurance-first-patent"]
    # no English on Chinese pages
    assert "100%" in hebi["reading"]["zh"] and "rate 1.0" not in hebi["note_zh"]


def test_an_indicators_reading_is_in_the_kpi_json(client):
    rows = _kpis(client, "tianjin-bonded", year=2021)
    for code in ("tianjin-bonded-2023-05", "tianjin-bonded-2023-07", "tianjin-bonded-2023-10",
                 "tianjin-bonded-2023-21", "tianjin-bonded-2023-23", "tianjin-bonded-2023-24"):
        assert ONE_ZH in rows[code]["reading"]["zh"] and ONE_EN in rows[code]["reading"]["en"], code
    assert YEARLY_ZH in rows["tianjin-bonded-text-01"]["reading"]["zh"]
    assert rows["tianjin-bonded-2023-01"]["reading"] is None  # 20% / 20% / 验收: nothing to read into
    en = _kpis(client, "tianjin-bonded", lang="en")
    assert ONE_EN in en["tianjin-bonded-2023-05"]["display"]["reading"]


def test_readings_are_shown_beside_their_figures_in_both_languages(client):
    zh = client.get("/t/xian/").get_data(as_text=True)
    assert "本系统的理解：" in zh and PLEDGE_ZH in zh  # the policy table
    en = client.get("/t/xian/?lang=en").get_data(as_text=True)
    assert "Reading adopted: " in en and PLEDGE_EN in en and PLEDGE_ZH not in en
    # the document's clause number stays Chinese, marked as such
    assert 'in clause <span lang="zh">二</span>(<span lang="zh">一</span>)3.' in en
    tj = client.get("/t/tianjin-bonded/?lang=zh").get_data(as_text=True)
    assert ONE_ZH in tj and YEARLY_ZH in tj  # the KPI table
    assert ONE_EN in client.get("/t/tianjin-bonded/?lang=en").get_data(as_text=True)
    rules = client.get("/t/xian/subsidies/rules?on=2018-06-01&lang=zh").get_data(as_text=True)
    row = rules[rules.index('id="rule-xian-2017-pledge-interest-subsidy"'):]
    assert PLEDGE_ZH in row[:row.index("</article>")]
    assert PLEDGE_EN in client.get("/t/xian/subsidies/rules?on=2018-06-01&lang=en").get_data(as_text=True)


def test_a_budget_lines_reading_is_shown_on_the_liability_and_decision_pages(app, enterprise):
    from flask.testing import FlaskClient

    out = filed(enterprise("xian"), "xian", "xian-2017-pledge-risk-compensation", "2018-06-01",
                object_no=doc("DC"), base_amount_cny=300000)
    create_user(app, "reading-bureau@xian.gov.cn", "bureau", "xian")
    b = FlaskClient(app, use_cookies=True)
    assert page_login(b, "reading-bureau@xian.gov.cn").status_code == 302
    assert LINE_ZH in b.get("/t/xian/subsidies/liability").get_data(as_text=True)
    assert LINE_ZH in b.get(f"/t/xian/subsidy-applications/{out['id']}").get_data(as_text=True)
    assert LINE_EN in b.get("/t/xian/subsidies/liability?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("path, anchor, line", [
    ("xian/policy-2017.toml", 'code = "xian-2017-pledge-interest-subsidy"', 'reading_en = "'),
    ("tianjin-bonded/kpis.toml", 'code = "tianjin-bonded-2023-05"', 'reading_en = "'),
    ("xian/subsidies.toml", 'code = "xian-2017-fund-platform-financing"', 'reading_en = "'),
    ("xian/policy-2017.toml", 'code = "xian-2017-pledge-interest-subsidy"', 'reading_zh = "'),
])
def test_a_reading_in_one_language_only_stops_start_up(tmp_path, load_tenants, path, anchor, line):
    from ipservice.tenants.loader import TenantConfigError

    root = _copy_tenants(tmp_path)
    file = root / path
    text = file.read_text(encoding="utf-8")
    head, tail = text.split(anchor, 1)
    start = tail.index(line)
    end = tail.index("\n", start)
    file.write_text(head + anchor + tail[:start] + tail[end + 1:], encoding="utf-8")
    missing = "reading_zh" if line.startswith("reading_zh") else "reading_en"
    with pytest.raises(TenantConfigError,
                       match=rf"{re.escape(path.split('/')[1])}: .*{missing}: a reading is given"):
        load_tenants(root)


# --- what no document supports is gone ---------------------------------------------------------------------

def test_the_patent_pool_reward_asks_for_no_audited_statement(client):
    offered = {r["code"]: r for r in client.get("/t/xian/api/v1/subsidy-rules?on=2018-06-01").get_json()}
    evidence = offered["xian-2017-patent-pool-reward"]["evidence"]
    assert "income_statement" not in [e["code"] for e in evidence]
    # 二(四)5 asks for none
    assert not any("审计" in e["label_zh"] or "udit" in e["label_en"] for e in evidence)
    assert evidence == [{"code": "income_proof", "label_zh": "年度许可、诉讼、拍卖等收益凭证",
                         "label_en": "Proof of the year's income from licensing, litigation, auctions etc.",
                         "required": True}]
