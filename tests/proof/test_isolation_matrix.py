"""The isolation matrix (issue 13): every route of ``app.url_map`` and method × every kind of caller
(anonymous, an enterprise, another enterprise of the same tenant, the tenant's bureau, another tenant's
bureau, the cross-district admin) × a resource of this tenant's enterprise, another enterprise's and
another tenant's (addressed under its own tenant, and its ids smuggled under this tenant's URL).

The expected answer derives from the route's declared access (``core.access.declared_roles``): anonymous →
401 (API) or the login page; wrong role → 403; another tenant's user → 404; another enterprise's filing or
an id of another tenant → 404, another user's API token → 404;
otherwise the route answers (GET: 200). No answer is ever a 5xx, and no body
shows another party's markers (its name, USCC, e-mail, filing and attachment ids). POST/PUT send an empty
body: refused (4xx, the login page for anonymous pages) across every boundary, never a 2xx.

One app, one set of data (tests/proof/world.py), in-process with the Flask test client; one test per route
and method, whose failure lists every (actor, resource) that went wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ipservice.core.access import ANYONE, BUILTIN_PUBLIC, declared_roles
from tests.conftest import bearer, csrf_from
from tests.proof import world as W


def _routes() -> list[tuple[str, str, str]]:
    """(rule, endpoint, method) of every route, read from an app built for collection only. An old page URL
    that only redirects to where its page moved (issue 19: ``moved_to``) answers nothing of its own: its
    target is probed here, the redirect itself by each kind's page tests."""
    app = W.collection_app()
    rules = sorted((r for r in app.url_map.iter_rules()
                    if not hasattr(app.view_functions[r.endpoint], "moved_to")),
                   key=lambda r: (r.rule, r.endpoint))
    return [(r.rule, r.endpoint, m) for r in rules for m in sorted(r.methods - {"HEAD", "OPTIONS"})]


ROUTES = _routes()


@dataclass(frozen=True)
class Actor:
    name: str
    role: str | None  # None: anonymous
    tenant: str | None
    party: str | None  # the enterprise it is (E1, E2, H1)
    sees: frozenset  # the parties whose markers it may see


ACTORS = (
    Actor("anonymous", None, None, None, frozenset()),
    Actor("enterprise", "enterprise", W.HOME, "E1", frozenset({"E1"})),
    Actor("other_enterprise", "enterprise", W.HOME, "E2", frozenset({"E2"})),
    Actor("bureau", "bureau", W.HOME, None, frozenset({"E1", "E2"})),
    Actor("other_tenant_bureau", "bureau", W.OTHER, None, frozenset({"H1"})),
    Actor("cross_admin", "cross_admin", None, None, frozenset()),
)


@dataclass(frozen=True)
class Resource:
    name: str
    tenant: str  # the tenant in the URL
    ids: str  # the tenant whose objects fill the ids
    owner: str  # the enterprise whose objects fill the ids


RESOURCES = (
    Resource("own", W.HOME, W.HOME, "E1"),
    Resource("other_enterprise", W.HOME, W.HOME, "E2"),
    Resource("other_tenant", W.OTHER, W.OTHER, "H1"),
    Resource("foreign_id", W.HOME, W.OTHER, "H1"),  # another tenant's ids under this tenant's URL
)

# Route variables that name an object of one tenant (the filing kinds' ``detail_arg``s are added at run
# time); those owned by one enterprise are the filing ids and their attachments.
TENANT_OBJECT_VARS = {"agency_id", "claim_id", "enterprise_id", "attachment_id", "request_id", "export_id",
                      "import_id"}


def _kind_for(var: str, endpoint: str, kinds):
    """The filing kind a route variable names: its ``detail_arg``; where kinds share one, the kind whose
    blueprint serves the route (pages ``custody.*``, API ``api_custody.*``)."""
    matches = [k for k in kinds if k.detail_arg == var]
    if len(matches) > 1:
        bp = endpoint.split(".")[0].removeprefix("api_")
        matches = [k for k in matches if k.detail_endpoint.split(".")[0] == bp]
    return matches[0] if len(matches) == 1 else None


def fill(rule: str, endpoint: str, variables, res: Resource, world: W.World) -> dict:
    """Real values for the route's variables. Filing ids (and their attachments) come from the registry;
    the rest cannot be filled generically and is the explicit table below: an agency, a claim and an
    enterprise (objects of one tenant, not of one enterprise); a KPI code with a target year, a task code
    (the tenant's published configuration, the same for every caller: filled from the URL's tenant);
    the export format; a static file; a subsidy rule (the tenant's published programme)."""
    owner = world.parties[res.owner]
    values, kind = {}, None
    for var in variables:
        k = _kind_for(var, endpoint, world.kinds)
        if k is not None:
            kind = k
            values[var] = owner.filings[k.name]
    table = {
        "tenant": lambda: res.tenant,
        "agency_id": lambda: world.agencies[res.ids],
        "claim_id": lambda: world.claims[res.ids],
        "request_id": lambda: world.erasure_requests[res.ids],
        # an export job of the tenant's bureau (built: its file can be downloaded)
        "export_id": lambda: world.exports[res.ids],
        "import_id": lambda: world.imports[res.ids],
        "kind": lambda: "case",  # an import template's kind
        "enterprise_id": lambda: owner.enterprise_id,
        "code": lambda: world.task[res.tenant] if "task" in endpoint.lower() else world.kpi[res.tenant][0],
        "year": lambda: world.kpi[res.tenant][1],
        # a funded rule of the tenant's subsidy programme (tenants/<slug>/subsidies.toml)
        "rule_code": lambda: world.subsidy_rule[res.tenant],
        # an API token of the resource's enterprise (its owner alone may revoke it)
        "token_id": lambda: W.spare_token_id(world.client, owner.email),
        # a notification of the resource's enterprise (its user alone reads and marks it)
        "notification_id": lambda: owner.notification,
        # a mailed reset or verification link of the resource's enterprise (whoever holds it may open it)
        "token": lambda: W.link_token(world.client, owner.email,
                                      "verify" if "verify" in endpoint else "reset"),
        "fmt": lambda: "xlsx",
        "filename": lambda: "css/app.css",
    }
    for var in variables:
        if var in values:
            continue
        if var == "attachment_id":
            assert kind is not None and kind.name in owner.attachments, f"{rule}: attachment of which filing?"
            values[var] = owner.attachments[kind.name]
        elif var in table:
            values[var] = table[var]()
        else:
            raise AssertionError(f"{rule}: the matrix cannot fill <{var}>; add it to fill() in {__file__}")
    return values


def expected(roles, is_api: bool, url_tenant: str | None, actor: Actor, res: Resource, variables, kinds):
    """401 / 'login' / 403 / 404 / 'ok' for this caller on this route and resource."""
    if roles is not None and ANYONE not in roles:
        if actor.role is None:
            return 401 if is_api else "login"
        if url_tenant and actor.tenant and actor.tenant != url_tenant:
            return 404
        if actor.role not in roles:
            return 403
        if url_tenant and actor.tenant != url_tenant:
            return 404
    if ("token_id" in variables or "notification_id" in variables) and actor.party != res.owner:
        return 404  # a token or a notification is its user's: anyone else's id is unknown
    filing_vars = {k.detail_arg for k in kinds}
    object_vars = set(variables) & (TENANT_OBJECT_VARS | filing_vars)
    if object_vars and res.ids != res.tenant:
        return 404
    owned = set(variables) & (filing_vars | {"attachment_id"})
    if owned and actor.role == "enterprise" and actor.party != res.owner:
        return 404
    return "ok"


@pytest.fixture(autouse=True)
def clean_db():
    """The matrix's data lives for the module (``world``, tests/proof/conftest.py), not for one test."""
    yield


@pytest.fixture(scope="module")
def sessions(app, world):
    """A signed-in browser session per actor: [e-mail, client, CSRF token]."""
    return {a.name: [_email(world, a), *W.page_client(app, _email(world, a))] for a in ACTORS}


def _email(w, actor: Actor):
    if actor.role is None:
        return None
    if actor.party:
        return w.parties[actor.party].email
    if actor.role == "bureau":
        return w.bureaus[actor.tenant][0]
    return w.cross_admin[0]


def _token(w, actor: Actor):
    if actor.role is None:
        return None
    if actor.party:
        return w.parties[actor.party].token
    if actor.role == "bureau":
        return w.bureaus[actor.tenant][1]
    return w.cross_admin[1]


SIGN_OUT = "/api/v1/auth/token"


def _send(app, w, sessions, actor: Actor, method: str, url: str, is_api: bool):
    write = method in ("POST", "PUT", "PATCH", "DELETE")
    if is_api:
        token = _token(w, actor)
        if token and method == "DELETE" and url == SIGN_OUT:  # the route ends the token it is sent with
            token = W.fresh_token(w.client, _email(w, actor))
        return app.test_client().open(url, method=method, headers=bearer(token) if token else {},
                                      json={} if write else None)
    email, client, csrf = sessions[actor.name]
    r = client.open(url, method=method, data={"csrf_token": csrf} if write else None)
    if write:  # the write may have ended the session (logout) or renewed its CSRF token
        page = client.get("/account/password" if email else "/login")
        if page.status_code == 200:
            sessions[actor.name][2] = csrf_from(page.get_data(as_text=True))
        else:
            sessions[actor.name] = [email, *W.page_client(app, email)]
    return r


@pytest.mark.parametrize("rule, endpoint, method", ROUTES, ids=[f"{m} {r}" for r, _e, m in ROUTES])
def test_route_isolation(app, world, sessions, rule, endpoint, method):
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule and r.endpoint == endpoint)
    view = app.view_functions[endpoint]
    roles = None if endpoint in BUILTIN_PUBLIC else declared_roles(view, method)
    variables = sorted(url_rule.arguments)
    is_api = "/api/" in rule
    write = method != "GET"
    failures, seen = [], set()
    for res in RESOURCES:
        values = fill(rule, endpoint, variables, res, world)
        url = url_rule.build(values, append_unknown=False)[1]
        if url in seen:
            continue  # no object in the route: this resource is the same URL as one already probed
        seen.add(url)
        url_tenant = values.get("tenant")
        hidden = {m for p in world.parties.values() for m in p.markers if m not in url}
        for actor in ACTORS:
            want = expected(roles, is_api, url_tenant, actor, res, variables, world.kinds)
            r = _send(app, world, sessions, actor, method, url, is_api)
            where = f"{method} {url} ({rule}) as {actor.name} on {res.name}"
            got = r.status_code
            if got >= 500:
                failures.append(f"{where}: {got} {r.get_data(as_text=True)[:200]}")
                continue
            if want == "login":
                if not (got in (302, 303) and "/login" in r.headers.get("Location", "")):
                    failures.append(f"{where}: expected the login page, got {got}")
            elif want in (401, 403) or (want == 404 and not write):
                if got != want:
                    failures.append(f"{where}: expected {want}, got {got}")
            # a write across a boundary: refused, whatever the body
            elif want == 404 and not 400 <= got < 500:
                failures.append(f"{where}: expected a refusal (4xx), got {got}")
            elif want == "ok" and not write and not (got == 200 or not is_api and got in (302, 303)
                                                      and "/login" not in r.headers.get("Location", "")):
                failures.append(f"{where}: expected 200 (a page: or a redirect elsewhere than the login), "
                                f"got {got}")
            text = W.response_text(r)
            leaked = {m for p in world.parties.values() if p.key not in actor.sees
                      for m in p.markers & hidden if m in text}
            if leaked:
                failures.append(f"{where}: shows another party's data {sorted(leaked)}")
    assert not failures, "\n".join(failures)


def test_every_route_variable_and_kind_is_covered(app, world):
    """The table above fills every variable of every route, and every kind has its filings."""
    for rule in app.url_map.iter_rules():
        if hasattr(app.view_functions[rule.endpoint], "moved_to"):
            continue  # an old page URL: see _routes
        for res in RESOURCES:
            fill(rule.rule, rule.endpoint, sorted(rule.arguments), res, world)
    for kind in world.kinds:
        assert all(kind.name in p.filings for p in world.parties.values()), kind.name
