"""Intake: the tenant's types and centers, the 预审-needs-备案 rule, numbering, idempotency, bad input."""
import datetime as dt

import pytest
from sqlalchemy import select

from ipservice.core.types import CHINA
from tests.cases.conftest import bring_to, case_body, file_case, move, with_cases
from tests.conftest import make_uscc


def test_intake_returns_number_status_and_due_dates(enterprise):
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(counterparty_uscc=make_uscc()))
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    year = dt.datetime.now(CHINA).year
    assert case["number"] == f"XA-{year}-000001"
    assert case["status"] == "submitted" and case["id"]
    assert case["center"] == "xian-ppc"  # the only center: may be left out
    assert case["accept_due_on"] and case["close_due_on"] is None and case["overdue"] is False
    assert case["due"]["accept"] == {**case["due"]["accept"], "days": 5, "calendar": "working"}
    assert case["history"] == [{"from": None, "to": "submitted", "to_label": "已提交",
                                "by": applicant.info["email"], "by_role": "enterprise",
                                "at": case["history"][0]["at"], "note": None}]
    assert case["history"][0]["at"].endswith("+08:00")
    assert case["enterprise"]["id"] == applicant.info["id"]
    second = file_case(applicant)
    assert second["number"] == f"XA-{year}-000002"


def test_numbers_are_per_tenant(enterprise):
    year = dt.datetime.now(CHINA).year
    assert file_case(enterprise("xian"))["number"] == f"XA-{year}-000001"
    assert file_case(enterprise("hebi"), "hebi")["number"] == f"HB-{year}-000001"
    assert file_case(enterprise("tianjin-bonded"), "tianjin-bonded")["number"] == f"TJBZ-{year}-000001"
    assert file_case(enterprise("xian"))["number"] == f"XA-{year}-000002"


def test_sequence_restarts_each_year_in_china_time(app, enterprise, monkeypatch):
    from ipservice.cases import services

    applicant = enterprise("xian")
    # 2025-12-31 23:30 in China is still 2025; 00:10 on 1 January is 2026 (both are 31 December in UTC).
    for moment, number in [(dt.datetime(2025, 12, 31, 15, 30, tzinfo=dt.UTC), "XA-2025-000001"),
                           (dt.datetime(2025, 12, 31, 15, 40, tzinfo=dt.UTC), "XA-2025-000002"),
                           (dt.datetime(2025, 12, 31, 16, 10, tzinfo=dt.UTC), "XA-2026-000001"),
                           (dt.datetime(2025, 12, 31, 16, 20, tzinfo=dt.UTC), "XA-2026-000002")]:
        monkeypatch.setattr(services, "now", lambda moment=moment: moment)
        assert file_case(applicant)["number"] == number


def test_number_format_comes_from_the_tenant(app):
    from ipservice.cases.services import format_number
    from ipservice.tenants import registry

    xian = registry.of(app).get("xian")
    assert format_number(xian, 2026, 1) == "XA-2026-000001"
    assert format_number(xian, 2026, 123456) == "XA-2026-123456"
    custom = with_cases(xian, number_format="{prefix}{year}第{seq:04d}号")
    assert format_number(custom, 2027, 12) == "XA2027第0012号"


def test_a_rolled_back_intake_does_not_consume_a_number(app, enterprise):
    """The counter is incremented in the intake's transaction: a rollback gives the number back."""
    from ipservice.core import numbering
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("xian"):
        assert numbering.next_value("case", 2030) == 1
        assert numbering.next_value("case", 2030) == 2
        db.session.rollback()
        assert numbering.next_value("case", 2030) == 1
        db.session.commit()
        assert numbering.next_value("case", 2030) == 2
        db.session.rollback()
        assert numbering.current_value("case", 2030) == 1
    with app.app_context(), tenant_context("hebi"):
        assert numbering.next_value("case", 2030) == 1  # another tenant's counter
        db.session.rollback()


def test_failed_intake_leaves_no_gap(enterprise):
    applicant = enterprise("xian")
    year = dt.datetime.now(CHINA).year
    assert file_case(applicant)["number"] == f"XA-{year}-000001"
    file_case(applicant, expect=422, right_number="202010566088.1")
    file_case(applicant, expect=422, case_type="pre_exam")  # refused after the form validated
    assert file_case(applicant)["number"] == f"XA-{year}-000002"


# --- case types and centers per tenant ---------------------------------------------------------------

@pytest.mark.parametrize("tenant", ["xian", "hebi", "guangzhou", "tianjin-bonded"])
def test_each_tenant_takes_only_the_types_its_centers_offer(app, enterprise, bureau, tenant):
    from ipservice.tenants import registry
    from ipservice.cases.models import CASE_TYPES

    offered = list(registry.of(app).get(tenant).part("case").case_types)
    refused = [t for t in CASE_TYPES if t not in offered]
    assert offered and refused, "every district offers some types and not others"
    applicant = enterprise(tenant)
    if "pre_exam" in offered:  # needs its accepted 备案 first
        filing = file_case(applicant, tenant, case_type="pre_exam_filing")
        move(bureau(tenant), tenant, filing["id"], "accepted")
    for case_type in offered:
        assert file_case(applicant, tenant, case_type=case_type)["case_type"] == case_type
    for case_type in refused:
        body = file_case(applicant, tenant, expect=422, case_type=case_type)
        assert "本地区不受理该类型的案件" in body["errors"]["json"]["case_type"][0]


def test_refusal_names_the_offered_types_with_their_labels(enterprise):
    applicant = enterprise("hebi")
    body = file_case(applicant, "hebi", expect=422, case_type="determination")
    message = body["errors"]["json"]["case_type"][0]
    for offered in ("assistance", "complaint", "mediation"):  # Hebi's 维权援助分中心 (document 三-3)
        assert f"（{offered}）" in message
    assert "维权援助（assistance）" in message and "纠纷调解（mediation）" in message
    assert "侵权举报投诉（complaint）" in message and "判定" not in message
    r = applicant.post("/t/hebi/api/v1/cases", json=case_body("hebi", case_type="determination"),
                       headers={"Accept-Language": "en"})
    message = r.get_json()["errors"]["json"]["case_type"][0]
    assert "Rights-protection assistance (assistance)" in message or "Rights-protection assistance" in message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_xian_offers_determination_but_hebi_does_not(enterprise):
    file_case(enterprise("xian"), "xian", case_type="determination")
    file_case(enterprise("hebi"), "hebi", expect=422, case_type="determination")


def test_unknown_case_type_is_422(enterprise):
    body = file_case(enterprise("xian"), expect=422, case_type="lawsuit")
    assert "case_type" in body["errors"]["json"]


def test_tianjin_bonded_needs_one_of_its_two_centers(enterprise):
    applicant = enterprise("tianjin-bonded")
    assert file_case(applicant, "tianjin-bonded", center="tj-ppc")["center"] == "tj-ppc"
    case = file_case(applicant, "tianjin-bonded", center="binhai-ppc")
    assert case["center"] == "binhai-ppc" and case["center_name"] == "滨海新区知识产权保护中心"
    body = file_case(applicant, "tianjin-bonded", expect=422, center=None)
    assert "center" in body["errors"]["json"]
    body = file_case(applicant, "tianjin-bonded", expect=422, center="xian-ppc")
    message = body["errors"]["json"]["center"][0]
    assert "天津市知识产权保护中心（tj-ppc）" in message
    assert "滨海新区知识产权保护中心（binhai-ppc）" in message


def test_single_center_tenant_accepts_its_center_and_refuses_others(enterprise):
    applicant = enterprise("hebi")
    assert file_case(applicant, "hebi", center="hebi-arc")["center"] == "hebi-arc"
    file_case(applicant, "hebi", expect=422, center="tj-ppc")


def test_a_center_that_does_not_offer_the_type_is_refused(app):
    """Two centers with different types (no configured tenant has that yet): the form says which can."""
    import dataclasses

    from marshmallow import ValidationError

    from ipservice.cases.config import Center
    from ipservice.cases.schemas import build_case_form
    from ipservice.tenants import registry

    tj = registry.of(app).get("tianjin-bonded")
    centers = tj.part("case").centers
    mediation_center = Center(code="tj-med", name_zh="调解中心", name_en="Mediation center",
                              case_types=("mediation",), source=centers[0].source)
    tenant = dataclasses.replace(with_cases(tj, centers=(centers[0], mediation_center)), slug="test-two")
    form = build_case_form(tenant)
    with app.test_request_context():
        loaded = form().load(case_body("tianjin-bonded", case_type="mediation", center="tj-med"))
        assert loaded["center"] == "tj-med"
        with pytest.raises(ValidationError) as exc:
            form().load(case_body("tianjin-bonded", case_type="mediation", center="tj-ppc"))
        message = exc.value.messages["center"][0]
        assert "天津市知识产权保护中心不受理纠纷调解案件" in message and "调解中心（tj-med）" in message


def test_ip_type_choices_are_the_tenants(enterprise):
    tianjin = enterprise("tianjin-bonded")
    body = file_case(tianjin, "tianjin-bonded", expect=422, ip_type="plant_variety", right_number="CNA2019")
    assert "ip_type" in body["errors"]["json"]
    file_case(enterprise("xian"), ip_type="plant_variety", right_number="CNA20191234.5")
    body = file_case(enterprise("guangzhou"), "guangzhou", expect=422, ip_type="geo_indication",
                     right_number="x")
    assert "ip_type" in body["errors"]["json"]


def test_pre_exam_types_are_for_patents_only(enterprise):
    body = file_case(enterprise("xian"), expect=422, case_type="pre_exam_filing", ip_type="trademark",
                     right_number="12345678")
    assert "ip_type" in body["errors"]["json"]


# --- 预审 needs an accepted 备案 ------------------------------------------------------------------------

def test_pre_exam_needs_an_accepted_pre_exam_filing(enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    body = file_case(applicant, expect=422, case_type="pre_exam")
    assert "专利预审备案" in body["message"] and "受理" in body["message"]
    assert body["errors"]["json"]["case_type"]
    filing = file_case(applicant, case_type="pre_exam_filing")
    file_case(applicant, expect=422, case_type="pre_exam")  # submitted is not accepted
    move(officer, "xian", filing["id"], "accepted")
    assert file_case(applicant, case_type="pre_exam")["case_type"] == "pre_exam"
    # another enterprise cannot ride on it
    file_case(enterprise("xian"), expect=422, case_type="pre_exam")


def test_pre_exam_filing_that_was_declined_or_withdrawn_does_not_count(enterprise, bureau):
    officer = bureau("xian")
    declined = enterprise("xian")
    bring_to("declined", declined, officer, case_type="pre_exam_filing")
    file_case(declined, expect=422, case_type="pre_exam")
    withdrawn = enterprise("xian")
    bring_to("withdrawn", withdrawn, officer, case_type="pre_exam_filing")
    file_case(withdrawn, expect=422, case_type="pre_exam")
    later = enterprise("xian")
    filing = bring_to("accepted", later, officer, case_type="pre_exam_filing")
    move(later, "xian", filing["id"], "withdrawn")
    file_case(later, expect=422, case_type="pre_exam")
    closed = enterprise("xian")
    bring_to("closed", closed, officer, case_type="pre_exam_filing")
    file_case(closed, case_type="pre_exam")


def test_pre_exam_refusal_in_english(enterprise):
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(case_type="pre_exam"),
                       headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "pre-examination" in r.get_json()["message"].lower()


# --- fields ---------------------------------------------------------------------------------------------

def test_counterparty_name_is_required_and_uscc_verified_when_given(enterprise):
    applicant = enterprise("xian")
    body = file_case(applicant, expect=422, counterparty_name=None)
    assert body["errors"]["json"]["counterparty_name"] == ["缺少必填字段。"]
    file_case(applicant, expect=422, counterparty_name="   ")
    code = make_uscc()
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    body = file_case(applicant, expect=422, counterparty_uscc=bad)
    assert "统一社会信用代码" in body["errors"]["json"]["counterparty_uscc"][0]
    assert file_case(applicant, counterparty_uscc=code)["counterparty_uscc"] == code
    assert file_case(applicant, counterparty_uscc="")["counterparty_uscc"] is None


@pytest.mark.parametrize("over", [
    {"summary": None}, {"request": None}, {"ip_type": None}, {"right_number": None}, {"case_type": None},
    {"summary": "x" * 5001}, {"request": "x" * 2001}, {"counterparty_name": "x" * 201},
    {"right_number": ["202010566088.9"]}, {"case_type": 7}, {"ip_type": "software"}, {"unknown_field": 1},
    {"summary": "控制\x00字符"}, {"counterparty_name": "两\n行"}, {"center": 12},
])
def test_bad_input_is_422_and_files_nothing(app, enterprise, over):
    from ipservice.cases.models import Case
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", json=case_body(**over) if "unknown_field" not in over
                       else {**case_body(), **over})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["code"] == 422 and r.get_json()["errors"]["json"]
    with app.app_context(), cross_tenant("test"):
        assert db.session.scalar(select(Case.id)) is None


@pytest.mark.parametrize("raw,code", [("{not json", 400), ("[1, 2]", 422), ('"text"', 422), ("null", 422)])
def test_malformed_bodies(enterprise, raw, code):
    applicant = enterprise("xian")
    r = applicant.post("/t/xian/api/v1/cases", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == code, r.get_json()


def test_only_enterprises_file_cases(client, bureau, cross_admin):
    assert bureau("xian").post("/t/xian/api/v1/cases", json=case_body()).status_code == 403
    assert client.post("/t/xian/api/v1/cases", json=case_body()).status_code == 401
    assert cross_admin.post("/t/xian/api/v1/cases", json=case_body()).status_code == 403


def test_idempotent_intake(app, enterprise):
    applicant = enterprise("xian")
    headers = {"Idempotency-Key": "case-1"}
    first = applicant.post("/t/xian/api/v1/cases", json=case_body(), headers=headers)
    again = applicant.post("/t/xian/api/v1/cases", json=case_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["number"] == again.get_json()["number"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = applicant.post("/t/xian/api/v1/cases", json=case_body(summary="另一个案件"), headers=headers)
    assert other.status_code == 422
    year = dt.datetime.now(CHINA).year
    assert file_case(applicant)["number"] == f"XA-{year}-000002"


def test_tenant_extra_fields_are_kept(app, enterprise, monkeypatch):
    """A tenant's own case field (forms.toml [[case.fields]]) arrives at the top level and is kept."""
    import dataclasses

    from ipservice import forms
    from ipservice.tenants import registry
    from ipservice.tenants.config import ExtraField

    xian = registry.of(app).get("xian")
    field = ExtraField(name="industry", type="string", required=True, label_zh="所属行业",
                       label_en="Industry", choices=(), max_length=50, source=None)
    custom = dataclasses.replace(xian, forms=dataclasses.replace(xian.forms.with_fields("case", (field,)),
                                                                 version=99))
    monkeypatch.setitem(registry.of(app), "xian", custom)
    applicant = enterprise("xian")
    body = file_case(applicant, expect=422)
    assert body["errors"]["json"]["industry"] == ["缺少必填字段。"]
    case = file_case(applicant, industry="皮革皮具")
    assert case["extra"] == {"industry": "皮革皮具"}
    with app.app_context():
        assert forms.schema_for(custom, "case")().fields["industry"].metadata["label_zh"] == "所属行业"
