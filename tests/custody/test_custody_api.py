"""Issue 5: custody enrollment through the HTTP API (Xi'an with its own field, Hebi without)."""
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import make_uscc
from tests.custody.custody_helpers import enrollment_body

BOTH = pytest.mark.parametrize("tenant", ["xian", "hebi"])


def url(tenant, path=""):
    return f"/t/{tenant}/api/v1/custody-enrollments{path}"


def count_rows(app, tenant):
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody.models import CustodyEnrollment
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(CustodyEnrollment))


# --- agencies ----------------------------------------------------------------------------------------

def test_bureau_adds_agencies_anyone_lists_them_duplicate_uscc_is_409(client, bureau, enterprise):
    b = bureau("xian")
    code = make_uscc()
    r = b.post("/t/xian/api/v1/agencies",
               json={"name": "西安知识产权托管中心", "uscc": code, "contact": "王经理"})
    assert r.status_code == 201
    agency = r.get_json()
    assert {"id", "name", "uscc", "contact"} <= set(agency) and agency["uscc"] == code and agency["approved"]
    listed = client.get("/t/xian/api/v1/agencies").get_json()
    assert [a["id"] for a in listed] == [agency["id"]]
    dup = b.post("/t/xian/api/v1/agencies", json={"name": "另一家", "uscc": code, "contact": "李"})
    assert dup.status_code == 409 and "统一社会信用代码" in dup.get_json()["message"]
    # another tenant may register the same agency, and does not see Xi'an's
    assert client.get("/t/hebi/api/v1/agencies").get_json() == []
    assert bureau("hebi").post("/t/hebi/api/v1/agencies",
                               json={"name": "同一家", "uscc": code, "contact": "王"}).status_code == 201
    # enterprises and anonymous callers may not add agencies
    assert enterprise("xian").post("/t/xian/api/v1/agencies",
                                   json={"name": "x", "uscc": make_uscc(), "contact": "y"}).status_code == 403
    assert client.post("/t/xian/api/v1/agencies", json={}).status_code == 401


def test_agency_input_is_validated(bureau):
    b = bureau("xian")
    good = {"name": "机构", "uscc": make_uscc(), "contact": "王经理"}
    valid = make_uscc()
    for over in ({"uscc": valid[:-1] + ("0" if valid[-1] != "0" else "1")}, {"uscc": "123"},
                 {"name": "x" * 10_000}, {"name": ""}, {"contact": ["list"]}, {"extra": 1}, {"name": None}):
        r = b.post("/t/xian/api/v1/agencies", json={**good, **over})
        assert r.status_code == 422, (over, r.get_json())
    other = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good["uscc"][-1])
    bad_check = good["uscc"][:-1] + other
    r = b.post("/t/xian/api/v1/agencies", json={**good, "uscc": bad_check})
    assert "校验位" in r.get_json()["errors"]["json"]["uscc"][0]
    assert b.get("/t/xian/api/v1/agencies?all=1").get_json() == []


def test_withdrawn_agency_is_hidden_and_cannot_be_chosen(client, setup, bureau):
    e, b, agency = setup("xian")
    r = b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval", json={"approved": False})
    assert r.status_code == 200 and r.get_json()["approved"] is False
    assert client.get("/t/xian/api/v1/agencies").get_json() == []
    assert client.get("/t/xian/api/v1/agencies?all=1").get_json() == []  # only the bureau sees all
    assert bureau("hebi").get("/t/xian/api/v1/agencies?all=1").get_json() == []  # not another tenant's bureau
    assert [a["id"] for a in b.get("/t/xian/api/v1/agencies?all=1").get_json()] == [agency["id"]]
    assert client.get(f"/t/xian/api/v1/agencies/{agency['id']}").status_code == 404
    r = e.post(url("xian"), json=enrollment_body("xian", agency["id"]))
    assert r.status_code == 422 and "agency_id" in r.get_json()["errors"]["json"]
    assert b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval",
                  json={"approved": True}).status_code == 200
    assert e.post(url("xian"), json=enrollment_body("xian", agency["id"])).status_code == 201
    assert e.post("/t/xian/api/v1/agencies/nope/approval", json={"approved": True}).status_code == 403
    assert b.post("/t/xian/api/v1/agencies/nope/approval", json={"approved": True}).status_code == 404
    assert b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval",
                  json={"approved": "maybe"}).status_code == 422


def test_the_approval_flag_is_a_json_boolean_only(setup):
    """Issue 18: ``{"approved": 0}`` withdrew an approval (marshmallow's Boolean takes 0, 1, "yes", "on"…);
    the document says boolean, and only true or false change anything."""
    _e, b, agency = setup("xian")
    for flag in (0, 1, "false", "true", "yes", "off", None, [], {}):
        r = b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval?lang=en", json={"approved": flag})
        assert r.status_code == 422, (flag, r.status_code)
        assert r.get_json()["errors"]["json"]["approved"], flag
    assert [a["approved"] for a in b.get("/t/xian/api/v1/agencies?all=1").get_json()] == [True]  # unchanged
    r = b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval", json={"approved": 0})
    assert "布尔" in r.get_json()["errors"]["json"]["approved"][0]
    assert b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval", json={"approved": False}).get_json()[
        "approved"] is False


# --- filing, reading, deciding -------------------------------------------------------------------------

@BOTH
def test_submit_list_get(tenant, filed, client):
    e, b, agency, created = filed(tenant)
    assert created["status"] == "submitted" and created["id"]
    assert created["agency_id"] == agency["id"] and created["agency_name"] == agency["name"]
    assert created["services"] == ["info_use", "patent_filing"] and created["government_purchased"] is True
    assert created["start_date"] == "2025-01-01" and created["end_date"] == "2026-12-31"
    assert created["enterprise_scale"] == "small" and created["submitted_at"].endswith("+08:00")
    assert created["enterprise_uscc"] == e.info["uscc"] and created["reason"] is None
    mine = e.get(url(tenant))
    assert mine.status_code == 200 and [x["id"] for x in mine.get_json()] == [created["id"]]
    assert json.loads(mine.headers["X-Pagination"])["total"] == 1
    assert [x["id"] for x in b.get(url(tenant)).get_json()] == [created["id"]]
    for api in (e, b):
        one = api.get(url(tenant, f"/{created['id']}"))
        assert one.status_code == 200 and one.get_json() == created
    assert client.get(url(tenant)).status_code == 401


def test_xian_tenant_field_is_at_the_top_level_and_stored_in_extra(filed, app):
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody.models import CustodyEnrollment
    from ipservice.extensions import db

    _e, b, _agency, created = filed("xian", innovation_base="provincial")
    assert created["innovation_base"] == "provincial"
    assert b.get(url("xian", f"/{created['id']}")).get_json()["innovation_base"] == "provincial"
    with app.app_context(), tenant_context("xian"):
        row = db.session.scalar(select(CustodyEnrollment))
        assert row.extra == {"innovation_base": "provincial"}


def test_xian_requires_its_field_hebi_refuses_it(setup):
    e, _b, agency = setup("xian")
    r = e.post(url("xian"), json=enrollment_body("xian", agency["id"], innovation_base=...))
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["innovation_base"] == ["缺少必填字段。"]
    r = e.post(url("xian"), json=enrollment_body("xian", agency["id"], innovation_base="moon-base"))
    assert r.status_code == 422 and "innovation_base" in r.get_json()["errors"]["json"]
    e, _b, agency = setup("hebi")
    r = e.post(url("hebi"), json=enrollment_body("hebi", agency["id"], innovation_base="national"))
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["innovation_base"] == ["不允许的字段。"]


def test_tianjin_requires_recipient_type(setup):
    e, _b, agency = setup("tianjin-bonded")
    r = e.post(url("tianjin-bonded"),
               json=enrollment_body("tianjin-bonded", agency["id"], recipient_type=...))
    assert r.status_code == 422 and "recipient_type" in r.get_json()["errors"]["json"]
    r = e.post(url("tianjin-bonded"),
               json=enrollment_body("tianjin-bonded", agency["id"], recipient_type="incubator"))
    assert r.status_code == 201 and r.get_json()["recipient_type"] == "incubator"


@BOTH
def test_approve_then_deciding_again_is_409(tenant, filed):
    e, b, _agency, created = filed(tenant)
    r = b.post(url(tenant, f"/{created['id']}/decision"), json={"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved" and r.get_json()["decided_at"]
    for body in ({"decision": "approve"}, {"decision": "reject", "reason": "再次"}):
        again = b.post(url(tenant, f"/{created['id']}/decision"), json=body)
        assert again.status_code == 409 and again.get_json()["code"] == 409
    assert e.get(url(tenant, f"/{created['id']}")).get_json()["status"] == "approved"


@BOTH
def test_reject_needs_a_reason_and_the_enterprise_sees_it(tenant, filed):
    e, b, _agency, created = filed(tenant)
    decide = url(tenant, f"/{created['id']}/decision")
    for body in ({"decision": "reject"}, {"decision": "reject", "reason": "   "},
                 {"decision": "reject", "reason": None}):
        r = b.post(decide, json=body)
        assert r.status_code == 422 and "理由" in r.get_json()["errors"]["json"]["reason"][0], body
    assert b.post(decide, json={"decision": "maybe"}).status_code == 422
    assert b.post(decide, json={"decision": "reject", "reason": "x" * 2001}).status_code == 422
    assert e.get(url(tenant, f"/{created['id']}")).get_json()["status"] == "submitted"
    r = b.post(decide, json={"decision": "reject", "reason": "服务合同未盖章"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    seen = e.get(url(tenant, f"/{created['id']}")).get_json()
    assert seen["status"] == "rejected" and seen["reason"] == seen["decision_reason"] == "服务合同未盖章"


@BOTH
def test_enterprise_cannot_decide(tenant, filed):
    e, _b, _agency, created = filed(tenant)
    r = e.post(url(tenant, f"/{created['id']}/decision"), json={"decision": "approve"})
    assert r.status_code == 403


@BOTH
def test_overlapping_period_is_409(tenant, filed):
    e, b, agency, first = filed(tenant)  # 2025-01-01 … 2026-12-31, submitted
    overlap = enrollment_body(tenant, agency["id"], start_date="2026-12-31", end_date="2027-06-30")
    r = e.post(url(tenant), json=overlap)
    assert r.status_code == 409 and "重叠" in r.get_json()["message"]
    assert "2025-01-01" in r.get_json()["message"]
    later = enrollment_body(tenant, agency["id"], start_date="2027-01-01", end_date="2027-12-31")
    assert e.post(url(tenant), json=later).status_code == 201
    b.post(url(tenant, f"/{first['id']}/decision"), json={"decision": "approve"})
    r = e.post(url(tenant),
               json=enrollment_body(tenant, agency["id"], start_date="2024-06-01", end_date="2025-01-01"))
    assert r.status_code == 409  # an approved enrollment blocks as well
    # a rejected enrollment does not block
    r = e.post(url(tenant),
               json=enrollment_body(tenant, agency["id"], start_date="2028-01-01", end_date="2028-12-31"))
    assert r.status_code == 201
    b.post(url(tenant, f"/{r.get_json()['id']}/decision"), json={"decision": "reject", "reason": "材料不全"})
    again = e.post(url(tenant), json=enrollment_body(tenant, agency["id"], start_date="2028-06-01",
                                                     end_date="2029-05-31"))
    assert again.status_code == 201


def test_another_enterprise_may_use_the_same_period(filed, enterprise):
    _e, _b, agency, _created = filed("xian")
    other = enterprise("xian")
    assert other.post(url("xian"), json=enrollment_body("xian", agency["id"])).status_code == 201


@BOTH
def test_contract_period_rules(tenant, setup):
    e, _b, agency = setup(tenant)
    cases = [("2025-06-01", "2025-05-31", "晚于开始日期"), ("2025-06-01", "2025-06-01", "晚于开始日期"),
             ("2025-01-01", "2028-01-02", "最长为 3 年"), ("2024-02-29", "2027-03-01", "2027-02-28")]
    for start, end, words in cases:
        r = e.post(url(tenant), json=enrollment_body(tenant, agency["id"], start_date=start, end_date=end))
        assert r.status_code == 422, (start, end)
        assert words in r.get_json()["errors"]["json"]["end_date"][0]
    r = e.post(url(tenant),
               json=enrollment_body(tenant, agency["id"], start_date="2025-01-01", end_date="2028-01-02"),
               headers={"Accept-Language": "en"})
    assert "3 years" in r.get_json()["errors"]["json"]["end_date"][0]
    ok = e.post(url(tenant),
                json=enrollment_body(tenant, agency["id"], start_date="2025-01-01", end_date="2028-01-01"))
    assert ok.status_code == 201


@BOTH
def test_unknown_unapproved_or_foreign_agency_is_422(tenant, setup, bureau, add_agency):
    e, b, agency = setup(tenant)
    other_tenant = "hebi" if tenant == "xian" else "xian"
    foreign = add_agency(bureau(other_tenant), other_tenant)
    withdrawn = add_agency(b, tenant, name="撤销的机构")
    b.post(f"/t/{tenant}/api/v1/agencies/{withdrawn['id']}/approval", json={"approved": False})
    for agency_id in ("no-such-agency", foreign["id"], withdrawn["id"]):
        r = e.post(url(tenant), json=enrollment_body(tenant, agency_id))
        assert r.status_code == 422 and r.get_json()["errors"]["json"]["agency_id"], agency_id


@BOTH
def test_idempotent_retry(tenant, setup, app):
    e, _b, agency = setup(tenant)
    body = enrollment_body(tenant, agency["id"])
    key = {"Idempotency-Key": "retry-0001"}
    first = e.post(url(tenant), json=body, headers=key)
    again = e.post(url(tenant), json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers.get("Idempotent-Replayed") == "true"
    assert count_rows(app, tenant) == 1
    different = e.post(url(tenant), json={**body, "government_purchased": False}, headers=key)
    assert different.status_code == 422
    assert count_rows(app, tenant) == 1
    # without a key the same body is a second filing attempt (here: an overlapping period)
    assert e.post(url(tenant), json=body).status_code == 409


def test_cross_tenant_reads_are_404(filed, bureau):
    _he, hebi_bureau, _ha, hebi_row = filed("hebi")
    xian_bureau = bureau("xian")
    # through the Hebi URL: a Xi'an user is a stranger there
    assert xian_bureau.get(url("hebi", f"/{hebi_row['id']}")).status_code == 404
    assert xian_bureau.get(url("hebi")).status_code == 404
    assert xian_bureau.post(url("hebi", f"/{hebi_row['id']}/decision"),
                            json={"decision": "approve"}).status_code == 404
    # through the Xi'an URL with the Hebi id: simply not found
    assert xian_bureau.get(url("xian", f"/{hebi_row['id']}")).status_code == 404
    r = xian_bureau.post(url("xian", f"/{hebi_row['id']}/decision"), json={"decision": "approve"})
    assert r.status_code == 404
    assert xian_bureau.get(url("xian")).get_json() == []
    assert hebi_bureau.get(url("hebi", f"/{hebi_row['id']}")).get_json()["status"] == "submitted"


def test_cross_enterprise_reads_are_404(filed, enterprise):
    _e, _b, _agency, row = filed("xian")
    other = enterprise("xian")
    assert other.get(url("xian", f"/{row['id']}")).status_code == 404
    assert other.get(url("xian")).get_json() == []
    assert other.post(url("xian", f"/{row['id']}/decision"), json={"decision": "approve"}).status_code == 403


@BOTH
def test_bad_input_is_4xx_and_writes_nothing(tenant, setup, app):
    e, _b, agency = setup(tenant)
    good = enrollment_body(tenant, agency["id"])
    bodies = [
        {**good, "start_date": "2023-02-30"},
        {**good, "start_date": 20250101},
        {**good, "end_date": "31/12/2026"},
        {**good, "start_date": "0001-01-01"},
        {**good, "end_date": "9999-12-31"},
        {**good, "services": "info_use"},
        {**good, "services": []},
        {**good, "services": ["info_use", "🚀"]},
        {**good, "services": [{"a": 1}]},
        {**good, "enterprise_scale": "huge"},
        {**good, "enterprise_scale": 3},
        {**good, "agency_id": "x" * 10_000},
        {**good, "agency_id": "🚀 Ωmega 机构"},
        {**good, "agency_id": None},
        {**good, "agency_id": ["list"]},
        {**good, "government_purchased": "maybe"},
        {**good, "note": "x" * 10_000},
        {k: v for k, v in good.items() if k != "start_date"},
        {},
        [],
        "just a string",
        None,
    ]
    for body in bodies:
        r = e.post(url(tenant), json=body)
        assert r.status_code in (400, 422), (body if not isinstance(body, dict) else list(body),
                                             r.status_code)
        assert r.is_json and r.get_json()["code"] == r.status_code
    r = e.post(url(tenant), data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["code"] == 400
    r = e.post(url(tenant), data="agency_id=1", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    assert count_rows(app, tenant) == 0


@BOTH
def test_emoji_and_mixed_scripts_in_text_fields_are_kept_or_refused_cleanly(tenant, bureau, setup):
    b = bureau(tenant)
    name = "🚀 Ωmega 知识产权 Agency Ltd"
    r = b.post(f"/t/{tenant}/api/v1/agencies",
               json={"name": name, "uscc": make_uscc(), "contact": "Ивaн 王 📞 1380000"})
    assert r.status_code == 201 and r.get_json()["name"] == name
    r = b.post(f"/t/{tenant}/api/v1/agencies", json={"name": "a\x00b", "uscc": make_uscc(), "contact": "x"})
    assert r.status_code == 422
    e, b2, agency = setup(tenant)
    created = e.post(url(tenant), json=enrollment_body(tenant, agency["id"])).get_json()
    reason = "材料不全 ✗ missing seal — пересмотреть 🙏"
    r = b2.post(url(tenant, f"/{created['id']}/decision"), json={"decision": "reject", "reason": reason})
    assert r.status_code == 200 and r.get_json()["reason"] == reason


def test_list_filters_and_paging(setup, enterprise, bureau):
    _e, b, agency = setup("hebi")
    ids = []
    for _n in range(3):
        ent = enterprise("hebi")
        r = ent.post(url("hebi"), json=enrollment_body("hebi", agency["id"]))
        ids.append(r.get_json()["id"])
    b.post(url("hebi", f"/{ids[0]}/decision"), json={"decision": "approve"})
    b.post(url("hebi", f"/{ids[1]}/decision"), json={"decision": "reject", "reason": "不符合条件"})
    assert [x["id"] for x in b.get(url("hebi") + "?status=approved").get_json()] == [ids[0]]
    assert [x["id"] for x in b.get(url("hebi") + "?status=submitted").get_json()] == [ids[2]]
    assert b.get(url("hebi") + "?status=bogus").status_code == 422
    # newest first
    assert [x["id"] for x in b.get(url("hebi")).get_json()] == ids[::-1]
    from tests.custody.custody_helpers import today
    t = today().isoformat()
    assert len(b.get(url("hebi") + f"?submitted_from={t}&submitted_to={t}").get_json()) == 3
    assert b.get(url("hebi") + "?submitted_to=2020-01-01").get_json() == []
    assert b.get(url("hebi") + "?submitted_from=2999-01-01").get_json() == []
    for bad in ("submitted_from=2023-02-30", "submitted_from=yesterday",
                "submitted_from=2025-02-01&submitted_to=2025-01-01",
                "submitted_to=0001-01-01", "page_size=501", "page_size=0", "page=0", "page=abc"):
        r = b.get(url("hebi") + "?" + bad)
        assert r.status_code == 422 and r.get_json()["code"] == 422, bad
    r = b.get(url("hebi") + "?page=2&page_size=2")
    assert [x["id"] for x in r.get_json()] == [ids[0]]
    meta = json.loads(r.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["total_pages"] == 2 and meta["page"] == 2
    r = b.get(url("hebi") + "?page=" + "9" * 30)  # beyond any list: 422, the same in every area
    assert r.status_code == 422
    assert json.loads(b.get(url("hebi")).headers["X-Pagination"])["total"] == 3


def test_openapi_documents_the_custody_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/t/{tenant}/api/v1/agencies", "/t/{tenant}/api/v1/custody-enrollments",
              "/t/{tenant}/api/v1/custody-enrollments/{enrollment_id}",
              "/t/{tenant}/api/v1/custody-enrollments/{enrollment_id}/decision"):
        assert p in paths
    post = paths["/t/{tenant}/api/v1/custody-enrollments"]["post"]
    assert "requestBody" in post and "201" in post["responses"]


def test_custody_form_is_registered_with_labels(app):
    from ipservice import forms
    from ipservice.forms.render import describe
    from ipservice.tenants import registry

    with app.test_request_context("/"):
        xian = describe(forms.schema_for(registry.of(app).get("xian"), "custody")())
        hebi = describe(forms.schema_for(registry.of(app).get("hebi"), "custody")())
    names = [f["name"] for f in xian]
    assert names[:6] == ["enterprise_scale", "agency_id", "services", "start_date", "end_date",
                         "government_purchased"]
    assert "innovation_base" in names and "innovation_base" not in [f["name"] for f in hebi]
    for f in xian:
        assert f["label_zh"] and f["label_en"] and f["label_zh"] != f["name"]
    services = next(f for f in xian if f["name"] == "services")
    assert services["type"] == "multi_choice"
    assert {c["value"] for c in services["choices"]} >= {"info_use", "training"}
    assert {c["label_zh"] for c in services["choices"]} >= {"信息利用", "人才培训"}
