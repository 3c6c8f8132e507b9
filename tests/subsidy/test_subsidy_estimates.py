"""Every funded rule of Hebi (hebi-2017, 001) and Xi'an (xian-2017, 000): an application is filed through the
API and its estimate checked against the amount worked out here by hand from the document's own numbers."""
from __future__ import annotations

import pytest

from tests.subsidy.subsidy_helpers import doc, filed, patent, pct, uscc

HEBI_BASIS, XIAN_BASIS = "2019-06-01", "2018-06-01"

# (rule, extra body, expected estimate worked out from the document's words, what the clause says)
HEBI = [
    ("hebi-2017-invention-patent-grant", lambda: {"patent_numbers": [patent(), patent(), patent(kind="8")]},
     4000 * 3, "对获得国内发明专利授权的给予每件4000元专利申请资助"),
    ("hebi-2017-first-invention-patent", lambda: {"patent_numbers": [patent()]},
     10000, "对获得首件发明专利授权的专利权人给予1万元经费奖补"),
    ("hebi-2017-annual-fee-support", lambda: {"patent_numbers": [patent(2010)], "grant_date": "2012-03-01",
                                              "base_amount_cny": 8600},
     8600, "根据其实际缴纳年费情况给予一次性不超过1万元年费支持"),
    ("hebi-2017-pct-subsidy", lambda: {"pct_numbers": [pct(), pct()]},
     30000 * 2, "对PCT国际专利每件给予3万元补贴"),
    ("hebi-2017-china-patent-gold-award",
     lambda: {"object_no": doc("JJ"), "award_patent": "ZL201510000001.2"},
     500000, "对获得中国专利金奖…给予50万元"),
    ("hebi-2017-china-patent-excellence-award", lambda: {"object_no": doc("YX"), "award_patent": "ZL2015"},
     50000, "中国专利优秀奖…5万元"),
    ("hebi-2017-henan-patent-award-special", lambda: {"object_no": doc("HN")}, 100000, "特等奖…10万元"),
    ("hebi-2017-henan-patent-award-first", lambda: {"object_no": doc("HN")}, 50000, "一等奖…5万元"),
    ("hebi-2017-henan-patent-award-second", lambda: {"object_no": doc("HN")}, 20000, "二等奖…2万元"),
    ("hebi-2017-henan-patent-award-third", lambda: {"object_no": doc("HN")}, 10000, "三等奖…1万元"),
    ("hebi-2017-pledge-financing-subsidy", lambda: {"object_no": doc("DK"), "base_amount_cny": 260000,
                                                    "lender": "鹤壁某银行", "loan_amount_cny": 5000000},
     260000 * 50 // 100, "不超过实际发生额50%"),
    ("hebi-2017-patent-insurance-first-patent", lambda: {"patent_numbers": [patent(kind="2")],
                                                         "policy_no": "BD-1",
                                                        "base_amount_cny": 3500},
     3500, "首件专利给予全额补贴"),
    ("hebi-2017-high-volume-filer-reward", lambda: {"patents_granted": 120}, None, "文件未规定金额"),
]

XIAN = [
    ("xian-2017-university-reform-support", lambda: {"object_no": doc("SD"), "org_type": "university"},
     1000 * 10000, "单所高校资助总额不超过1000万元"),
    ("xian-2017-high-value-patent-center-grant", lambda: {"object_no": doc("RD")}, 50 * 10000,
     "给予最高50万元资助"),
    ("xian-2017-foreign-agency-grant", lambda: {"parent_agency": "Some IP Ltd."}, 500 * 10000,
     "给予最高500万元资助"),
    ("xian-2017-agency-performance-reward", lambda: {"object_no": doc("PY")}, None, "未定金额"),
    ("xian-2017-equity-contribution-reward", lambda: {"object_no": doc("RG"), "base_amount_cny": 2000000},
     2000000 * 5 // 100, "按作价入股金额的5%奖励购买方"),
    ("xian-2017-ip-trust-subsidy",
     lambda: {"object_no": doc("XT"), "base_amount_cny": 5000000, "beneficiary": "某企业"},
     5000000 * 2 // 100, "给予融资额2%的补贴"),
    ("xian-2017-patent-insurance-support", lambda: {"object_no": doc("BX")}, None, "一定的补助和奖励"),
    ("xian-2017-pledge-guarantee-subsidy", lambda: {"object_no": doc("DB"), "base_amount_cny": 6000000,
                                                    "borrower_name": "某贷款企业", "borrower_uscc": uscc()},
     6000000 * 2 // 100, "按年均担保余额2%"),
    ("xian-2017-pledge-risk-compensation", lambda: {"object_no": doc("DC"), "base_amount_cny": 3000000},
     3000000 * 50 // 100, "按代偿金额的50%"),
    ("xian-2017-pledge-interest-subsidy", lambda: {"object_no": doc("DK"), "base_amount_cny": 150000},
     150000, "给予最高20万元贴息补助"),
    ("xian-2017-patent-pool-reward", lambda: {"base_amount_cny": 5000000}, 5000000 * 1 // 100,
     "按年收益额的1%给予奖励"),
    ("xian-2017-public-interest-litigation-grant", lambda: {"object_no": doc("PJ")}, 10 * 10000,
     "按单个判例给予最高10万元资助"),
    ("xian-2017-operation-model-reward", lambda: {"object_no": doc("MS")}, 20 * 10000,
     "一次性给予…20万元奖励"),
    ("xian-2017-zone-partner-grant", lambda: {"development_zone": "高新区"}, 100 * 10000,
     "每年给予最高100万元资助"),
]


@pytest.mark.parametrize("rule, body, expected, words", HEBI, ids=[r[0] for r in HEBI])
def test_hebi_rule_estimate(enterprise, rule, body, expected, words):
    out = filed(enterprise("hebi"), "hebi", rule, HEBI_BASIS, **body())
    _check(out, rule, expected, "hebi-2017")


@pytest.mark.parametrize("rule, body, expected, words", XIAN, ids=[r[0] for r in XIAN])
def test_xian_rule_estimate(enterprise, rule, body, expected, words):
    out = filed(enterprise("xian"), "xian", rule, XIAN_BASIS, **body())
    _check(out, rule, expected, "xian-2017")


def _check(out, rule, expected, document_code):
    assert out["status"] == "submitted" and out["rule"] == rule and out["number"]
    est = out["estimate"]
    assert est["amount_cny"] == expected
    assert est["citation"]["quote"] and est["citation"]["quote"] in est["explanation"]
    assert est["citation"]["clause"] in est["explanation"]
    if expected is None:
        # no English in Chinese
        assert "政策未规定金额" in est["explanation"] and "amount not set" not in est["explanation"]
    else:
        assert f"{expected:,}" in est["explanation"]


def test_every_funded_rule_of_hebi_and_xian_is_tested(app):
    """The lists above cover every rule of subsidies.toml (a rule added there needs its hand-worked case)."""
    from ipservice.tenants import registry

    for slug, cases in (("hebi", HEBI), ("xian", XIAN)):
        assert {r.rule for r in registry.of(app).get(slug).part("subsidy").rules} == {c[0] for c in cases}


def test_caps_per_application(enterprise):
    """A rate beyond its cap pays the cap: 5% of 1000万 is 50万, the cap 20万 (二(四)4)."""
    e = enterprise("xian")
    equity = filed(e, "xian", "xian-2017-equity-contribution-reward", XIAN_BASIS, object_no=doc(),
                   base_amount_cny=10000000)
    assert equity["estimate"]["amount_cny"] == 20 * 10000 < 10000000 * 5 // 100
    assert "200,000" in equity["estimate"]["explanation"] and "500,000" in equity["estimate"]["explanation"]
    trust = filed(e, "xian", "xian-2017-ip-trust-subsidy", XIAN_BASIS, object_no=doc(), beneficiary="甲",
                  base_amount_cny=20000000)
    assert trust["estimate"]["amount_cny"] == 20 * 10000  # 2% of 2000万 = 40万 → 单笔最高 20万
    risk = filed(e, "xian", "xian-2017-pledge-risk-compensation", XIAN_BASIS, object_no=doc(),
                 base_amount_cny=12000000)
    assert risk["estimate"]["amount_cny"] == 500 * 10000  # 50% of 1200万 = 600万 → 最高 500万
    fee = filed(enterprise("hebi"), "hebi", "hebi-2017-annual-fee-support", HEBI_BASIS,
                patent_numbers=[patent(2009)], grant_date="2011-01-10", base_amount_cny=14000)
    assert fee["estimate"]["amount_cny"] == 10000  # 不超过1万元


def test_explanation_in_the_readers_language(enterprise):
    e = enterprise("hebi")
    out = filed(e, "hebi", "hebi-2017-invention-patent-grant", HEBI_BASIS,
                patent_numbers=[patent(), patent()])
    zh = out["estimate"]["explanation"]
    assert zh.startswith("依据") and "4,000 元 × 2 = 8,000 元" in zh
    e.lang = "en"
    en = e.get(f"/t/hebi/api/v1/subsidy-applications/{out['id']}").get_json()["estimate"]
    assert en["amount_cny"] == 8000 and "4,000 yuan × 2 = 8,000 yuan" in en["explanation"]
    assert "依据" not in en["explanation"] and out["estimate"]["citation"]["quote"] in en["explanation"]
