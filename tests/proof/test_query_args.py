"""Query arguments (issue 18): every page the URL map serves to a GET, fed the keyword arguments of
``url_for`` (``_method``, ``_external``, ``_anchor``, ``_scheme``, ``endpoint``), a route variable of other
pages (``fmt``, ``tenant``) and a language that does not exist, as each role that may open it: never a 5xx,
and the links it shows stay on its tenant — the junk is carried, at most, in the page's own query string
(the pager, the language switch), never into a link built for another page.

The pages are read from the URL map (a page added later is probed without anyone listing it); the route
variables are filled with the real objects of the proof world (tests/proof/world.py) by the isolation
matrix's table."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest

from ipservice.core.access import ANYONE, declared_roles
from tests.proof import world as W
from tests.proof.test_isolation_matrix import RESOURCES, fill

JUNK = "JUNKx9"
# one argument at a time, then all together
PROBES = [{"fmt": JUNK}, {"endpoint": JUNK}, {"_method": "DELETE"}, {"_external": "1"}, {"_anchor": JUNK},
          {"_scheme": "javascript"}, {"tenant": W.OTHER}, {"lang": JUNK}]
PROBES.append({k: v for p in PROBES for k, v in p.items()})


def _pages() -> list[tuple[str, str]]:
    """Every page; an old URL that only redirects to where its page moved (``moved_to``, issue 19) builds no
    link from arguments (it keeps the path's and passes the query string on as it came): its target is
    probed instead."""
    app = W.collection_app()
    return sorted((r.rule, r.endpoint) for r in app.url_map.iter_rules()
                  if "GET" in r.methods and "/api/" not in r.rule and r.endpoint != "static"
                  and not hasattr(app.view_functions[r.endpoint], "moved_to"))


PAGES = _pages()


@pytest.fixture(autouse=True)
def clean_db():
    """The world lives for the module (tests/proof/conftest.py)."""
    yield


@pytest.fixture(scope="module")
def sessions(app, world):
    """A signed-in page client per role of the home tenant (and anonymous)."""
    home = world.parties["E1"]
    emails = {None: None, "enterprise": home.email, "bureau": world.bureaus[W.HOME][0],
              "cross_admin": world.cross_admin[0]}
    return {role: W.page_client(app, email)[0] for role, email in emails.items()}


def _links(html: str) -> list[str]:
    return [unquote(m) for m in re.findall(r'(?:href|action|src)="([^"]*)"', html)]


def _problems(html: str, path: str, tenant: str | None) -> list[str]:
    out = []
    for link in _links(html):
        where = urlsplit(link)
        if where.scheme or where.netloc:
            if "localhost" in where.netloc or where.scheme == "javascript":
                out.append(f"a link made absolute or scripted: {link}")
            continue
        if tenant and where.path.startswith("/t/") and not where.path.startswith(f"/t/{tenant}/"):
            out.append(f"a link to another tenant: {link}")
        if JUNK in link.replace("&amp;", "&") and where.path != path:
            out.append(f"the junk reached a link to another page: {link}")
        if JUNK in where.fragment:
            out.append(f"the junk became an anchor: {link}")
    return out


@pytest.mark.parametrize("rule, endpoint", PAGES, ids=[r for r, _e in PAGES])
def test_page_ignores_url_building_arguments(app, world, sessions, rule, endpoint):
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule and r.endpoint == endpoint)
    roles = declared_roles(app.view_functions[endpoint], "GET") or {ANYONE}
    callers = [None] if ANYONE in roles else sorted(roles)
    values = fill(rule, endpoint, sorted(url_rule.arguments), RESOURCES[0], world)
    path = url_rule.build(values, append_unknown=False)[1]
    failures = []
    for role in callers:
        for probe in PROBES:
            r = sessions[role].get(path, query_string=probe)
            where = f"GET {path} {probe} as {role or 'anonymous'}"
            if r.status_code >= 500:
                failures.append(f"{where}: {r.status_code}")
                continue
            if r.mimetype == "text/html":
                problems = _problems(r.get_data(as_text=True), path, values.get("tenant"))
                failures += [f"{where}: {p}" for p in problems]
            location = r.headers.get("Location", "")
            if JUNK in location and urlsplit(location).path != path or "localhost" in location:
                failures.append(f"{where}: redirected by the junk to {location}")
    assert not failures, "\n".join(failures)

