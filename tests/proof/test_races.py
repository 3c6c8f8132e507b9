"""Racing requests against the app served over real HTTP (tests/racing.py): for every filing kind with a
creating POST, 50 concurrent POSTs with one ``Idempotency-Key`` file exactly one filing and every answer is
that filing (or 409 "in progress" for a request that caught the first one in flight); and the uniqueness
rules that had no race test yet — a certificate number and an agency's USCC in a tenant — hold under
racing. (Raced elsewhere: one subsidy per organization and standard, tests/certification/
test_certification_races.py; custody periods, tests/custody/test_custody_races.py; first KPI/task PUT,
tests/test_no_server_errors.py; KPI edits, tests/kpi/test_kpi_editing.py; case numbers,
tests/cases/test_cases_concurrency.py; decisions and case moves, tests/test_robustness.py and
tests/cases/test_cases_workflow.py; registration, tests/test_robustness.py.)"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ipservice.core import filing

from tests.conftest import Api, create_user, make_uscc, register_enterprise
from tests.proof import world as W
from tests.racing import bearer, race

RACERS = 50
KINDS = [k.name for k in filing.kinds(W.collection_app())]


def _audit_count(app, tenant: str, action: str, object_id: str) -> int:
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == object_id))


@pytest.mark.parametrize("kind_name", KINDS)
def test_fifty_concurrent_posts_with_one_idempotency_key_file_once(app, client, live_server, kind_name):
    kind = filing.kind(kind_name, app)
    tenant = W.HOME
    create_user(app, "race-bureau@xian.gov.cn", "bureau", tenant)
    helper = register_enterprise(client, tenant)  # the areas' demo loaders make what a filing needs
    W._run_demo_loaders(app, tenant, "race-bureau@xian.gov.cn", helper["email"])
    info = register_enterprise(client, tenant)
    assert kind.name in W.EXAMPLES, \
        f"filing kind {kind.name!r}: add a valid body to tests/proof/world.py EXAMPLES"
    body = W.EXAMPLES[kind.name](tenant, Api(client, info["token"]))
    path = W.collection_rule(app, kind).replace("<tenant>", tenant)
    headers = {**bearer(info["token"]), "Idempotency-Key": f"race-{kind.name}"}

    results = race(live_server, [("POST", path, headers, body) for _ in range(RACERS)])

    codes = [code for code, _b in results]
    assert set(codes) <= {201, 409} and 201 in codes, codes
    ids = {b["id"] for code, b in results if code == 201}
    assert len(ids) == 1, ids
    assert all("Idempotency-Key" in b["message"] for code, b in results if code == 409)
    filed = W._filings_of(app, kind, tenant, info["id"])
    assert filed == list(ids)
    assert _audit_count(app, tenant, f"{kind.object_type}.submitted", filed[0]) == 1
    # and a retry afterwards replays the same answer
    again = client.post(path, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] in ids


def test_racing_one_certificate_number_from_several_organizations_files_it_once(client, live_server):
    from tests.certification.certification_helpers import body as cert_body

    racers = [register_enterprise(client, "hebi") for _ in range(8)]
    body = cert_body(certificate_no="165IP18RACE01R0M")
    results = race(live_server, [("POST", "/t/hebi/api/v1/certifications", bearer(e["token"]), body)
                                 for e in racers])
    assert sorted(code for code, _b in results) == [201] + [409] * (len(racers) - 1), results
    assert all("certificate_no" in b["errors"]["json"] for code, b in results if code == 409)


def test_racing_agencies_with_one_uscc_add_one(app, client, live_server):
    create_user(app, "race-bureau@hebi.gov.cn", "bureau", "hebi")
    from tests.conftest import token_for

    token = token_for(client, "race-bureau@hebi.gov.cn")
    body = {"name": "竞速托管服务有限公司", "uscc": make_uscc(), "contact": "王经理 029-81234567"}
    results = race(live_server, [("POST", "/t/hebi/api/v1/agencies", bearer(token), body) for _ in range(10)])
    assert sorted(code for code, _b in results) == [201] + [409] * 9, results
    assert sum(a["uscc"] == body["uscc"] for a in client.get("/t/hebi/api/v1/agencies").get_json()) == 1


def test_racing_decisions_on_one_organization_claim_and_verifications_apply_once(app, client, live_server):
    """The organizations' conditional writes (issue 13, finding 13) under racing: one decision of a claim,
    one verification of an organization; the others 409, never a second audit event."""
    import io

    from tests.conftest import token_for

    create_user(app, "race-bureau@xian.gov.cn", "bureau", W.HOME)
    token = token_for(client, "race-bureau@xian.gov.cn")
    squatted = register_enterprise(client, W.HOME)
    r = client.post(f"/t/{W.HOME}/api/v1/organization-claims", content_type="multipart/form-data", data={
        "name": "真实科技有限公司", "uscc": squatted["uscc"], "email": "race-claimant@real-corp.cn",
        "password": "Qing-He-Bridge-1987", "contact_name": "陈七", "contact_phone": "029-86668888",
        "licence": (io.BytesIO(W.PNG), "licence.png")})
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()["id"]
    decisions = [{"decision": "approve"} if i % 2 else {"decision": "reject", "reason": "营业执照不清晰"}
                 for i in range(10)]
    results = race(live_server, [("POST", f"/t/{W.HOME}/api/v1/organization-claims/{claim}/decision",
                                  bearer(token), d) for d in decisions])
    assert sorted(code for code, _b in results) == [200] + [409] * 9, results
    assert _audit_like(app, "organization.claim_approved", claim) + _audit_like(
        app, "organization.claim_rejected", claim) == 1

    other = register_enterprise(client, W.HOME)
    results = race(live_server, [("POST", f"/t/{W.HOME}/api/v1/organizations/{other['id']}/verification",
                                  bearer(token), {}) for _ in range(10)])
    assert sorted(code for code, _b in results) == [200] + [409] * 9, results
    assert _audit_like(app, "organization.verified", other["id"]) == 1


def _audit_like(app, action: str, object_id: str) -> int:
    return _audit_count(app, W.HOME, action, object_id)
