"""Issue 18, identifiers: one subsidy per object however the object is spelled. Document numbers, PCT
numbers and USCCs have one canonical form each (``ipservice/core/identifiers.py``); the claims' unique
constraint holds it, racing spellings from many organizations included; the per-borrower cap keys on the
canonical borrower USCC; the import goes through the same canonical form; and a refusal names no other
organization's application (issue 20)."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import create_user
from tests.racing import bearer, race
from tests.subsidy.subsidy_helpers import apply, doc, migration, pct, uscc

GOLD = "hebi-2017-china-patent-gold-award"
EXCELLENCE = "hebi-2017-china-patent-excellence-award"
GUARANTEE = "xian-2017-pledge-guarantee-subsidy"


def spellings(number: str) -> list[str]:
    """Ways people (and the attack) wrote one document number "HN-AWARD-7"."""
    body = number.split("-")
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    return [number, " ".join(body), "_".join(body), ".".join(body), "".join(body).lower(), "/".join(body),
            wide, f"  {' - '.join(body)}  ", "—".join(body), "·".join(body)]
    # (invisible characters and tabs are refused as text before they are a claim: see
    # tests/proof/test_characters.py)


def _gold(api, number: str):
    return apply(api, "hebi", GOLD, "2019-06-01", object_no=number, award_patent="ZL201810000001.X")


# --- the canonical forms, one by one ---------------------------------------------------------------------

def test_document_number_canonical_form(app):
    from ipservice.core import identifiers

    with app.test_request_context():
        assert {identifiers.document_number(s) for s in spellings("HN-AWARD-7")} == {"HNAWARD7"}
        assert identifiers.document_number("市政办发〔2017〕101号") \
            == identifiers.document_number("市政办发[2017]101号") \
            == identifiers.document_number("市政办发（2017）101 号") == "市政办发2017101号"
        assert identifiers.document_number("（2019）陕01民初123号") == "2019陕01民初123号"
        assert identifiers.document_number("HN-AWARD-7") != identifiers.document_number("HN-AWARD-17")
        assert identifiers.display_document_number("  hn  award 7 ") == "HN AWARD 7"
        assert identifiers.patent_number("ZL 2020 1056 6088.9") \
            == identifiers.patent_number("202010566088.9") == "2020105660889"
        with pytest.raises(ValidationError):
            identifiers.document_number(" -_./ ")


def test_pct_and_uscc_canonical_forms(app):
    from ipservice.core import identifiers

    code = uscc()
    with app.test_request_context():
        for spelled in ("PCT/CN2019/123456", "pct/cn2019/123456", "PCT CN 2019 123456", "PCT-CN2019-123456",
                        "ＰＣＴ／ＣＮ２０１９／１２３４５６"):
            assert identifiers.pct_number(spelled) == "PCT/CN2019/123456"
        for bad in ("PCT/CN2019/12345", "PCT/CN1970/123456", "CN2019/123456", "PCT/CN2999/123456"):
            with pytest.raises(ValidationError):
                identifiers.pct_number(bad)
        for spelled in (code, code.lower(), f"{code[:6]} {code[6:12]} {code[12:]}", "-".join(code),
                        "".join(chr(ord(c) + 0xFEE0) for c in code)):
            assert identifiers.uscc(spelled) == code
        # GB 32100 allows authorities python-stdnum refuses (tests/test_uscc.py): the project's own check
        assert identifiers.uscc("n2330100ma2gxw1k55") == "N2330100MA2GXW1K55"
        for bad in ("NOT-A-USCC-1", code[:-1] + ("0" if code[-1] != "0" else "1"), code + "1"):
            with pytest.raises(ValidationError):
                identifiers.uscc(bad)


# --- through the API ------------------------------------------------------------------------------------

def test_every_spelling_of_one_award_certificate_is_one_claim(enterprise):
    """The attack: HN-AWARD-7, HN AWARD 7 and HN_AWARD_7 were three accepted 500 000 元 gold awards."""
    first, *others = [enterprise("hebi") for _ in range(4)]
    number = doc("HN-AWARD")
    won = _gold(first, number)
    assert won.status_code == 201, won.get_json()
    assert won.get_json()["objects"] == [number]  # shown as entered
    for n, spelled in enumerate(spellings(number)):
        for api, rule in ((others[n % 3], GOLD), (first, EXCELLENCE)):  # the two awards share the claim
            r = apply(api, "hebi", rule, "2019-06-01", object_no=spelled, award_patent="ZL201810000001.X")
            assert r.status_code == 409, (spelled, r.get_json())
    # a number that differs in its letters or digits is another certificate
    assert _gold(others[0], number + "1").status_code == 201


def test_a_document_number_without_letters_or_digits_is_refused(enterprise):
    e = enterprise("hebi")
    r = _gold(e, "--- / ---")
    assert r.status_code == 422 and "object_no" in r.get_json()["errors"]["json"]
    assert "字母或数字" in r.get_json()["errors"]["json"]["object_no"][0]
    e.lang = "en"
    assert "letters or digits" in _gold(e, "--- / ---").get_json()["errors"]["json"]["object_no"][0]


def test_the_refusal_names_no_other_organizations_application(enterprise):
    """Issue 20 item 12: another organization's application number and status are not the applicant's
    business; the message says only that the object is claimed under the rule (zh and en)."""
    holder, other = enterprise("hebi"), enterprise("hebi")
    number = doc("HN")
    taken = _gold(holder, number).get_json()
    r = _gold(other, number.lower())
    assert r.status_code == 409
    message = r.get_json()["message"]
    assert "只能资助一次" in message and taken["number"] not in message and "已提交" not in message
    other.lang = "en"
    message = _gold(other, number).get_json()["message"]
    assert taken["number"] not in message and "once" in message and "submitted" not in message
    # its own organization is told which of its applications holds the object
    assert taken["number"] in _gold(holder, number).get_json()["message"]


def test_pct_numbers_in_other_spellings_are_one_claim(enterprise):
    e1, e2 = enterprise("hebi"), enterprise("hebi")
    number = pct()
    assert apply(e1, "hebi", "hebi-2017-pct-subsidy", "2019-06-01", pct_numbers=[number]).status_code == 201
    for spelled in (number.replace("/", "-"), number.replace("/", " ").lower()):
        r = apply(e2, "hebi", "hebi-2017-pct-subsidy", "2019-06-01", pct_numbers=[spelled])
        assert r.status_code == 409, (spelled, r.get_json())


# --- the per-borrower cap -------------------------------------------------------------------------------

def _guarantee(api, borrower, base=6000000):
    return apply(api, "xian", GUARANTEE, "2018-06-01", object_no=doc("DB"), base_amount_cny=base,
                 borrower_name="某贷款企业", borrower_uscc=borrower)


def test_borrower_uscc_is_checked_with_a_field_message(enterprise):
    """The attack: three wrong check characters and NOT-A-USCC-1 took four 200 000 元 caps."""
    e = enterprise("xian")
    good = uscc()
    wrong = [good[:-1] + c for c in "0123456789ABC" if c != good[-1]][:3] + ["NOT-A-USCC-1"]
    for bad in wrong:
        r = _guarantee(e, bad)
        assert r.status_code == 422, (bad, r.get_json())
        assert list(r.get_json()["errors"]["json"]) == ["borrower_uscc"]
        assert "统一社会信用代码" in r.get_json()["errors"]["json"]["borrower_uscc"][0]
    e.lang = "en"
    r = _guarantee(e, "NOT-A-USCC-1")
    assert r.status_code == 422 and "18 characters" in r.get_json()["errors"]["json"]["borrower_uscc"][0]


def test_spellings_of_one_borrower_share_its_cap(enterprise):
    """"单户贷款企业最高不超过20万元": 2% of 600万 = 12万 each; however the borrower's code is written, the
    guarantors' estimates add up to 20万 (and the stored code is the canonical one)."""
    borrower = uscc()
    spelled = [borrower, borrower.lower(), f"{borrower[:8]} {borrower[8:]}",
               "-".join(borrower[i:i + 6] for i in (0, 6, 12)),
               "".join(chr(ord(c) + 0xFEE0) for c in borrower)]
    estimates = []
    for s in spelled:
        r = _guarantee(enterprise("xian"), s)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["borrower_uscc"] == borrower
        estimates.append(r.get_json()["estimate"]["amount_cny"])
    assert estimates == [120000, 80000, 0, 0, 0]


# --- racing spellings -----------------------------------------------------------------------------------

def test_racing_spellings_from_many_organizations_make_one_claim(app, enterprise, live_server):
    """13 organizations, every spelling of one gold-award certificate, 36 submissions at once: one 201."""
    applicants = [enterprise("hebi") for _ in range(13)]
    number = doc("HN-AWARD")
    path = "/t/hebi/api/v1/subsidy-applications"
    jobs = [("POST", path, bearer(applicants[i % 13].token),
             {"rule": GOLD if i % 2 else EXCELLENCE, "basis_date": "2019-06-01", "org_type": "enterprise",
              "object_no": spelled, "award_patent": "ZL201810000001.X"})
            for i, spelled in enumerate(spellings(number) * 3)]
    results = race(live_server, jobs)
    codes = sorted(code for code, _b in results)
    assert codes == [201] + [409] * (len(jobs) - 1), results

    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.subsidy.models import SubsidyApplication, SubsidyClaim

    with app.app_context(), tenant_context("hebi"):
        assert db.session.scalar(select(func.count()).select_from(SubsidyApplication)) == 1
        keys = db.session.scalars(select(SubsidyClaim.object_key)).all()
        db.session.remove()
    assert keys == ["document:" + number.replace("-", "")]


# --- the import -----------------------------------------------------------------------------------------

def test_an_import_with_two_spellings_of_one_object_keeps_one(app, tmp_path):
    create_user(app, "importer@hebi.gov.cn", "bureau", "hebi")
    number = doc("HN-AWARD")
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "政策", "单位类型", "依据日期", "证书编号", "获奖专利号"])
    ws.append(["鹤壁甲科技有限公司", uscc(), GOLD, "企业", "2019-06-01", number, "ZL201810000001.X"])
    ws.append(["鹤壁乙科技有限公司", uscc(), EXCELLENCE, "企业", "2019-06-01",
               number.replace("-", " ").lower(), "ZL201810000001.X"])
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    result = app.test_cli_runner().invoke(args=["import", "subsidies", "--tenant", "hebi", "--as",
                                                "importer@hebi.gov.cn", str(path)])
    assert "第 2 行：导入成功" in result.output and "第 3 行：跳过" in result.output, result.output

    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.subsidy.models import SubsidyApplication

    with app.app_context(), tenant_context("hebi"):
        objects = db.session.scalars(select(SubsidyApplication.objects)).all()
        db.session.remove()
    assert objects == [[number]]


# --- existing data ----------------------------------------------------------------------------------------

def test_migration_makes_existing_claims_and_cap_keys_canonical(app, enterprise):
    """Migration 0013 on data claimed before: spellings of one certificate (accepted then) — the earliest
    keeps the claim, canonical; the later one keeps its old key (the bureau decides it) — and a borrower's
    cap key written with separators."""
    from sqlalchemy import text

    from ipservice.extensions import db

    first, later = enterprise("hebi"), enterprise("hebi")
    a = _gold(first, doc("OLD")).get_json()
    b = _gold(later, doc("OLD")).get_json()
    borrower = uscc()
    g = _guarantee(enterprise("xian"), borrower).get_json()
    with app.app_context(), db.engine.begin() as conn:  # the keys as the earlier code wrote them
        for app_id, key in ((a["id"], "document:HN-AWARD-7"), (b["id"], "document:HN AWARD 7")):
            conn.execute(text("UPDATE subsidy_claims SET object_key = :k WHERE application_id = :a"),
                         {"k": key, "a": app_id})
        conn.execute(text("UPDATE subsidy_applications SET cap_key = :k WHERE id = :a"),
                     {"k": f"f:{borrower[:9]}-{borrower[9:].lower()}", "a": g["id"]})

    step = migration("0013_subsidy_money")
    with app.app_context(), db.engine.begin() as conn:
        step._across_tenants(conn)
        step._canonical_claims(conn)
        step._canonical_cap_keys(conn)
        keys = dict(conn.execute(text("SELECT application_id, object_key FROM subsidy_claims WHERE "
                                      "application_id IN (:a, :b)"), {"a": a["id"], "b": b["id"]}).all())
        cap = conn.scalar(text("SELECT cap_key FROM subsidy_applications WHERE id = :a"), {"a": g["id"]})
    assert keys == {a["id"]: "document:HNAWARD7", b["id"]: "document:HN AWARD 7"}
    assert cap == f"f:{borrower}"
    # the canonical claim now refuses every spelling
    assert _gold(enterprise("hebi"), "hn_award_7").status_code == 409
