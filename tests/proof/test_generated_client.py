"""A client generated from the served OpenAPI document (issue 18, item 7): openapi-python-client turns
``GET /api/v1/openapi.json`` into a Python package, which — through its typed models only, over real HTTP
(threaded werkzeug on a loopback port, ``live_server``) — registers an enterprise, gets tokens, files a
filing of every kind, decides each as the bureau and reads each back.

"No untyped field" means, precisely:
- in the document: every property, array item and ``additionalProperties`` (where not ``false``) of every
  component schema states a ``type`` or a ``$ref``, or is an ``anyOf``/``oneOf``/``allOf`` whose branches
  each do (``test_every_schema_in_the_document_is_typed``);
- in the generated package: no attribute of any model class (the attrs fields, ``additional_properties``
  included) is annotated with ``Any`` (``test_the_generated_models_have_no_untyped_field``).
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests

from tests.certification.certification_helpers import body as cert_body
from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import DEMO_PASSWORD, create_user, make_uscc
from tests.custody.custody_helpers import TENANT_FIELDS
from tests.proof import world as W

pytest.importorskip("openapi_python_client", reason="openapi-python-client is in the test extra (setup.cfg)")

TENANT = W.HOME
PACKAGE = "ipservice_api_client"
# The downloads are files: the generator reads them as such (it knows application/octet-stream by name).
CONFIG = {"package_name_override": PACKAGE, "post_hooks": [], "content_type_overrides": {
    t: "application/octet-stream" for t in (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv", "application/pdf",
        "image/jpeg", "image/png", "application/zip")}}
ANY = re.compile(r"\bAny\b")


@pytest.fixture(scope="module")
def document(live_server) -> dict:
    r = requests.get(f"{live_server}/api/v1/openapi.json", timeout=30)
    assert r.status_code == 200
    return r.json()


@pytest.fixture(scope="module")
def generated(document, tmp_path_factory):
    """The package openapi-python-client generates from the served document (no warning allowed), imported."""
    root = tmp_path_factory.mktemp("generated-client")
    (root / "spec.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (root / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "spec.json",
                          "--config", "config.json", "--meta", "none", "--output-path", PACKAGE,
                          "--fail-on-warning"], cwd=root, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _untyped(schema, where: str) -> list[str]:
    if not isinstance(schema, dict) or not schema:  # true or {}: anything
        return [where]
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if branches:
        return [w for i, b in enumerate(branches) for w in _untyped(b, f"{where}/{i}")]
    if "$ref" in schema or "enum" in schema:  # named, or its values listed (the null branch: [null])
        return []
    if "type" not in schema:
        return [where]
    props = schema.get("properties", {})
    out = [w for name, prop in props.items() for w in _untyped(prop, f"{where}.{name}")]
    if schema["type"] == "array":
        out += _untyped(schema.get("items"), f"{where}[]")
    if schema["type"] == "object" and schema.get("additionalProperties", True) is not False:
        out += _untyped(schema.get("additionalProperties", True), f"{where}.additionalProperties")
    return out


def test_every_schema_in_the_document_is_typed(document):
    untyped = [w for name, s in document["components"]["schemas"].items() for w in _untyped(s, name)]
    assert not untyped, untyped


def test_the_generated_models_have_no_untyped_field(generated):
    import attrs

    models = importlib.import_module(f"{PACKAGE}.models")
    classes, untyped = 0, []
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"{models.__name__}.{info.name}")
        for cls in vars(module).values():
            if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == module.__name__:
                classes += 1
                untyped += [f"{cls.__name__}.{f.name}: {f.type}" for f in attrs.fields(cls)
                            if ANY.search(str(f.type))]
    assert classes > 50 and not untyped, untyped


class Operations:
    """The generated operations by their module name (``post_t_tenant_api_v1_cases`` …)."""

    def __getattr__(self, name):
        api = importlib.import_module(f"{PACKAGE}.api")
        for info in pkgutil.iter_modules(api.__path__):
            try:
                return importlib.import_module(f"{api.__name__}.{info.name}.{name}")
            except ModuleNotFoundError:
                continue
        raise AttributeError(name)


def _subsidy_body(app) -> dict:
    """The subsidy area's example application (tests/proof/world.py) for the tenant, as a plain dict, under a
    rule with fields of its own (they travel as the model's additional properties)."""
    return W._subsidy_example(TENANT, SimpleNamespace(client=SimpleNamespace(application=app)),
                              pick=lambda cfg: any(f.required for f in cfg.fields))


def test_a_generated_client_files_decides_and_reads_a_filing_of_every_kind(app, live_server, generated):
    from ipservice.core import filing

    M = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    op = Operations()
    anonymous = generated.Client(base_url=live_server, raise_on_unexpected_status=True)

    # an enterprise registers and signs in; the bureau (made by the operator's command) signs in
    email, password = "generated-client@xian.example.cn", "Qing-He-Bridge-1987"
    enterprise = op.post_t_tenant_api_v1_register.sync(TENANT, client=anonymous, body=M.Registration(
        name="生成客户端测试有限公司", uscc=make_uscc(), email=email, password=password, contact_name="张三",
        contact_phone="029-88886666"))
    assert isinstance(enterprise, M.Enterprise) and enterprise.id

    def signed_in(login: str, secret: str):
        token = op.post_api_v1_auth_token.sync(client=anonymous,
                                               body=M.TokenRequest(email=login, password=secret))
        assert isinstance(token, M.Token) and isinstance(token.expires_at, dt.datetime)
        return generated.AuthenticatedClient(base_url=live_server, token=token.token,
                                             raise_on_unexpected_status=True)

    me = signed_in(email, password)
    create_user(app, "generated-bureau@xian.gov.cn", "bureau", TENANT)
    bureau = signed_in("generated-bureau@xian.gov.cn", DEMO_PASSWORD)

    agency = op.post_t_tenant_api_v1_agencies.sync(TENANT, client=bureau, body=M.CustodyAgencyIn(
        name="生成客户端托管服务机构", uscc=make_uscc(), contact="李四 029-88880000"))
    agency = op.post_t_tenant_api_v1_agencies_agency_id_approval.sync(
        TENANT, agency.id, client=bureau, body=M.CustodyAgencyApprovalIn(approved=True))
    assert isinstance(agency, M.CustodyAgencyOut) and agency.approved is True

    # --- file one of every kind --------------------------------------------------------------------------
    custody = M.CustodyEnrollmentBase(
        enterprise_scale=M.CustodyEnrollmentBaseEnterpriseScale("small"), agency_id=agency.id,
        services=[M.CustodyEnrollmentBaseServicesItem("info_use")], start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31), government_purchased=True)
    custody.additional_properties.update(TENANT_FIELDS[TENANT])  # the tenant's own fields (GET /forms)
    custody = op.post_t_tenant_api_v1_custody_enrollments.sync(TENANT, client=me, body=custody)
    assert isinstance(custody, M.CustodyEnrollmentOut) and custody.status == "submitted"
    assert custody.extra.additional_properties == TENANT_FIELDS[TENANT]

    example = cert_body()
    certification = op.post_t_tenant_api_v1_certifications.sync(TENANT, client=me, body=M.CertificationBase(
        org_type=M.CertificationBaseOrgType("enterprise"), certificate_no=example["certificate_no"],
        certification_body=example["certification_body"], issued_on=dt.date(2018, 6, 1),
        expires_on=dt.date(2021, 5, 31), scope=example["scope"]))
    assert isinstance(certification, M.CertificationOut) and certification.status == M.CertificationOutStatus(
        "submitted")
    assert isinstance(certification.subsidy_estimate, M.CertificationEstimateOut)
    upload = op.post_t_tenant_api_v1_certifications_record_id_attachments.sync(
        TENANT, certification.id, client=me, body=M.CertificationUploadIn(file=types.File(
            payload=pdf_bytes(), file_name="certificate.pdf", mime_type="application/pdf")))
    assert isinstance(upload, M.AttachmentOut) and upload.size == len(pdf_bytes())

    from tests.cases.conftest import case_body

    example = case_body(TENANT)
    case = op.post_t_tenant_api_v1_cases.sync(TENANT, client=me, body=M.CaseBase(
        case_type=example["case_type"], ip_type=M.CaseBaseIpType(example["ip_type"]),
        right_number=example["right_number"], counterparty_name=example["counterparty_name"],
        summary=example["summary"], request=example["request"]))
    assert isinstance(case, M.CaseOut) and isinstance(case.enterprise, M.EnterpriseRefOut)
    assert case.enterprise.id == enterprise.id and isinstance(case.due, M.DueOut)

    example = _subsidy_body(app)
    subsidy = M.SubsidyApplicationBase(
        rule=example.pop("rule"), org_type=M.SubsidyApplicationBaseOrgType(example.pop("org_type")),
        basis_date=dt.date.fromisoformat(example.pop("basis_date")))
    for name in ("base_amount_cny", "patent_numbers", "pct_numbers", "object_no"):
        if name in example:
            setattr(subsidy, name, example.pop(name))
    assert example, "a rule with fields of its own"
    subsidy.additional_properties.update(example)  # the tenant's and the rule's own fields
    subsidy = op.post_t_tenant_api_v1_subsidy_applications.sync(TENANT, client=me, body=subsidy)
    assert isinstance(subsidy, M.SubsidyApplicationOut) and isinstance(subsidy.estimate, M.SubsidyEstimateOut)
    assert isinstance(subsidy.estimate.explanation, str) and isinstance(subsidy.rule_name, str)
    assert subsidy.extra.additional_properties == {k: v for k, v in example.items()}
    assert {k: subsidy.additional_properties[k] for k in example} == example  # at the top level too (1.1)

    # --- the bureau decides each -------------------------------------------------------------------------
    decided = op.post_t_tenant_api_v1_custody_enrollments_enrollment_id_decision.sync(
        TENANT, custody.id, client=bureau,
        body=M.CustodyDecisionIn(decision=M.CustodyDecisionInDecision("approve")))
    assert decided.status == "approved"
    decided = op.post_t_tenant_api_v1_certifications_record_id_decision.sync(
        TENANT, certification.id, client=bureau,
        body=M.CertificationDecisionIn(decision=M.CertificationDecisionInDecision("verify")))
    assert decided.status == M.CertificationOutStatus("verified")
    decided = op.post_t_tenant_api_v1_cases_case_id_transitions.sync(
        TENANT, case.id, client=bureau, body=M.TransitionIn(to=M.TransitionInTo("accepted"), note="受理"))
    assert decided.status == M.CaseOutStatus("accepted")
    estimate = subsidy.estimate.amount_cny
    granted = estimate if estimate is not None else 10000  # a rule without a set amount: the bureau says
    decided = op.post_t_tenant_api_v1_subsidy_applications_application_id_decision.sync(
        TENANT, subsidy.id, client=bureau,
        body=M.SubsidyDecisionIn(decision=M.SubsidyDecisionInDecision("approve"), amount_cny=granted))
    assert isinstance(decided, M.SubsidyDecisionOut) and decided.granted_cny == granted

    # --- the enterprise reads each back, one by one and in its lists -------------------------------------
    reads = {
        "custody": (op.get_t_tenant_api_v1_custody_enrollments_enrollment_id,
                    op.get_t_tenant_api_v1_custody_enrollments, custody.id, M.CustodyEnrollmentOut,
                    "approved"),
        "certification": (op.get_t_tenant_api_v1_certifications_record_id,
                          op.get_t_tenant_api_v1_certifications, certification.id, M.CertificationOut,
                          "verified"),
        "case": (op.get_t_tenant_api_v1_cases_case_id, op.get_t_tenant_api_v1_cases, case.id, M.CaseOut,
                 "accepted"),
        "subsidy": (op.get_t_tenant_api_v1_subsidy_applications_application_id,
                    op.get_t_tenant_api_v1_subsidy_applications, subsidy.id, M.SubsidyApplicationOut,
                    "approved"),
    }
    with app.app_context():
        assert set(reads) == {k.name for k in filing.kinds(app)}, "a filing kind this test does not file"
    for kind, (one, many, id_, model, status) in reads.items():
        got = one.sync(TENANT, id_, client=me)
        assert isinstance(got, model) and got.id == id_, kind
        assert getattr(got.status, "value", got.status) == status, kind
        listed = many.sync(TENANT, client=me)
        assert [type(x) for x in listed] == [model if model is not M.CaseOut else M.CaseListOut], kind
        assert listed[0].id == id_, kind
    got = op.get_t_tenant_api_v1_certifications_record_id.sync(TENANT, certification.id, client=me)
    assert [(a.id, a.filename) for a in got.attachments] == [(upload.id, upload.filename)]
    got = op.get_t_tenant_api_v1_subsidy_applications_application_id.sync(TENANT, subsidy.id, client=me)
    assert got.granted_cny == granted and isinstance(got.decided_at, dt.datetime)
    assert got.estimate.citation is None or isinstance(got.estimate.citation, M.SubsidyCitationOut)
