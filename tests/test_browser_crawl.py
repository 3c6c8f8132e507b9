"""Every page a role reaches within three clicks of its landing page, in a real browser (Debian Chromium).

What is crawled: in Xi'an (filings of every kind in it, so that lists, details and charts have rows) each
role — anonymous, enterprise, bureau, cross_admin — follows the links (GET, same origin, no downloads:
a link whose answer is not HTML is skipped by its content type) up to three clicks from its landing page
(the public home, 我的办件, the worklist, ``/stats``); in the other districts only the landing pages are
visited. URLs are deduplicated by route (one URL per Flask endpoint and role), so a list of 40 filings
costs one detail page. Every URL is then opened in Chinese and English (``?lang=``), at 1366 px and at
390 px (one browser, one page per role, language and width).

A page fails on: an answer >= 400, a console error, a request to another origin, the page wider than its
viewport (a table may scroll inside its own box), Chinese text on an English page outside an element
marked ``lang="zh"``, or an axe-core violation of impact serious or critical. axe-core comes from the npm
registry (``tools/test.sh`` installs it under ``.cache/``; ``IPSERVICE_AXE`` names another copy)."""
from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from urllib.parse import urlencode, urlsplit, parse_qsl, urlunsplit

import pytest

from tests.cases.conftest import bring_to, file_case
from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import create_user, make_uscc
from tests.custody.custody_helpers import enrollment_body
from tests.subsidy.subsidy_helpers import doc, filed
from tests.test_browser_landing import CHINESE_OUTSIDE_ZH, _login

# The pages are the same on either database: the crawl runs in the SQLite leg of tools/test.sh only, so the
# whole suite stays well under its time budget.
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(bool(os.environ.get("IPSERVICE_TEST_DATABASE_URL")),
                                 reason="the crawl runs in the SQLite leg (the pages do not depend on the "
                                        "database)")]

TENANT, OTHERS = "xian", ("hebi", "guangzhou", "tianjin-bonded")
DEPTH = 3
VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
LANGS = ("zh_CN", "en")
AXE = Path(os.environ.get("IPSERVICE_AXE")
           or Path(__file__).resolve().parents[1] / ".cache/axe/node_modules/axe-core/axe.min.js")
LANDINGS = {"anonymous": "/t/{t}/", "enterprise": "/t/{t}/my", "bureau": "/t/{t}/worklist",
            "cross_admin": "/stats"}

# links a crawl must not follow: they end the session or only switch the language of the page they are on
SKIP_PATHS = ("/logout",)

LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)"""
# axe is served as if from the site (Playwright answers the request): the pages' Content-Security-Policy
# ("script-src 'self'") stays in force, so a page's own CSP violations still show as console errors
AXE_URL = "/__axe-core.min.js"
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def _populate(app, client, enterprise, bureau):
    """Filings of every kind in Xi'an, accounts for every role, a bureau in every other district."""
    ent, officer = enterprise(TENANT, name="西安爬虫测试科技有限公司"), bureau(TENANT)
    agency = officer.post(f"/t/{TENANT}/api/v1/agencies", json={
        "name": "陕西托管服务有限公司", "uscc": make_uscc(), "contact": "王经理 029-81234567"}).get_json()
    ent.post(f"/t/{TENANT}/api/v1/custody-enrollments", json=enrollment_body(TENANT, agency["id"]))
    record = submit_certification(ent, TENANT)
    officer.post(f"/t/{TENANT}/api/v1/certifications/{record['id']}/decision", json={"decision": "verify"})
    file_case(ent)
    bring_to("closed", ent, officer)
    filed(ent, TENANT, "xian-2017-pledge-risk-compensation", "2018-06-01", object_no=doc(),
          base_amount_cny=200000)
    create_user(app, "province-crawl@example.gov.cn", "cross_admin", None)
    users = {"anonymous": {}, "enterprise": {TENANT: ent.info["email"]}, "bureau": {TENANT: officer.email},
             "cross_admin": {None: "province-crawl@example.gov.cn"}}
    for slug in OTHERS:
        users["bureau"][slug] = bureau(slug).email
        users["enterprise"][slug] = enterprise(slug).info["email"]
    return users


def _with_lang(url: str, lang: str | None) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    if lang:
        query.append(("lang", lang))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


class Crawl:
    """One role's walk: the URLs found, one per route, and the problems seen on them."""

    def __init__(self, app, base: str, context, role: str):
        self.adapter = app.url_map.bind("127.0.0.1")
        self.base, self.context, self.role = base, context, role
        self.problems: list[str] = []
        self.where = ""

    def route(self, url: str) -> str | None:
        path = urlsplit(url).path
        try:
            endpoint, _args = self.adapter.match(path, method="GET")
        except Exception:  # a 404 or a redirect rule: reported by the visit, not a route of its own
            return path
        return endpoint

    def watch(self, page) -> None:
        def response(r):
            if r.status >= 400:
                self.problems.append(f"{self.where}: HTTP {r.status} {r.url}")

        def request(req):
            if not req.url.startswith((self.base, "data:", "about:")):
                self.problems.append(f"{self.where}: request to another origin: {req.url}")

        page.on("console", lambda msg: msg.type == "error" and self.problems.append(
            f"{self.where}: console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"{self.where}: page error: {exc}"))
        page.on("response", response)
        page.on("request", request)

    def is_html(self, url: str) -> bool:
        """Downloads (xlsx, csv, pdf, attachments) are left out by their content type, not their name."""
        answer = self.context.request.head(url, max_redirects=5)
        if answer.status >= 400:
            self.problems.append(f"{self.role}: HTTP {answer.status} {url} (HEAD)")
            return False
        return answer.headers.get("content-type", "").startswith("text/html")

    def discover(self, page, starts: list[str]) -> list[str]:
        """Breadth first from the landing pages, three clicks deep, one URL per route."""
        seen_routes, found = set(), []
        queue = deque((self.base + path, 0) for path in starts)
        while queue:
            url, depth = queue.popleft()
            url = _with_lang(url, None)
            route = self.route(url)
            if route in seen_routes or urlsplit(url).path.endswith(SKIP_PATHS):
                continue
            seen_routes.add(route)
            if not self.is_html(url):
                continue
            found.append(url)
            if depth == DEPTH:
                continue
            self.where = f"{self.role} discover {url}"
            page.goto(url)
            for link in page.evaluate(LINKS):
                if link.startswith(self.base) and self.route(_with_lang(link, None)) not in seen_routes:
                    queue.append((link, depth + 1))
        return found

    def check(self, page, url: str, lang: str, width: str) -> None:
        self.where = f"{self.role} {lang} {width}px {urlsplit(url).path}"
        page.goto(_with_lang(url, lang))
        page.wait_for_load_state("load")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            self.problems.append(f"{self.where}: the page is {scroll} px wide in a {inner} px viewport")
        if lang == "en":
            texts = page.evaluate(CHINESE_OUTSIDE_ZH)
            if texts:
                self.problems.append(f"{self.where}: Chinese outside lang=zh: {texts[:6]}")
        page.add_script_tag(url=self.base + AXE_URL)
        for violation in page.evaluate(AXE_RUN):
            self.problems.append(f"{self.where}: axe {violation}")


def test_every_page_within_three_clicks_for_every_role(app, client, live_server, browser, enterprise, bureau):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (tools/test.sh installs it with npm)")
    users = _populate(app, client, enterprise, bureau)
    problems = []
    for role, template in LANDINGS.items():
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["1366"])
        context.route(live_server + AXE_URL, lambda route: route.fulfill(
            path=str(AXE), content_type="application/javascript"))
        crawl = Crawl(app, live_server, context, role)
        page = context.new_page()
        crawl.watch(page)
        accounts = users[role] or {TENANT: None}
        first = next(iter(accounts.values()))
        if first:
            _login(page, live_server, first)
        urls = crawl.discover(page, [template.format(t=TENANT)])
        if role != "cross_admin":  # the other districts' landing pages (an account of that district each)
            for slug in OTHERS:
                if role != "anonymous":
                    context.clear_cookies()
                    _login(page, live_server, accounts[slug])
                crawl.where = f"{role} {slug}"
                for lang in LANGS:
                    for width, viewport in VIEWPORTS.items():
                        page.set_viewport_size(viewport)
                        crawl.check(page, live_server + template.format(t=slug), lang, width)
            context.clear_cookies()
            if first:
                _login(page, live_server, first)
        for lang in LANGS:
            for width, viewport in VIEWPORTS.items():
                page.set_viewport_size(viewport)
                for url in urls:
                    crawl.check(page, url, lang, width)
        assert len(urls) > 1, f"{role}: the crawl found no page beyond {urls}"
        problems += crawl.problems
        context.close()
    out = Path(os.environ.get("IPSERVICE_ARTIFACTS") or "/tmp/ipservice-artifacts")
    out.mkdir(parents=True, exist_ok=True)
    (out / "crawl-problems.txt").write_text("\n".join(problems))
    assert not problems, \
        f"{len(problems)} problems (all in {out / 'crawl-problems.txt'}):\n" + "\n".join(problems[:60])


def test_the_header_menu_fits_a_phone(app, live_server, browser, enterprise):
    """At 390 px the header's links (logout, the language) were off-screen with no cue: they are in a menu
    (a ``<details>``, no script) that opens within the screen; at 1366 px they show without opening it."""
    email = enterprise(TENANT).info["email"]
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["390"])
    page = context.new_page()
    _login(page, live_server, email)
    logout, english = page.locator("header.top form.inline button"), page.locator('header.top '
                                                                                  'a[hreflang="en"]')
    assert not logout.is_visible() and page.locator("header.top summary").is_visible()
    page.click("header.top summary")
    for link in (logout, english):
        box = link.bounding_box()
        assert link.is_visible() and box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size(VIEWPORTS["1366"])
    page.reload()
    assert logout.is_visible() and english.is_visible()
    assert not page.locator("header.top summary").is_visible()
    context.close()
