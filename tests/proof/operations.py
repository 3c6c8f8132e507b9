"""Every operation of the OpenAPI document as one call on real objects that succeeds (issue 18: no operation
covered only by 404s): who calls, which real ids fill the path, which valid body it sends, and the success
status the document promises. Reads use the world's objects (tests/proof/world.py); a call that changes
state works on an object of its own, filed or registered just before (the fuzzing may have decided the
world's filings already).

``CALLS`` is keyed by ``(METHOD, OpenAPI path)``; test_api_fuzz.py checks that its keys are exactly the
document's operations, so an operation added later without a call here fails that test by name.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import DEMO_PASSWORD, Api, make_uscc, register_enterprise
from tests.proof import world as W

TENANT = W.HOME
HERE = {"tenant": TENANT}
T = "/t/{tenant}/api/v1"
PNG = W.PNG
_SERIAL = itertools.count(1)


@dataclass
class Call:
    token: str | None
    params: dict = field(default_factory=dict)  # path parameters
    json: dict | None = None
    data: dict | None = None  # multipart form (files as (stream, name))
    expect: int = 200


class Real:
    """The world, and fresh objects where a call changes state."""

    def __init__(self, app, client, world: W.World):
        self.app, self.client, self.world = app, client, world
        self.e1 = world.parties["E1"]
        self.bureau = world.bureaus[TENANT][1]
        self.admin = world.cross_admin[1]

    def kind(self, name: str):
        return next(k for k in self.world.kinds if k.name == name)

    def params(self, kind: str, attachment: bool = False) -> dict:
        k = self.kind(kind)
        out = {"tenant": TENANT, k.detail_arg: self.e1.filings[kind]}
        if attachment:
            out["attachment_id"] = self.e1.attachments[kind]
        return out

    def body(self, kind: str, token: str | None = None) -> dict:
        return W.EXAMPLES[kind](TENANT, Api(self.client, token or self.e1.token))

    def newcomer(self) -> str:
        """A token of an enterprise registered now (one custody enrollment per period and enterprise…)."""
        return register_enterprise(self.client, TENANT, name=f"真实调用单位{next(_SERIAL)}")["token"]

    def fresh(self, kind: str) -> tuple[dict, str]:
        """A filing filed now by an enterprise registered now: its path parameters and the owner's token."""
        k, token = self.kind(kind), self.newcomer()
        r = Api(self.client, token).post(W.collection_rule(self.app, k).replace("<tenant>", TENANT),
                                         json=self.body(kind, token))
        assert r.status_code == 201, (kind, r.get_json())
        return {"tenant": TENANT, k.detail_arg: r.get_json()["id"]}, token

    @staticmethod
    def agency_body() -> dict:
        return {"name": f"真实调用托管机构{next(_SERIAL)}", "uscc": make_uscc(),
                "contact": "赵六 029-86661111"}

    def fresh_agency(self) -> str:
        r = Api(self.client, self.bureau).post(f"/t/{TENANT}/api/v1/agencies", json=self.agency_body())
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def newcomer_uscc(self) -> str:
        """The USCC of an organization registered now (a claim names one someone registered)."""
        return register_enterprise(self.client, TENANT, name=f"被认领单位{next(_SERIAL)}")["uscc"]

    def fresh_claim(self) -> str:
        return self.fresh_claim_of()[0]

    def fresh_claim_of(self) -> tuple[str, str]:
        """A claim filed now: its id and the claimant's e-mail."""
        form = self.claim_form(self.newcomer_uscc())
        r = self.client.post(f"/t/{TENANT}/api/v1/organization-claims", content_type="multipart/form-data",
                             data=form)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"], form["email"]

    def approved_claim_code(self) -> dict:
        """A claim approved now: the e-mail and code that complete it."""
        claim_id, email = self.fresh_claim_of()
        r = Api(self.client, self.bureau).post(f"/t/{TENANT}/api/v1/organization-claims/{claim_id}/decision",
                                               json={"decision": "approve"})
        assert r.status_code == 200, r.get_json()
        return {"email": email, "code": r.get_json()["verification_code"]}

    def fresh_erasure_request(self) -> str:
        """An erasure request made now by an organization registered now, which has a case being worked: the
        retention rule keeps the case's text, so the request may be rejected (citing it) as well as
        approved."""
        _params, token = self.fresh("case")
        r = Api(self.client, token).post("/api/v1/me/erasure-request", json={"reason": "不再使用"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    @staticmethod
    def claim_form(uscc: str) -> dict:
        return {"name": "认领人填写的单位名称", "uscc": uscc,
                "email": f"claimant{next(_SERIAL)}@xian.example.cn",
                "password": "Qing-He-Bridge-1987", "contact_name": "陈七", "contact_phone": "029-86668888",
                "licence": (io.BytesIO(PNG), "licence.png")}


def _pdf():
    return {"file": (io.BytesIO(pdf_bytes()), "scan.pdf")}


def _kpi_call(r: Real) -> Call:
    code, year = r.world.kpi[TENANT]
    rows = r.client.get(f"/t/{TENANT}/api/v1/kpis").get_json()
    actual = next((a for k in rows if k["code"] == code for a in k["actuals"] if a["year"] == year), None)
    body = {"value": 12, "note": "真实编号的调用"}  # a whole number: the indicator may be a count
    if actual is not None and actual.get("version") is not None:
        body["version"] = actual["version"]
    return Call(r.bureau, {"tenant": TENANT, "code": code, "year": year}, json=body)


def _task_call(r: Real) -> Call:
    code = r.world.task[TENANT]
    task = next(t for t in r.client.get(f"/t/{TENANT}/api/v1/tasks").get_json() if t["code"] == code)
    return Call(r.bureau, {"tenant": TENANT, "code": code},
                json={"status": "in_progress", "note": "推进中", "version": task["version"]})


def _password_call(r: Real) -> Call:
    someone = register_enterprise(r.client, TENANT, name=f"改密码单位{next(_SERIAL)}")
    body = {"current_password": DEMO_PASSWORD, "new_password": "Yan-Ta-Road-2031"}
    return Call(someone["token"], json=body, expect=204)


def _reset_confirmation(r: Real) -> Call:
    """A new password with the token of the link just mailed to an enterprise registered now (the token made
    as the mail job makes it, from the stored link's id)."""
    from sqlalchemy import select

    from ipservice.accounts import recovery
    from ipservice.accounts.models import AccountLink, User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    someone = register_enterprise(r.client, TENANT, name=f"重置密码单位{next(_SERIAL)}")
    assert r.client.post("/api/v1/auth/password-reset", json={"email": someone["email"]}).status_code == 202
    with r.app.app_context(), cross_tenant("test: the link just mailed"):
        link_id = db.session.scalar(select(AccountLink.id).join(User, User.id == AccountLink.user_id).where(
            User.email == someone["email"], AccountLink.purpose == recovery.RESET,
            AccountLink.used_at.is_(None)))
        token = recovery.token_of(link_id)
    return Call(None, json={"token": token, "password": "Yan-Ta-Road-2032"})


def _token_of_someone(r: Real) -> str:
    """A token of an enterprise registered now (a call that revokes it revokes nobody else's)."""
    return register_enterprise(r.client, TENANT, name=f"令牌单位{next(_SERIAL)}")["token"]


def _revoke_one(r: Real) -> Call:
    token = _token_of_someone(r)
    own = Api(r.client, token).get("/api/v1/auth/tokens").get_json()
    return Call(token, {"token_id": own[0]["id"]}, expect=204)


def _registration(r: Real) -> Call:
    n = next(_SERIAL)
    return Call(None, dict(HERE), json={
        "name": f"真实调用注册单位{n}", "uscc": make_uscc(), "email": f"real{n}@xian.example.cn",
        "password": "Qing-He-Bridge-1987", "contact_name": "王五", "contact_phone": "029-86660000"},
        expect=201)


def _exports(collection: str) -> dict:
    return {("GET", f"{T}/{collection}.{fmt}"): (lambda r: Call(r.bureau, dict(HERE)))
            for fmt in ("xlsx", "csv")}


def _created(r: Real, kind: str) -> Call:
    token = r.newcomer()
    return Call(token, dict(HERE), json=r.body(kind, token), expect=201)


def _filing_kind(kind: str, collection: str, arg: str, decision: dict, attachments: bool) -> dict:
    base = f"{T}/{collection}"
    one = f"{base}/{{{arg}}}"
    calls = {
        ("GET", base): lambda r: Call(r.e1.token, dict(HERE)),
        ("POST", base): lambda r: _created(r, kind),
        ("GET", one): lambda r: Call(r.bureau, r.params(kind)),
        **_exports(collection),
    }
    verb, body = next(iter(decision.items()))
    calls[("POST", f"{one}/{verb}")] = lambda r: Call(r.bureau, r.fresh(kind)[0], json=body)
    if attachments:
        calls[("GET", f"{one}/attachments")] = lambda r: Call(r.e1.token, r.params(kind))
        calls[("POST", f"{one}/attachments")] = lambda r: Call(*reversed(r.fresh(kind)), data=_pdf(),
                                                                expect=201)
        calls[("GET", f"{one}/attachments/{{attachment_id}}")] = lambda r: Call(r.bureau,
                                                                                r.params(kind, True))
    return calls


def _get(path: str, who=lambda r: None) -> dict:
    return {("GET", f"{T}/{path}"): lambda r: Call(who(r), dict(HERE))}


def _claim(r: Real, claim_id: str) -> dict:
    return {"tenant": TENANT, "claim_id": claim_id}


BUREAU, OWNER = (lambda r: r.bureau), (lambda r: r.e1.token)

CALLS = {
    ("GET", "/api/v1/health"): lambda r: Call(None),
    ("GET", "/api/v1/tenants"): lambda r: Call(None),
    ("GET", "/api/v1/stats"): lambda r: Call(r.admin),
    ("POST", "/api/v1/auth/token"): lambda r: Call(None, json={"email": r.e1.email,
                                                                "password": DEMO_PASSWORD}),
    ("POST", "/api/v1/auth/password"): _password_call,
    ("POST", "/api/v1/auth/password-reset"): lambda r: Call(None, json={"email": r.e1.email}, expect=202),
    ("POST", "/api/v1/auth/password-reset/confirm"): _reset_confirmation,
    ("DELETE", "/api/v1/auth/token"): lambda r: Call(_token_of_someone(r), expect=204),
    ("GET", "/api/v1/auth/tokens"): lambda r: Call(_token_of_someone(r)),
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): _revoke_one,
    ("GET", "/api/v1/health/ready"): lambda r: Call(None),
    ("POST", f"{T}/register"): _registration,
    **_get("forms"), **_get("policy"), **_get("kpis"), **_get("kpis.xlsx"), **_get("tasks"),
    **_get("subsidy-rules"), **_get("agencies"),
    **_get("dashboard", BUREAU), **_get("my", OWNER), **_get("audit", BUREAU),
    **_get("subsidy-liability", BUREAU), **_get("organization-claims", BUREAU),
    **_get("organizations", BUREAU),
    ("PUT", f"{T}/kpis/{{code}}/actuals/{{year}}"): _kpi_call,
    ("PUT", f"{T}/tasks/{{code}}"): _task_call,
    ("POST", f"{T}/agencies"): lambda r: Call(r.bureau, dict(HERE), json=r.agency_body(), expect=201),
    # the fuzzing may withdraw the world's agency: a fresh one
    ("GET", f"{T}/agencies/{{agency_id}}"): lambda r: Call(None, {**HERE, "agency_id": r.fresh_agency()}),
    ("POST", f"{T}/agencies/{{agency_id}}/approval"): lambda r: Call(
        r.bureau, {**HERE, "agency_id": r.world.agencies[TENANT]}, json={"approved": True}),
    **_filing_kind("custody", "custody-enrollments", "enrollment_id", {"decision": {"decision": "approve"}},
                   False),
    **_filing_kind("certification", "certifications", "record_id", {"decision": {"decision": "verify"}},
                   True),
    **_filing_kind("subsidy", "subsidy-applications", "application_id", {"decision": {"decision": "approve"}},
                   True),
    **_filing_kind("case", "cases", "case_id", {"transitions": {"to": "accepted", "note": "受理"}}, True),
    ("POST", f"{T}/subsidy-estimate"): lambda r: Call(r.e1.token, dict(HERE), json=r.body("subsidy")),
    ("POST", f"{T}/organization-claims"): lambda r: Call(
        None, dict(HERE), data=r.claim_form(r.newcomer_uscc()), expect=201),
    ("GET", f"{T}/organization-claims/{{claim_id}}"): lambda r: Call(
        r.bureau, _claim(r, r.world.claims[TENANT])),
    ("GET", f"{T}/organization-claims/{{claim_id}}/licence"): lambda r: Call(
        r.bureau, _claim(r, r.world.claims[TENANT])),
    ("POST", f"{T}/organization-claims/{{claim_id}}/decision"): lambda r: Call(
        r.bureau, _claim(r, r.fresh_claim()), json={"decision": "reject", "reason": "材料不符"}),
    ("POST", f"{T}/organization-claims/completion"): lambda r: Call(None, dict(HERE),
                                                                    json=r.approved_claim_code()),
    ("GET", "/api/v1/notifications"): lambda r: Call(r.e1.token),
    ("GET", f"{T}/exports"): lambda r: Call(r.bureau, HERE),
    ("GET", f"{T}/exports/{{export_id}}"): lambda r: Call(r.bureau,
                                                          {**HERE, "export_id": r.world.exports[TENANT]}),
    ("GET", f"{T}/exports/{{export_id}}/file"): lambda r: Call(
        r.bureau, {**HERE, "export_id": r.world.exports[TENANT]}),
    ("POST", "/api/v1/notifications/{notification_id}/read"): lambda r: Call(
        r.e1.token, {"notification_id": r.e1.notification}),
    ("POST", f"{T}/organizations/{{enterprise_id}}/verification"): lambda r: Call(
        r.bureau, {**HERE, "enterprise_id": register_enterprise(r.client, TENANT, name="待核实单位")["id"]}),
    # imports from a page (issue 21): a ledger queued, and the world's import: its progress, its report
    ("POST", f"{T}/imports"): lambda r: Call(r.bureau, dict(HERE), data=W.ledger_form(), expect=202),
    ("GET", f"{T}/imports/{{import_id}}"): lambda r: Call(r.bureau,
                                                          {**HERE, "import_id": r.world.imports[TENANT]}),
    ("GET", f"{T}/imports/{{import_id}}/report.csv"): lambda r: Call(r.bureau,
                                                                     {**HERE,
                                                                      "import_id": r.world.imports[TENANT]}),
    ("GET", f"{T}/imports/{{import_id}}/report.xlsx"): lambda r: Call(r.bureau,
                                                                      {**HERE,
                                                                       "import_id": r.world.imports[TENANT]}),
    # personal data (issue 22): the caller's own, and the bureau's decisions on a request made now
    **_get("privacy-notice"), **_get("erasure-requests", BUREAU), **_get("accesses", BUREAU),
    ("GET", "/api/v1/me/data"): lambda r: Call(r.e1.token),
    ("GET", "/api/v1/me/accesses"): lambda r: Call(r.e1.token),
    ("GET", "/api/v1/me/privacy-notice"): lambda r: Call(r.e1.token),
    ("POST", "/api/v1/me/privacy-notice"): lambda r: Call(r.e1.token, json={"version": 1}),
    ("PUT", "/api/v1/me/contact"): lambda r: Call(r.e1.token, json={"contact_name": "李四",
                                                                    "contact_phone": "029-88886666"}),
    ("POST", "/api/v1/me/erasure-request"): lambda r: Call(r.newcomer(), json={"reason": "不再使用"},
                                                           expect=201),
    ("POST", f"{T}/erasure-requests/{{request_id}}/decision"): lambda r: Call(
        r.bureau, {**HERE, "request_id": r.fresh_erasure_request()},
        json={"decision": "reject", "reason": "保存期限内的案件材料"}),
}
