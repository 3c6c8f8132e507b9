"""Issue 5: 贯标 certification records through the HTTP API — submission, subsidy estimate, validation,
idempotency, listing, decisions, audit, KPI metric and counts."""
import datetime as dt
import json

import pytest

from tests.certification.certification_helpers import (
    audit_actions, body, count_records, submit, today,
)
from tests.conftest import Api

URL = "/t/{}/api/v1/certifications"


# --- the four dated subsidy cases -------------------------------------------------------------------------

def test_xian_certificate_of_2018_gets_30000_citing_the_2017_plan(enterprise):
    e = enterprise("xian")
    r = e.post(URL.format("xian"), json=body(issued_on="2018-06-01", expires_on="2021-05-31"))
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["status"] == "submitted" and out["id"]
    assert out["standard"] == "GB/T 29490" and out["standard_edition"] == "GB/T 29490-2013"
    est = out["subsidy_estimate"]
    assert est["amount_cny"] == 30000 and est["rule_code"] == "xian-2017-certification-grant"
    assert "市政办发〔2017〕101号" in est["explanation"] and "二(一)3" in est["explanation"]
    assert est["citation"]["document"] == "市政办发〔2017〕101号"
    again = e.get(f"{URL.format('xian')}/{out['id']}").get_json()
    assert again["subsidy_estimate"] == est


def test_xian_certificate_of_2024_has_no_rule_in_force(enterprise):
    e = enterprise("xian")
    out = submit(e, "xian", issued_on="2024-03-01", expires_on="2027-02-28")
    est = out["subsidy_estimate"]
    assert est["amount_cny"] is None and est["rule_code"] is None
    assert "2024-03-01" in est["explanation"] and "没有有效的" in est["explanation"]
    assert out["standard_edition"] == "GB/T 29490-2023"  # derived from the issue date


def test_hebi_certificate_of_2019_gets_50000(enterprise):
    out = submit(enterprise("hebi"), "hebi", issued_on="2019-05-01", expires_on="2022-04-30")
    est = out["subsidy_estimate"]
    assert est["amount_cny"] == 50000 and est["rule_code"] == "hebi-2017-certification-reward"
    assert "5" in est["explanation"] and est["citation"]["clause"].startswith("二-3")


def test_tianjin_bonded_support_has_no_amount_in_both_languages(enterprise):
    e = enterprise("tianjin-bonded")
    out = submit(e, "tianjin-bonded", issued_on="2022-05-10", expires_on="2025-05-09")
    est = out["subsidy_estimate"]
    assert est["amount_cny"] is None and est["rule_code"] == "tianjin-bonded-2021-certification-support"
    assert "政策未规定金额" in est["explanation"]
    en = Api(e.client, e.token, lang="en").get(f"{URL.format('tianjin-bonded')}/{out['id']}").get_json()
    assert en["subsidy_estimate"]["amount_cny"] is None
    assert "amount not set" in en["subsidy_estimate"]["explanation"]
    # a submission made in English says so too
    r = Api(e.client, e.token, lang="en").post(URL.format("tianjin-bonded"), json=body(
        issued_on="2021-06-01", expires_on="2024-05-31", org_type="research_institute"))
    assert r.status_code == 201


def test_explanation_follows_the_readers_language(enterprise):
    e = enterprise("xian")
    out = submit(e, "xian")
    en = Api(e.client, e.token, lang="en").get(f"{URL.format('xian')}/{out['id']}").get_json()
    explanation = en["subsidy_estimate"]["explanation"]
    assert "30,000" in explanation and "市政办发〔2017〕101号" in explanation  # the document number stays
    assert "依据" not in explanation
    assert en["subsidy_estimate"] == {**out["subsidy_estimate"], "explanation": explanation}


def test_hebi_university_is_not_covered_by_the_enterprise_rule(enterprise):
    out = submit(enterprise("hebi"), "hebi", org_type="university", issued_on="2019-05-01",
                 expires_on="2022-04-30")
    assert out["standard"] == "GB/T 33251" and out["standard_edition"] == "GB/T 33251-2016"
    est = out["subsidy_estimate"]
    assert est["amount_cny"] is None and est["rule_code"] == "hebi-2017-certification-reward"
    assert "只适用于企业" in est["explanation"] and "高等学校" in est["explanation"]


def test_research_institute_gets_gb_t_33250(enterprise):
    out = submit(enterprise("guangzhou"), "guangzhou", org_type="research_institute")
    assert out["standard"] == "GB/T 33250" and out["standard_edition"] == "GB/T 33250-2016"
    # Guangzhou's plan sets only a target (no amount): no estimate, and it says so
    assert out["subsidy_estimate"]["amount_cny"] is None and out["subsidy_estimate"]["rule_code"] is None


# --- one subsidy per organization and standard --------------------------------------------------------

def test_second_certificate_of_same_organization_and_standard_gets_zero_with_reason(enterprise):
    e = enterprise("xian")
    first = submit(e, "xian")
    second = submit(e, "xian", issued_on="2019-03-01", expires_on="2022-02-28")
    est = second["subsidy_estimate"]
    assert est["amount_cny"] == 0 and est["rule_code"] == "xian-2017-certification-grant"
    assert first["certificate_no"] in est["explanation"] and "只资助一次" in est["explanation"]
    en = Api(e.client, e.token, lang="en").get(f"{URL.format('xian')}/{second['id']}").get_json()
    assert en["subsidy_estimate"]["amount_cny"] == 0
    assert first["certificate_no"] in en["subsidy_estimate"]["explanation"]
    # another organization is not affected
    assert submit(enterprise("xian"), "xian")["subsidy_estimate"]["amount_cny"] == 30000


def test_verified_first_record_also_blocks_a_second(enterprise, bureau):
    e, b = enterprise("hebi"), bureau("hebi")
    first = submit(e, "hebi", issued_on="2018-03-01", expires_on="2021-02-28")
    assert b.post(f"{URL.format('hebi')}/{first['id']}/decision",
                  json={"decision": "verify"}).status_code == 200
    second = submit(e, "hebi", issued_on="2020-03-01", expires_on="2023-02-28")
    assert second["subsidy_estimate"]["amount_cny"] == 0


def test_rejecting_the_record_that_takes_the_subsidy_frees_it_for_the_next(app, enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    first = submit(e, "xian")
    second = submit(e, "xian", issued_on="2019-01-10", expires_on="2022-01-09")
    assert second["subsidy_estimate"]["amount_cny"] == 0
    r = b.post(f"{URL.format('xian')}/{first['id']}/decision",
               json={"decision": "reject", "reason": "证书无法核实"})
    assert r.status_code == 200
    again = e.get(f"{URL.format('xian')}/{second['id']}").get_json()
    assert again["subsidy_estimate"]["amount_cny"] == 30000
    assert "certification.estimate_updated" in audit_actions(app, "xian", second["id"])


def test_a_record_that_got_no_subsidy_takes_nothing_away(enterprise):
    e = enterprise("xian")
    submit(e, "xian", issued_on="2024-03-01", expires_on="2027-02-28")  # no rule in force
    assert submit(e, "xian")["subsidy_estimate"]["amount_cny"] == 30000


def test_other_standard_of_same_organization_is_a_separate_subsidy(enterprise):
    e = enterprise("xian")
    submit(e, "xian")
    other = submit(e, "xian", org_type="university")
    # the universities' rule sets no amount; not blocked by the first
    assert other["subsidy_estimate"]["amount_cny"] is None
    assert "只资助一次" not in other["subsidy_estimate"]["explanation"]


# --- certificate numbers and idempotency ------------------------------------------------------------------

def test_duplicate_certificate_number_is_409_after_normalization(enterprise):
    e = enterprise("xian")
    submit(e, "xian", certificate_no="165IP180001R0M")
    for variant in ("165ip180001r0m", " 165IP 1800 01R0M ", "１６５ＩＰ１８０００１Ｒ０Ｍ"):
        r = enterprise("xian").post(URL.format("xian"), json=body(certificate_no=variant))
        assert r.status_code == 409, variant
        assert "certificate_no" in r.get_json()["errors"]["json"]
    # another tenant may hold the same number
    assert enterprise("hebi").post(URL.format("hebi"),
                                   json=body(certificate_no="165IP180001R0M")).status_code == 201


def test_a_rejected_certificate_can_be_filed_again(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    first = submit(e, "xian", certificate_no="XA-2018-777")
    b.post(f"{URL.format('xian')}/{first['id']}/decision",
           json={"decision": "reject", "reason": "扫描件不清晰"})
    assert e.post(URL.format("xian"), json=body(certificate_no="xa-2018-777")).status_code == 201
    assert e.post(URL.format("xian"), json=body(certificate_no="XA-2018-777")).status_code == 409


def test_idempotent_retry_returns_the_first_answer_and_files_once(app, enterprise):
    e = enterprise("xian")
    b = body()
    r1 = e.post(URL.format("xian"), json=b, headers={"Idempotency-Key": "cert-1"})
    r2 = e.post(URL.format("xian"), json=b, headers={"Idempotency-Key": "cert-1"})
    assert r1.status_code == r2.status_code == 201
    assert r1.get_json() == r2.get_json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    assert count_records(app, "xian") == 1
    r3 = e.post(URL.format("xian"), json={**b, "scope": "另一个范围"}, headers={"Idempotency-Key": "cert-1"})
    assert r3.status_code == 422
    assert count_records(app, "xian") == 1
    # without the key the same body is a duplicate certificate
    assert e.post(URL.format("xian"), json=b).status_code == 409


# --- validation: clear 4xx, nothing written ---------------------------------------------------------------

def _errors(r):
    return r.get_json().get("errors", {}).get("json", {})


@pytest.mark.parametrize("over, field", [
    ({"expires_on": "2021-06-02"}, "expires_on"),            # more than 3 years after 2018-06-01
    ({"expires_on": "2018-06-01"}, "expires_on"),            # not after the issue date
    ({"issued_on": "2023-02-30"}, "issued_on"),              # no such day
    ({"issued_on": "2018-13-01"}, "issued_on"),
    ({"issued_on": 20180601}, "issued_on"),
    ({"issued_on": "2023-03-01", "expires_on": "2026-02-28", "standard_edition": "GB/T 29490-2023"},
     "standard_edition"),
    ({"org_type": "university", "standard_edition": "GB/T 29490-2013"}, "standard_edition"),
    ({"standard_edition": "GB/T 29490-2020"}, "standard_edition"),
    ({"issued_on": "2012-06-01", "expires_on": "2015-05-31"}, "issued_on"),  # before GB/T 29490-2013
    ({"org_type": "company"}, "org_type"),
    ({"org_type": 5}, "org_type"),
    ({"org_type": ...}, "org_type"),
    ({"certificate_no": ...}, "certificate_no"),
    ({"certificate_no": ""}, "certificate_no"),
    ({"certificate_no": "证书🚀"}, "certificate_no"),
    ({"certificate_no": "A" * 10_000}, "certificate_no"),
    ({"certificate_no": ["165IP"]}, "certificate_no"),
    ({"certification_body": "中" * 10_000}, "certification_body"),
    ({"certification_body": "   "}, "certification_body"),
    ({"scope": "x" * 10_000}, "scope"),
    ({"scope": ...}, "scope"),
    ({"scope": {"a": 1}}, "scope"),
    ({"consulting_agency": "a\x00b"}, "consulting_agency"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_input_is_422_on_the_field_and_writes_nothing(app, enterprise, over, field):
    r = enterprise("xian").post(URL.format("xian"), json=body(**over))
    assert r.status_code == 422, r.get_json()
    assert field in _errors(r), r.get_json()
    assert count_records(app) == 0


def test_issue_date_in_the_future_is_422_in_china_time(app, enterprise):
    tomorrow = today() + dt.timedelta(days=1)
    r = enterprise("xian").post(URL.format("xian"), json=body(
        issued_on=tomorrow.isoformat(), expires_on=(tomorrow + dt.timedelta(days=365)).isoformat()))
    assert r.status_code == 422 and "issued_on" in _errors(r)
    # today (China) is fine
    r = enterprise("xian").post(URL.format("xian"), json=body(
        issued_on=today().isoformat(), expires_on=(today() + dt.timedelta(days=365)).isoformat()))
    assert r.status_code == 201, r.get_json()


def test_expiry_exactly_three_years_later_is_accepted(enterprise):
    out = submit(enterprise("xian"), "xian", issued_on="2018-06-01", expires_on="2021-06-01")
    assert out["expires_on"] == "2021-06-01"


def test_2023_edition_issued_in_2023_is_422_but_2013_edition_after_2024_is_fine(enterprise):
    e = enterprise("xian")
    r = e.post(URL.format("xian"), json=body(issued_on="2023-12-31", expires_on="2026-12-30",
                                            standard_edition="GB/T 29490-2023"))
    assert r.status_code == 422 and "2024-01-01" in _errors(r)["standard_edition"][0]
    out = submit(e, "xian", issued_on="2024-02-01", expires_on="2027-01-31",
                 standard_edition="GB/T 29490-2013")
    assert out["standard_edition"] == "GB/T 29490-2013"


def test_validation_messages_in_english(enterprise):
    e = enterprise("xian")
    r = Api(e.client, e.token, lang="en").post(URL.format("xian"), json=body(expires_on="2025-01-01"))
    msg = _errors(r)["expires_on"][0]
    assert r.status_code == 422 and "3" in msg and not any("\u4e00" <= ch <= "\u9fff" for ch in msg)


def test_malformed_or_non_object_body(app, enterprise):
    e = enterprise("xian")
    r = e.client.post(URL.format("xian"), data="{not json", content_type="application/json",
                      headers=e.headers())
    assert r.status_code == 400 and r.get_json()["code"] == 400
    r = e.post(URL.format("xian"), json=["a", "list"])
    assert r.status_code == 422
    r = e.post(URL.format("xian"), json=None)
    assert r.status_code == 422 and "org_type" in _errors(r)
    assert count_records(app) == 0


def test_emoji_and_long_but_valid_text_are_kept(enterprise):
    out = submit(enterprise("xian"), "xian", scope="🚀 研发与销售 — R&D, Ωmega", consulting_agency=None)
    assert out["scope"] == "🚀 研发与销售 — R&D, Ωmega" and out["consulting_agency"] is None


# --- access -------------------------------------------------------------------------------------------

def test_who_may_file_and_see(client, enterprise, bureau):
    owner, other, b = enterprise("xian"), enterprise("xian"), bureau("xian")
    out = submit(owner, "xian")
    item = f"{URL.format('xian')}/{out['id']}"
    assert b.post(URL.format("xian"), json=body()).status_code == 403
    assert client.post(URL.format("xian"), json=body()).status_code == 401
    assert client.get(URL.format("xian")).status_code == 401
    assert other.get(item).status_code == 404
    assert other.get(URL.format("xian")).get_json() == []
    assert b.get(item).status_code == 200
    assert [x["id"] for x in b.get(URL.format("xian")).get_json()] == [out["id"]]
    # users of another tenant: 404, never 403
    hebi_e, hebi_b = enterprise("hebi"), bureau("hebi")
    assert hebi_b.get(item).status_code == 404
    assert hebi_b.get(f"/t/hebi/api/v1/certifications/{out['id']}").status_code == 404
    assert hebi_e.post(URL.format("xian"), json=body()).status_code == 404
    assert client.get("/t/atlantis/api/v1/certifications").status_code == 404


def test_bureau_sees_the_organization(enterprise, bureau):
    e = enterprise("xian", name="西安贯标科技有限公司")
    out = submit(e, "xian")
    got = bureau("xian").get(f"{URL.format('xian')}/{out['id']}").get_json()
    assert got["enterprise"]["name"] == "西安贯标科技有限公司" and got["enterprise"]["uscc"] == e.info["uscc"]
    assert got["submitted_at"].endswith("+08:00") and got["attachments"] == []


# --- listing: filters and paging ----------------------------------------------------------------------

def test_list_filters_and_paging(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    ids = [submit(e, "xian")["id"] for _ in range(3)]
    b.post(f"{URL.format('xian')}/{ids[0]}/decision", json={"decision": "verify"})
    r = b.get(URL.format("xian"), query_string={"page_size": 2})
    assert r.status_code == 200 and len(r.get_json()) == 2
    pagination = json.loads(r.headers["X-Pagination"])
    assert pagination["total"] == 3 and pagination["total_pages"] == 2
    assert [x["id"] for x in r.get_json()] == ids[::-1][:2]  # newest first
    page2 = b.get(URL.format("xian"), query_string={"page_size": 2, "page": 2}).get_json()
    assert [x["id"] for x in page2] == [ids[0]]
    verified = b.get(URL.format("xian"), query_string={"status": "verified"}).get_json()
    assert [x["id"] for x in verified] == [ids[0]]
    assert len(b.get(URL.format("xian"), query_string={"status": "submitted"}).get_json()) == 2
    day = today().isoformat()
    assert len(b.get(URL.format("xian"),
                     query_string={"submitted_from": day, "submitted_to": day}).get_json()) == 3
    assert b.get(URL.format("xian"), query_string={"submitted_to": "2020-01-01"}).get_json() == []
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert b.get(URL.format("xian"), query_string={"submitted_from": tomorrow}).get_json() == []
    for bad in ({"status": "approved"}, {"submitted_from": "2023-02-30"}, {"page_size": 501}, {"page": 0},
                {"submitted_from": "2024-02-01", "submitted_to": "2024-01-01"}):
        assert b.get(URL.format("xian"), query_string=bad).status_code == 422, bad
    assert len(b.get(URL.format("xian")).get_json()) == 3  # default page size 50


# --- decisions ----------------------------------------------------------------------------------------

def test_decisions(app, enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    one, two = submit(e, "xian"), submit(e, "xian")
    d1, d2 = f"{URL.format('xian')}/{one['id']}/decision", f"{URL.format('xian')}/{two['id']}/decision"
    assert e.post(d1, json={"decision": "verify"}).status_code == 403
    assert bureau("hebi").post(d1, json={"decision": "verify"}).status_code == 404
    assert b.post(d1, json={"decision": "approve"}).status_code == 422
    assert b.post(d1, json={}).status_code == 422
    r = b.post(d1, json={"decision": "verify"})
    assert r.status_code == 200 and r.get_json()["status"] == "verified" and r.get_json()["decided_at"]
    assert b.post(d1, json={"decision": "verify"}).status_code == 409
    assert b.post(d1, json={"decision": "reject", "reason": "晚了"}).status_code == 409
    r = b.post(d2, json={"decision": "reject"})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    assert b.post(d2, json={"decision": "reject", "reason": "   "}).status_code == 422
    r = b.post(d2, json={"decision": "reject", "reason": "证书编号与认证机构记录不符"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert (e.get(f"{URL.format('xian')}/{two['id']}").get_json()["decision_reason"]
            == "证书编号与认证机构记录不符")
    assert b.post(f"{URL.format('xian')}/nonexistent/decision",
                  json={"decision": "verify"}).status_code == 404


def test_audit_events_for_submission_attachment_and_decision(app, enterprise, bureau):
    from tests.certification.certification_helpers import file_post, pdf_bytes

    e, b = enterprise("xian"), bureau("xian")
    out = submit(e, "xian")
    assert file_post(e, f"{URL.format('xian')}/{out['id']}/attachments", pdf_bytes()).status_code == 201
    b.post(f"{URL.format('xian')}/{out['id']}/decision", json={"decision": "verify"})
    assert audit_actions(app, "xian", out["id"]) == [
        "certification.submitted", "certification.attachment_added", "certification.verified"]
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("xian"):
        events = (db.session.query(AuditEvent).filter(AuditEvent.object_id == out["id"])
                  .order_by(AuditEvent.at).all())
        assert events[0].actor_email == e.info["email"]
        assert events[0].detail["certificate_no"] == out["certificate_no"]
        assert events[2].actor_email == b.email and events[2].detail["to"] == "verified"
    assert audit_actions(app, "hebi") == []


# --- KPI metric, counts, form, OpenAPI ------------------------------------------------------------------

def test_metric_counts_verified_organizations_cumulatively_by_issue_year(app, enterprise, bureau):
    from ipservice.core.tenancy import tenant_context
    from ipservice.kpi import metrics

    b = bureau("xian")
    a, c, d = enterprise("xian"), enterprise("xian"), enterprise("xian")
    ra1 = submit(a, "xian", issued_on="2018-06-01", expires_on="2021-05-31")
    ra2 = submit(a, "xian", org_type="university", issued_on="2018-09-01", expires_on="2021-08-31")
    rc = submit(c, "xian", issued_on="2019-03-01", expires_on="2022-02-28")
    submit(d, "xian", issued_on="2017-03-01", expires_on="2020-02-28")  # submitted only: not counted
    for rec in (ra1, ra2, rc):
        assert b.post(f"{URL.format('xian')}/{rec['id']}/decision",
                      json={"decision": "verify"}).status_code == 200
    submit(enterprise("hebi"), "hebi")  # another tenant
    with app.app_context():
        with tenant_context("xian"):
            assert metrics.compute("certifications_verified", 2017) == 0
            assert metrics.compute("certifications_verified", 2018) == 1   # organization a, counted once
            assert metrics.compute("certifications_verified", 2019) == 2   # cumulative
            assert metrics.compute("certifications_verified", 2025) == 2
        with tenant_context("hebi"):
            assert metrics.compute("certifications_verified", 2025) == 0


def test_status_counts_of_the_current_tenant(app, enterprise, bureau):
    from ipservice.certification.services import stats as status_counts
    from ipservice.core.tenancy import tenant_context

    e, b = enterprise("xian"), bureau("xian")
    recs = [submit(e, "xian") for _ in range(3)]
    b.post(f"{URL.format('xian')}/{recs[0]['id']}/decision", json={"decision": "verify"})
    b.post(f"{URL.format('xian')}/{recs[1]['id']}/decision", json={"decision": "reject", "reason": "不符"})
    submit(enterprise("hebi"), "hebi")
    with app.app_context():
        with tenant_context("xian"):
            assert status_counts() == {"submitted": 1, "verified": 1, "rejected": 1}
        with tenant_context("guangzhou"):
            assert status_counts() == {"submitted": 0, "verified": 0, "rejected": 0}


def test_form_is_registered_with_labels_on_every_field(app):
    from ipservice import forms
    from ipservice.forms.render import describe
    from ipservice.tenants import registry

    with app.app_context():
        assert "certification" in forms.registered()
        for tenant in list(registry.of(app).values()):
            fields = describe(forms.schema_for(tenant, "certification")())
            names = [f["name"] for f in fields]
            assert names[:8] == ["org_type", "standard_edition", "certificate_no", "certification_body",
                                 "issued_on", "expires_on", "consulting_agency", "scope"]
            for f in fields:
                assert f["label_zh"] and f["label_en"] and f["label_zh"] != f["name"], f
            org = next(f for f in fields if f["name"] == "org_type")
            assert {c["value"] for c in org["choices"]} == {"enterprise", "university", "research_institute"}


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/t/{tenant}/api/v1/certifications", "/t/{tenant}/api/v1/certifications/{record_id}",
              "/t/{tenant}/api/v1/certifications/{record_id}/attachments",
              "/t/{tenant}/api/v1/certifications/{record_id}/decision"):
        assert p in paths, p
    post = paths["/t/{tenant}/api/v1/certifications"]["post"]
    assert "application/json" in post["requestBody"]["content"]


def test_demo_loader_files_one_record_per_tenant_once(app, client):
    from ipservice.accounts import services as accounts
    from ipservice.certification import demo
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.tenants import registry
    from tests.conftest import register_enterprise

    for tenant in list(registry.of(app).values()):
        info = register_enterprise(client, tenant.slug)
        with app.app_context(), tenant_context(tenant.slug):
            users = {"enterprise1": accounts.find_user(info["email"])}
            demo.load_demo(tenant, users)
            demo.load_demo(tenant, users)
            db.session.commit()  # the demo command commits what the loaders add
    for tenant in list(registry.of(app).values()):
        assert count_records(app, tenant.slug) == 1
    with app.app_context(), tenant_context("xian"):
        from ipservice.certification.models import CertificationRecord
        from ipservice.extensions import db

        rec = db.session.query(CertificationRecord).one()
        assert rec.status == "submitted" and rec.subsidy_amount_cny == 30000


def test_published_form_schema(client):
    forms = client.get("/t/hebi/api/v1/forms").get_json()
    cert = next(f for f in forms if f["form"] == "certification")
    by_name = {f["name"]: f for f in cert["fields"]}
    assert by_name["certificate_no"]["required"] and by_name["certificate_no"]["label_zh"] == "证书编号"
    assert by_name["issued_on"]["type"] == "date" and by_name["scope"]["type"] == "text"
    assert not by_name["consulting_agency"]["required"] and by_name["consulting_agency"]["label_en"]
    assert [c["value"] for c in by_name["standard_edition"]["choices"]] == ["GB/T 29490-2013",
                                                                            "GB/T 29490-2023"]


def test_tenant_fields_are_validated_stored_in_extra_and_returned_at_top_level(app, monkeypatch, enterprise,
                                                                               bureau):
    import dataclasses

    from ipservice.tenants import registry
    from ipservice.tenants.config import ExtraField

    base = registry.of(app).get("guangzhou")
    own = (ExtraField(name="high_tech", type="boolean", required=True, label_zh="是否高新技术企业",
                      label_en="High-tech enterprise", choices=(), max_length=None, source=None),
           ExtraField(name="renewal_of", type="date", required=False, label_zh="换证前发证日期",
                      label_en="Issue date of the previous certificate", choices=(), max_length=None,
                      source=None))
    forms_config = dataclasses.replace(base.forms.with_fields("certification", own),
                                       version=base.forms.version + 100)
    monkeypatch.setitem(registry.of(app), "guangzhou", dataclasses.replace(base, forms=forms_config))

    e = enterprise("guangzhou")
    r = e.post(URL.format("guangzhou"), json=body())
    assert r.status_code == 422 and "high_tech" in _errors(r)
    r = e.post(URL.format("guangzhou"), json=body(high_tech="maybe"))
    assert r.status_code == 422 and "high_tech" in _errors(r)
    out = submit(e, "guangzhou", high_tech=True, renewal_of="2015-06-01")
    assert out["high_tech"] is True and out["renewal_of"] == "2015-06-01"
    assert e.get(f"{URL.format('guangzhou')}/{out['id']}").get_json()["high_tech"] is True
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("guangzhou"):
        assert db.session.get(CertificationRecord, ("guangzhou", out["id"])).extra == {
            "high_tech": True, "renewal_of": "2015-06-01"}
    raw = bureau("guangzhou").get("/t/guangzhou/api/v1/certifications.csv").data.decode("utf-8-sig")
    assert "是否高新技术企业" in raw.splitlines()[0]
