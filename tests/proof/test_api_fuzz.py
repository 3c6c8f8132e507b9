"""schemathesis over ``/api/v1/openapi.json`` (issue 13), in-process against the WSGI app: for every
operation of the document a bounded number of generated requests (valid and invalid by the schema), sent
by a caller drawn from every role (anonymous, two enterprises of one tenant, a bureau of each of two
tenants, the cross-district admin) with real tenant slugs and, most of the time, real ids of real objects
in the path (tests/proof/world.py). Every answer: no 5xx, its status code, content type, headers and body
as the document declares them. Besides, every operation is called once on real objects with a valid body
(tests/proof/operations.py, issue 18): it succeeds and answers as declared, so that no operation is covered
only by refusals and 404s; the set of operations so called is the document's.

Reproducible: hypothesis is derandomized (the same examples every run) and keeps no database.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from tests.proof import world as W  # noqa: E402
from tests.proof.operations import CALLS, Real  # noqa: E402

EXAMPLES_PER_OPERATION = int(os.environ.get("IPSERVICE_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _operations() -> list[tuple[str, str]]:
    spec = W.collection_app().test_client().get("/api/v1/openapi.json").get_json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = _operations()


@pytest.fixture(autouse=True)
def clean_db():
    """The data lives for the module (``world``), not for one test."""
    yield


@pytest.fixture(scope="module")
def schema(app, world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@dataclass(frozen=True)
class Caller:
    role: str | None
    tenant: str | None
    party: str | None  # the enterprise it is
    token: str | None


def _callers(world: W.World) -> list[Caller]:
    return ([Caller(None, None, None, None)]
            + [Caller("enterprise", p.tenant, p.key, p.token) for p in world.parties.values()]
            + [Caller("bureau", t, None, token) for t, (_e, token) in world.bureaus.items()]
            + [Caller("cross_admin", None, None, world.cross_admin[1])])


SIGN_OUT = ("DELETE", "/api/v1/auth/token")


def _email_of(world: W.World, token: str) -> str:
    accounts = ([(p.email, p.token) for p in world.parties.values()] + list(world.bureaus.values())
                + [world.cross_admin])
    return next(email for email, t in accounts if t == token)


def _real_values(world: W.World, tenant: str, party: str | None, path: str) -> dict[str, list]:
    """Real values for the path parameters in ``tenant``: its objects (an enterprise caller: its own)."""
    parties = [p for p in world.parties.values() if p.tenant == tenant and (party is None or p.key == party)]
    values: dict[str, list] = {"tenant": [tenant]}
    for kind in world.kinds:
        values.setdefault(kind.detail_arg, []).extend(p.filings[kind.name] for p in parties)
    values["attachment_id"] = [a for p in parties for a in p.attachments.values()]
    values["agency_id"] = [world.agencies[tenant]] if tenant in world.agencies else []
    values["claim_id"] = [world.claims[tenant]] if tenant in world.claims else []
    values["enterprise_id"] = [p.enterprise_id for p in world.parties.values() if p.tenant == tenant]
    if tenant in world.kpi:
        values["code"] = [world.task[tenant] if "/tasks/" in path else world.kpi[tenant][0]]
        values["year"] = [world.kpi[tenant][1]]
    return {k: v for k, v in values.items() if v}


def _declared_roles(app, method: str, path: str):
    """The roles the route behind an OpenAPI path declares (``core.access``)."""
    from ipservice.core.access import declared_roles

    for rule in app.url_map.iter_rules():
        if re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule) == path and method in rule.methods:
            return declared_roles(app.view_functions[rule.endpoint], method) or frozenset()
    raise AssertionError(f"no route for {method} {path}")


PAGINATION_KEYS = {"total", "total_pages", "first_page", "last_page", "page", "previous_page", "next_page"}


def _pagination_is_json(response) -> None:
    """X-Pagination is JSON (declared with ``content``, which schemathesis does not check itself)."""
    import json

    value = response.headers.get("X-Pagination")
    if value is not None:
        meta = json.loads(value)
        assert set(meta) <= PAGINATION_KEYS and all(isinstance(v, int) for v in meta.values()), value


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(app, schema, world, method, path):
    from ipservice.tenants import registry

    operation = schema[path][method]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))
    callers, slugs = _callers(world), [t.slug for t in list(registry.of(app).values())]
    roles = _declared_roles(app, method, path)
    entitled = [c for c in callers if "anyone" in roles or c.role in roles]

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(data=st.data())
    def probe(data):
        case = data.draw(strategy, label="case")
        # mostly a caller the route is for, in its own tenant with its own objects; else anyone, anywhere
        coherent = bool(entitled) and data.draw(st.integers(0, 3), label="coherent?") > 0
        caller = data.draw(st.sampled_from(entitled if coherent else callers), label="caller")
        tenant = caller.tenant if coherent and caller.tenant else data.draw(st.sampled_from(slugs),
                                                                            label="tenant")
        real = _real_values(world, tenant, caller.party if coherent else None, path)
        for name in list(case.path_parameters or {}):
            if name in real and (name == "tenant" or data.draw(st.integers(0, 4), label=f"real {name}?")):
                case.path_parameters[name] = data.draw(st.sampled_from(real[name]), label=name)
        if isinstance(case.body, dict) and "agency_id" in case.body and "agency_id" in real:
            case.body["agency_id"] = real["agency_id"][0]
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if caller.token:
            token = caller.token
            if (method, path) == SIGN_OUT:  # it ends the token it is sent with: one of its own
                token = W.fresh_token(world.client, _email_of(world, caller.token))
            case.headers["Authorization"] = f"Bearer {token}"
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        _pagination_is_json(response)

    probe()


def test_every_operation_of_the_document_has_a_call_on_real_objects():
    """Issue 18: every operation is exercised on real objects (tests/proof/operations.py), not only by
    404s."""
    assert sorted(set(OPERATIONS) - set(CALLS)) == [], "operations without a call on real objects"
    assert sorted(set(CALLS) - set(OPERATIONS)) == [], "calls of operations the document no longer has"


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_on_real_objects(app, schema, world, method, path):
    """The operation called by a caller it is for, on real objects, with a valid body: it succeeds, and its
    answer is what the document declares (status, content type, body schema, X-Pagination)."""
    if (method, path) not in CALLS:
        pytest.fail(f"no call on real objects for {method} {path} in tests/proof/operations.py")
    client = app.test_client()
    call = CALLS[(method, path)](Real(app, client, world))
    url = path.format(**call.params)
    headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
    sent = ("multipart/form-data" if call.data is not None
            else "application/json" if call.json is not None else None)
    if sent:  # the body as the document declares it (evidence uploads were declared as url-encoded)
        request_body = schema.raw_schema["paths"][path][method.lower()].get("requestBody", {})
        assert sent in request_body.get("content", {}), (method, path, sent, request_body)
    if call.data is not None:
        r = client.open(url, method=method, data=call.data, content_type="multipart/form-data",
                        headers=headers)
    else:
        r = client.open(url, method=method, json=call.json, headers=headers)
    assert r.status_code == call.expect, (method, url, r.status_code, r.get_data(as_text=True)[:800])
    declared = schema.raw_schema["paths"][path][method.lower()]["responses"][str(r.status_code)]
    if r.status_code != 204:
        assert r.mimetype in declared.get("content", {}), (url, r.mimetype, list(declared.get("content", {})))
    schema[path][method].validate_response(r)
    _pagination_is_json(r)


JSON_BODY_OPERATIONS = [(m, p) for m, p in OPERATIONS if m in ("POST", "PUT")]


def test_integers_too_long_to_parse_are_400_on_every_json_operation(app, world):
    """Finding 6 on every operation with a JSON body, those added since included (the organizations' API
    was built on flask-smorest's own Blueprint, without the service's JSON parser: a 500)."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    huge = '{"decision": ' + "1" * 5000 + ', "value": ' + "1" * 5000 + "}"
    real = _real_values(world, W.HOME, None, "")
    callers = _callers(world)
    failures = []
    for method, path in JSON_BODY_OPERATIONS:
        body = spec["paths"][path][method.lower()].get("requestBody", {})
        if "application/json" not in body.get("content", {}):
            continue
        url = re.sub(r"{([^}]+)}", lambda m: str(real.get(m.group(1), ["x"])[0]), path)
        roles = _declared_roles(app, method, path)
        for caller in (c for c in callers
                       if c.tenant in (None, W.HOME) and ("anyone" in roles or c.role in roles)):
            headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
            r = app.test_client().open(url, method=method, data=huge, content_type="application/json",
                                       headers=headers)
            if r.status_code != 400:
                failures.append(f"{method} {url} as {caller.role}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_the_document_declares_what_real_answers_hold(app, schema, world):
    """Declarations schemathesis found wrong, checked on real answers: each filing kind's statistics key,
    the tenant's own fields at the top level of a filing, X-Pagination as JSON, every download's type."""
    admin, (_e, bureau) = world.cross_admin[1], world.bureaus[W.HOME]
    e1 = world.parties["E1"]
    probes = [("GET", "/api/v1/stats", "/api/v1/stats", admin)]
    for kind in world.kinds:
        collection = W.collection_rule(app, kind)
        path = re.sub(r"<([^>]+)>", r"{\1}", collection)
        probes.append(("GET", path, collection.replace("<tenant>", W.HOME), bureau))
        if kind.name in e1.attachments:
            file_path = f"{path}/{{{kind.detail_arg}}}/attachments/{{attachment_id}}"
            url = (f"{collection}/{e1.filings[kind.name]}/attachments/{e1.attachments[kind.name]}"
                   .replace("<tenant>", W.HOME))
            probes.append(("GET", file_path, url, bureau))
    probes.append(("GET", "/t/{tenant}/api/v1/organization-claims/{claim_id}/licence",
                   f"/t/{W.HOME}/api/v1/organization-claims/{world.claims[W.HOME]}/licence", bureau))
    for method, path, url, token in probes:
        r = app.test_client().open(url, method=method, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, (url, r.status_code)
        schema[path][method].validate_response(r)
        _pagination_is_json(r)
        declared = schema.raw_schema["paths"][path][method.lower()]["responses"]["200"].get("content", {})
        assert r.mimetype in declared, (url, r.mimetype, list(declared))
    assert "content" in schema.raw_schema["paths"]["/t/{tenant}/api/v1/cases"]["get"]["responses"]["200"][
        "headers"]["X-Pagination"]
