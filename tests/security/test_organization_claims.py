"""Finding 13: anyone could register any valid USCC in a tenant and the real organization then got 409
with no way to claim its name. Now a second registrant claims the organization with its business licence
(checked by content); the bureau approves (the squatter's account ends; the claimant, once the approval's
code proves the e-mail, becomes the organization's user — issue 18, tests/proof/test_claims.py) or rejects
with a reason, on a page and through the API; until the bureau has verified an organization, its filings
are marked unverified on the bureau's list and detail pages."""
import io
import re

import pytest

from tests.cases.conftest import file_case
from tests.certification.certification_helpers import EXE, pdf_bytes, submit
from tests.conftest import DEMO_PASSWORD, Api, csrf_from, make_uscc, page_login, register_enterprise
from tests.custody.custody_helpers import enrollment_body
from tests.subsidy.subsidy_helpers import doc, filed

CLAIMS = "/t/{}/api/v1/organization-claims"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _claim_form(uscc, email="real.owner@real-corp.cn", **over):
    return {"name": "真实科技有限公司", "uscc": uscc, "email": email, "password": "Qing-He-Bridge-1987",
            "contact_name": "陈七", "contact_phone": "029-86668888", **over}


def _post_claim(client, tenant, uscc, data=PNG, filename="licence.png", lang=None, **over):
    form = _claim_form(uscc, **over)
    if data is not None:
        form["licence"] = (io.BytesIO(data), filename)
    return client.post(CLAIMS.format(tenant), data=form, content_type="multipart/form-data",
                       headers={"Accept-Language": lang} if lang else {})


def _count(app, model_path, tenant="xian"):
    import importlib

    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    module, name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), name)
    with app.app_context(), cross_tenant("test count"):
        return db.session.query(model).count()


@pytest.fixture
def squatted(client):
    """A USCC registered in xian by someone who is not the organization."""
    uscc = make_uscc()
    squatter = register_enterprise(client, "xian", name="抢注的名字", email="squatter@example.cn", uscc=uscc)
    return uscc, squatter


def test_the_real_organization_is_told_it_can_claim(client, squatted):
    uscc, _ = squatted
    body = {**_claim_form(uscc)}
    r = client.post("/t/xian/api/v1/register", json=body)
    assert r.status_code == 409 and "认领" in r.get_json()["message"]
    page = client.get("/t/xian/register")
    assert "/t/xian/claims/new" in page.get_data(as_text=True)


def test_claim_approved_transfers_the_organization(app, client, bureau, squatted):
    uscc, squatter = squatted
    r = _post_claim(client, "xian", uscc)
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()
    assert claim["status"] == "pending" and set(claim) == {"id", "status"}
    # the claimant cannot sign in before the decision (and is told the claim waits)
    assert client.post("/api/v1/auth/token", json={"email": "real.owner@real-corp.cn",
                                                   "password": "Qing-He-Bridge-1987"}).status_code == 403
    b = bureau("xian")
    listed = b.get(CLAIMS.format("xian") + "?status=pending").get_json()
    assert [c["id"] for c in listed] == [claim["id"]]
    assert listed[0]["organization"]["uscc"] == uscc and listed[0]["organization"]["verified"] is False
    assert listed[0]["licence"]["content_type"] == "image/png"
    licence = b.get(f"{CLAIMS.format('xian')}/{claim['id']}/licence")
    assert licence.status_code == 200 and licence.data == PNG
    r = b.post(f"{CLAIMS.format('xian')}/{claim['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "approved" and r.get_json()["organization"]["verified"] is True
    assert r.get_json()["organization"]["name"] == "真实科技有限公司"
    code = r.get_json()["verification_code"]
    assert code and r.get_json()["completion_url"].endswith("/t/xian/claims/complete")
    # once
    assert b.post(f"{CLAIMS.format('xian')}/{claim['id']}/decision", json={"decision": "reject",
                                                                          "reason": "x"}).status_code == 409
    # the claimant completes the claim with the code and then acts for the organization; the squatter's
    # token and password no longer work
    done = client.post(CLAIMS.format("xian") + "/completion", json={"email": "Real.Owner@real-corp.cn",
                                                                     "code": code.lower()})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["claimant"]["email"] == "real.owner@real-corp.cn"
    owner = Api(client, client.post("/api/v1/auth/token", json={
        "email": "real.owner@real-corp.cn", "password": "Qing-He-Bridge-1987"}).get_json()["token"])
    assert owner.get("/t/xian/api/v1/certifications").status_code == 200
    rec = submit(owner, "xian")
    assert rec["status"] == "submitted"
    assert client.get("/t/xian/api/v1/certifications",
                      headers={"Authorization": f"Bearer {squatter['token']}"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": "squatter@example.cn",
                                                   "password": DEMO_PASSWORD}).status_code == 401
    orgs = b.get("/t/xian/api/v1/organizations").get_json()
    assert [(o["uscc"], o["verified"]) for o in orgs] == [(uscc, True)]
    actions = [e["action"] for e in b.get("/t/xian/api/v1/audit").get_json()]
    assert "organization.claim_submitted" in actions and "organization.claim_approved" in actions


def test_claim_rejected_with_a_reason(app, client, bureau, squatted):
    uscc, squatter = squatted
    claim = _post_claim(client, "xian", uscc, data=pdf_bytes(), filename="licence.pdf").get_json()
    b = bureau("xian")
    url = f"{CLAIMS.format('xian')}/{claim['id']}/decision"
    r = b.post(url, json={"decision": "reject"})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = b.post(url, json={"decision": "reject", "reason": "营业执照与单位名称不符"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    r = client.post("/api/v1/auth/token", json={"email": "real.owner@real-corp.cn",
                                                "password": "Qing-He-Bridge-1987"})
    assert r.status_code == 403 and "营业执照与单位名称不符" in r.get_json()["message"]
    assert client.post("/api/v1/auth/token", json={"email": "squatter@example.cn",
                                                   "password": DEMO_PASSWORD}).status_code == 200
    # the claimant reads the decision on the claim's own page
    page = client.get(f"/t/xian/claims/{claim['id']}").get_data(as_text=True)
    assert "营业执照与单位名称不符" in page and "已驳回" in page
    assert "real.owner@real-corp.cn" not in page and "029-86668888" not in page
    assert "organization.claim_rejected" in [e["action"] for e in b.get("/t/xian/api/v1/audit").get_json()]


def test_the_licence_is_checked_by_content_and_a_bad_claim_leaves_nothing(app, client, squatted):
    uscc, _ = squatted
    users, claims = _count(app, "ipservice.accounts.models.User"), \
        _count(app, "ipservice.organizations.models.OrganizationClaim")
    r = _post_claim(client, "xian", uscc, data=EXE, filename="licence.pdf", lang="en")
    assert r.status_code == 415 and "PDF" in r.get_json()["message"]
    r = _post_claim(client, "xian", uscc, data=None)
    assert r.status_code == 422
    r = _post_claim(client, "xian", uscc, password="12345678")
    assert r.status_code == 422 and "password" in r.get_json()["errors"]["form"]
    r = _post_claim(client, "xian", uscc, email="squatter@example.cn")
    assert r.status_code == 409 and "已被使用" not in r.get_json()["message"]
    assert _count(app, "ipservice.accounts.models.User") == users
    assert _count(app, "ipservice.organizations.models.OrganizationClaim") == claims


def test_only_the_tenants_bureau_sees_and_decides(client, bureau, enterprise, squatted):
    uscc, squatter = squatted
    claim = _post_claim(client, "xian", uscc).get_json()
    other_bureau = bureau("hebi")
    assert other_bureau.get(f"/t/xian/api/v1/organization-claims/{claim['id']}").status_code == 404
    assert other_bureau.get(f"/t/hebi/api/v1/organization-claims/{claim['id']}").status_code == 404
    assert other_bureau.post(f"/t/hebi/api/v1/organization-claims/{claim['id']}/decision",
                             json={"decision": "approve"}).status_code == 404
    e = Api(client, squatter["token"])
    assert e.get(CLAIMS.format("xian")).status_code == 403
    assert e.post(f"{CLAIMS.format('xian')}/{claim['id']}/decision",
                  json={"decision": "approve"}).status_code == 403
    assert client.get(CLAIMS.format("xian")).status_code == 401


def _mark(html):
    return html.count('class="badge unverified"')


def test_filings_of_unverified_organizations_are_marked_for_the_bureau(app, client, bureau, enterprise):
    e = enterprise("xian")
    b = bureau("xian")
    agency = b.post("/t/xian/api/v1/agencies", json={"name": "托管服务有限公司", "uscc": make_uscc(),
                                                      "contact": "王经理"}).get_json()
    enrollment = e.post("/t/xian/api/v1/custody-enrollments",
                        json=enrollment_body("xian", agency["id"])).get_json()
    record = submit(e, "xian")
    case = file_case(e, "xian")
    subsidy = filed(e, "xian", "xian-2017-pledge-risk-compensation", "2018-06-01", object_no=doc(),
                    base_amount_cny=1000)
    pages = ["/t/xian/custody-enrollments/", f"/t/xian/custody-enrollments/{enrollment['id']}",
             "/t/xian/certifications/",
             f"/t/xian/certifications/{record['id']}", "/t/xian/cases/", f"/t/xian/cases/{case['id']}",
             "/t/xian/subsidy-applications/", f"/t/xian/subsidy-applications/{subsidy['id']}"]
    apis = [f"/t/xian/api/v1/custody-enrollments/{enrollment['id']}",
            f"/t/xian/api/v1/certifications/{record['id']}",
            f"/t/xian/api/v1/cases/{case['id']}", f"/t/xian/api/v1/subsidy-applications/{subsidy['id']}"]
    for url in apis:  # every filing of every kind says whether its organization is verified (contract 1.2)
        assert b.get(url).get_json()["organization_verified"] is False, url
    for listing in ("custody-enrollments", "certifications", "cases", "subsidy-applications"):
        answer = b.get(f"/t/xian/api/v1/{listing}").get_json()
        items = answer["items"] if isinstance(answer, dict) else answer
        assert items and all(i["organization_verified"] is False for i in items), listing
    assert page_login(client, b.email).status_code == 302
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        assert _mark(r.get_data(as_text=True)) == 1, url
    # the decision form of a subsidy warns before money is approved for an unverified organization
    subsidy_page = f"/t/xian/subsidy-applications/{subsidy['id']}"
    assert "尚未经本局核实" in client.get(subsidy_page).get_data(as_text=True).split(
        'id="decision"')[1]
    # the enterprise itself does not see the mark
    owner = app.test_client()
    assert page_login(owner, e.info["email"]).status_code == 302
    assert _mark(owner.get(f"/t/xian/custody-enrollments/{enrollment['id']}").get_data(as_text=True)) == 0
    # the bureau verifies the organization on its page: the marks go
    org_page = client.get(f"/t/xian/organizations/{e.info['id']}")
    assert org_page.status_code == 200
    r = client.post(f"/t/xian/organizations/{e.info['id']}/verify",
                    data={"csrf_token": csrf_from(org_page.get_data(as_text=True))})
    assert r.status_code == 302
    for url in pages:
        assert _mark(client.get(url).get_data(as_text=True)) == 0, url
    for url in apis:
        assert b.get(url).get_json()["organization_verified"] is True, url
    assert b.post(f"/t/xian/api/v1/organizations/{e.info['id']}/verification").status_code == 409


def test_claim_and_decision_through_the_pages(app, client, bureau, squatted):
    uscc, _ = squatted
    page = client.get(f"/t/xian/claims/new?uscc={uscc}")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    form = {**_claim_form(uscc), "password_confirmation": "Qing-He-Bridge-1987",  # the page asks it twice
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "licence": (io.BytesIO(pdf_bytes()), "执照.pdf")}
    r = client.post("/t/xian/claims/new", data=form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    status_url = r.headers["Location"]
    assert "待审核" in client.get(status_url).get_data(as_text=True)
    b = bureau("xian")
    staff = app.test_client()
    assert page_login(staff, b.email).status_code == 302
    index = staff.get("/t/xian/organizations").get_data(as_text=True)
    assert "真实科技有限公司" in index
    enterprise_id = b.get("/t/xian/api/v1/organizations").get_json()[0]["id"]
    detail = staff.get(f"/t/xian/organizations/{enterprise_id}")
    html = detail.get_data(as_text=True)
    assert "real.owner@real-corp.cn" in html and "执照.pdf" in html
    claim_id = b.get(CLAIMS.format("xian")).get_json()[0]["id"]
    assert staff.get(f"/t/xian/claims/{claim_id}/licence").status_code == 200
    csrf = csrf_from(html)
    r = staff.post(f"/t/xian/claims/{claim_id}/decision", data={"csrf_token": csrf, "decision": "reject"})
    assert r.status_code == 422
    r = staff.post(f"/t/xian/claims/{claim_id}/decision", data={"csrf_token": csrf, "decision": "approve"})
    assert r.status_code == 200  # the result page: the code, shown this once
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', r.get_data(as_text=True)).group(1)
    assert "已批准" in client.get(status_url).get_data(as_text=True)
    assert "/t/xian/claims/complete" in client.get(status_url).get_data(as_text=True)
    claimant = app.test_client()
    assert page_login(claimant, "real.owner@real-corp.cn", "Qing-He-Bridge-1987").status_code == 403
    page = claimant.get("/t/xian/claims/complete")
    r = claimant.post("/t/xian/claims/complete", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                       "email": "real.owner@real-corp.cn",
                                                       "code": "WRONG-CODE"})
    assert r.status_code == 422
    r = claimant.post("/t/xian/claims/complete", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                       "email": "real.owner@real-corp.cn", "code": code})
    assert r.status_code == 302
    assert page_login(claimant, "real.owner@real-corp.cn", "Qing-He-Bridge-1987").status_code == 302
