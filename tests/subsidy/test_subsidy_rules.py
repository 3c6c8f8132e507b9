"""Which rule applies: dated boundaries, organization types, caps per organization (and year), what an
application must name, and one subsidy per object."""
from __future__ import annotations

import pytest

from tests.subsidy.subsidy_helpers import apply, decide, doc, filed, patent, pct, uscc

PLEDGE = "hebi-2017-pledge-financing-subsidy"


def pledge(api, basis, base, **over):
    body = {"object_no": doc("DK"), "base_amount_cny": base, "lender": "鹤壁某银行",
            "loan_amount_cny": 3000000, **over}
    return apply(api, "hebi", PLEDGE, basis, **{k: v for k, v in body.items() if v is not None})


# --- the rule in force on the basis date ------------------------------------------------------------------

@pytest.mark.parametrize("tenant, rule, body, last, after, first, before", [
    # Hebi: "到2020年" → in force 2017-09-30 (issued) … 2020-12-31
    ("hebi", "hebi-2017-henan-patent-award-third", {}, "2020-12-31", "2021-01-01", "2017-09-30",
     "2017-09-29"),
    # Xi'an: the 2017–2019 plan → 2017-11-09 (issued) … 2019-12-31
    ("xian", "xian-2017-public-interest-litigation-grant", {}, "2019-12-31", "2020-01-01", "2017-11-09",
     "2017-11-08"),
])
def test_boundaries_are_exact(enterprise, tenant, rule, body, last, after, first, before):
    e = enterprise(tenant)
    for day in (last, first):
        out = filed(e, tenant, rule, day, object_no=doc())
        assert out["estimate"]["amount_cny"] is not None and out["basis_date"] == day
    for day in (after, before):
        r = apply(e, tenant, rule, day, object_no=doc())
        assert r.status_code == 422, r.get_json()
        assert "basis_date" in r.get_json()["errors"]["json"] and day in r.get_json()["message"]
    e.lang = "en"
    r = apply(e, tenant, rule, after, object_no=doc())
    assert r.status_code == 422 and "outside that period" in r.get_json()["message"]


def test_basis_date_in_the_future_is_refused(enterprise):
    r = apply(enterprise("hebi"), "hebi", "hebi-2017-henan-patent-award-third", "2999-01-01", object_no=doc())
    assert r.status_code == 422 and "basis_date" in r.get_json()["errors"]["json"]


def test_unknown_rule_and_rules_not_open_to_application(enterprise):
    e = enterprise("hebi")
    for rule in ("no-such-rule", "hebi-2017-certification-reward", "hebi-2017-incubator-sme-priority"):
        r = apply(e, "hebi", rule, "2019-06-01")
        assert r.status_code == 422 and "rule" in r.get_json()["errors"]["json"], rule
    # another district's rule
    r = apply(e, "hebi", "xian-2017-operation-model-reward", "2018-06-01", object_no=doc())
    assert r.status_code == 422


# --- organization types -----------------------------------------------------------------------------------

def test_org_types_are_respected(enterprise):
    e = enterprise("hebi")
    r = pledge(e, "2019-03-01", 100000, org_type="university")  # "质押融资企业": enterprises only
    assert r.status_code == 422 and "org_type" in r.get_json()["errors"]["json"]
    assert "企业" in r.get_json()["message"] and "高等学校" in r.get_json()["message"]
    x = enterprise("xian")
    r = apply(x, "xian", "xian-2017-university-reform-support", "2018-05-01", object_no=doc())  # enterprise
    assert r.status_code == 422 and "org_type" in r.get_json()["errors"]["json"]
    ok = filed(x, "xian", "xian-2017-university-reform-support", "2018-05-01", object_no=doc(),
               org_type="research_institute")
    assert ok["estimate"]["amount_cny"] == 1000 * 10000
    # a rule that names no kind of organization funds all three
    for kind in ("enterprise", "university", "research_institute"):
        filed(enterprise("hebi"), "hebi", "hebi-2017-henan-patent-award-third", "2019-01-01", object_no=doc(),
              org_type=kind)


# --- caps shared by applications --------------------------------------------------------------------------

def test_yearly_cap_per_borrower_across_loans(enterprise, bureau):
    """"年贴息不超过20万元": all of an enterprise's loans under the rule in one year share 200,000."""
    e, b = enterprise("hebi"), bureau("hebi")
    first = pledge(e, "2019-02-01", 300000).get_json()
    assert first["estimate"]["amount_cny"] == 300000 * 50 // 100  # 150,000
    second = pledge(e, "2019-09-01", 200000).get_json()  # 50% = 100,000, but only 50,000 left
    assert second["estimate"]["amount_cny"] == 200000 - 150000
    assert "150,000" in second["estimate"]["explanation"] and "50,000" in second["estimate"]["explanation"]
    third = pledge(e, "2019-12-31", 100000).get_json()
    assert third["estimate"]["amount_cny"] == 0  # the year's cap is used up
    nxt = pledge(e, "2020-01-01", 100000).get_json()
    assert nxt["estimate"]["amount_cny"] == 50000  # a new year, a new cap
    other = pledge(enterprise("hebi"), "2019-05-01", 500000).get_json()
    # another borrower: its own cap (50% = 250,000 → 200,000)
    assert other["estimate"]["amount_cny"] == 200000
    # an approval below the estimate frees the rest for later applications
    assert decide(b, "hebi", first["id"], amount_cny=120000).status_code == 200
    assert decide(b, "hebi", second["id"], "reject", reason="贷款未发放").status_code == 200
    later = pledge(e, "2019-10-01", 400000).get_json()
    assert later["estimate"]["amount_cny"] == 200000 - 120000 - 0  # the third asked for 0


def test_cap_per_borrowing_enterprise_keyed_on_a_field(enterprise):
    """Xi'an's guarantee subsidy: "单户贷款企业最高不超过20万元" — per borrower, whoever the guarantor is."""
    borrower = uscc()

    def guarantee(api, base, who=borrower):
        return filed(api, "xian", "xian-2017-pledge-guarantee-subsidy", "2018-06-01", object_no=doc(),
                     base_amount_cny=base, borrower_name="某贷款企业", borrower_uscc=who)

    g1, g2 = enterprise("xian"), enterprise("xian")
    assert guarantee(g1, 6000000)["estimate"]["amount_cny"] == 120000  # 2% of 600万
    # same borrower, other guarantor
    assert guarantee(g2, 6000000)["estimate"]["amount_cny"] == 200000 - 120000
    assert guarantee(g1, 6000000, uscc())["estimate"]["amount_cny"] == 120000  # another borrower
    # not per year: the cap is per borrower over the plan
    assert guarantee(g1, 1000000)["estimate"]["amount_cny"] == 0


def test_cap_per_organization_without_year(enterprise):
    """"对贷款企业,给予最高20万元贴息补助": 200,000 per borrower in all (the text does not say per year)."""
    e = enterprise("xian")

    def interest(basis, base):
        return filed(e, "xian", "xian-2017-pledge-interest-subsidy", basis, object_no=doc(),
                     base_amount_cny=base)

    assert interest("2018-01-10", 150000)["estimate"]["amount_cny"] == 150000
    assert interest("2019-03-10", 100000)["estimate"]["amount_cny"] == 200000 - 150000


def test_patent_pool_reward_yearly_cap_and_one_per_year(enterprise):
    e = enterprise("xian")
    big = filed(e, "xian", "xian-2017-patent-pool-reward", "2018-12-31", base_amount_cny=30000000)
    assert big["estimate"]["amount_cny"] == 200000  # 1% of 3000万 = 30万 → 每年不超过20万
    again = apply(e, "xian", "xian-2017-patent-pool-reward", "2018-06-30", base_amount_cny=1000)
    assert again.status_code == 409  # one reward per pool and year
    assert filed(e, "xian", "xian-2017-patent-pool-reward", "2019-12-31",
                 base_amount_cny=1000000)["estimate"]["amount_cny"] == 10000


# --- what an application names -----------------------------------------------------------------------------

def test_patent_numbers_are_checked(enterprise):
    e = enterprise("hebi")
    good = patent()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[good, bad])
    assert r.status_code == 422
    assert "校验位" in " ".join(r.get_json()["errors"]["json"]["patent_numbers"])
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[patent(kind="2")])
    assert r.status_code == 422 and "实用新型" in str(r.get_json()["errors"])  # invention patents only
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[good, "ZL" + good])
    assert r.status_code == 422 and "重复" in str(r.get_json()["errors"])
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01")
    assert r.status_code == 422 and "patent_numbers" in r.get_json()["errors"]["json"]
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[good], quantity=2)
    assert r.status_code == 422 and "quantity" in r.get_json()["errors"]["json"]
    r = apply(e, "hebi", "hebi-2017-pct-subsidy", "2019-06-01", pct_numbers=["PCT/CN19/1"])
    assert r.status_code == 422 and "pct_numbers" in r.get_json()["errors"]["json"]
    r = apply(e, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[good],
              object_no="x")
    assert r.status_code == 422 and "object_no" in r.get_json()["errors"]["json"]  # not a field of this rule


def test_rule_fields_are_required_and_min_years(enterprise):
    e = enterprise("hebi")
    r = pledge(e, "2019-03-01", 100000, lender=None)
    assert r.status_code == 422
    r = apply(e, "hebi", "hebi-2017-pledge-financing-subsidy", "2019-03-01", object_no=doc(),
              base_amount_cny=1)
    assert set(r.get_json()["errors"]["json"]) >= {"lender", "loan_amount_cny"}
    r = apply(e, "hebi", "hebi-2017-annual-fee-support", "2019-06-01", patent_numbers=[patent(2012)],
              grant_date="2013-06-02", base_amount_cny=5000)  # 授权年限 < 6 years
    assert r.status_code == 422 and "grant_date" in r.get_json()["errors"]["json"]
    ok = filed(e, "hebi", "hebi-2017-annual-fee-support", "2019-06-01", patent_numbers=[patent(2012)],
               grant_date="2013-06-01", base_amount_cny=5000)  # exactly 6 years
    assert ok["estimate"]["amount_cny"] == 5000 and ok["grant_date"] == "2013-06-01"
    r = apply(e, "hebi", "hebi-2017-annual-fee-support", "2019-06-01",
              patent_numbers=[patent(2010), patent(2010)], grant_date="2012-01-01", base_amount_cny=5000)
    assert r.status_code == 422  # one patent per application: the cap is per patent


# --- one subsidy per object -------------------------------------------------------------------------------

def test_one_subsidy_per_patent_under_a_rule(enterprise, bureau):
    e1, e2 = enterprise("hebi"), enterprise("hebi")
    number = patent()
    first = filed(e1, "hebi", "hebi-2017-invention-patent-grant", "2019-06-01", patent_numbers=[number])
    for who, spelled in ((e1, number), (e2, "ZL " + number.replace(".", ""))):
        r = apply(who, "hebi", "hebi-2017-invention-patent-grant", "2019-07-01",
                  patent_numbers=[patent(), spelled])
        assert r.status_code == 409 and "只能资助一次" in r.get_json()["message"]
        # the holder's number and status are told to its own organization only (issue 20)
        assert (first["number"] in r.get_json()["message"]) == (who is e1)
    # the same patent under another rule is another subsidy ("首件" 1万元 beside the 4000元)
    filed(e1, "hebi", "hebi-2017-first-invention-patent", "2019-06-01", patent_numbers=[number])
    # another district may fund its own objects with the same number: claims are per tenant
    r = apply(enterprise("xian"), "xian", "xian-2017-operation-model-reward", "2018-06-01", object_no=number)
    assert r.status_code == 201
    # a rejection frees the patent
    assert decide(bureau("hebi"), "hebi", first["id"], "reject", reason="证书不清").status_code == 200
    assert apply(e2, "hebi", "hebi-2017-invention-patent-grant", "2019-07-01",
                 patent_numbers=[number]).status_code == 201


def test_award_certificate_once_across_tiers(enterprise):
    e = enterprise("hebi")
    cert = doc("HN")
    filed(e, "hebi", "hebi-2017-henan-patent-award-second", "2019-06-01", object_no=cert)
    r = apply(e, "hebi", "hebi-2017-henan-patent-award-first", "2019-06-01", object_no=cert.lower())
    assert r.status_code == 409  # one certificate, one tier


def test_first_patent_once_per_patent_holder(enterprise):
    e = enterprise("hebi")
    filed(e, "hebi", "hebi-2017-first-invention-patent", "2019-06-01", patent_numbers=[patent()])
    r = apply(e, "hebi", "hebi-2017-first-invention-patent", "2019-08-01", patent_numbers=[patent()])
    assert r.status_code == 409


def test_pct_and_loans_are_single_claims(enterprise):
    e = enterprise("hebi")
    number = pct()
    filed(e, "hebi", "hebi-2017-pct-subsidy", "2019-06-01", pct_numbers=[number])
    assert apply(e, "hebi", "hebi-2017-pct-subsidy", "2019-06-01",
                 pct_numbers=[number.lower().replace("/", " / ")]).status_code == 409
    loan = doc("DK")
    assert pledge(e, "2019-02-01", 1000, object_no=loan).status_code == 201
    assert pledge(e, "2019-02-01", 1000, object_no=f" {loan.lower()} ").status_code == 409
