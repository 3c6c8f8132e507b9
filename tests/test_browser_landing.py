"""Each role's landing page in a real browser (Debian Chromium through Playwright): the bureau's worklist,
the enterprise's 我的办件, the province view and the public tenant home — in Chinese and English, on a
desktop and a 390 px phone. A page fails on a console error, a failed request, sideways scrolling of the
whole page, or (in English) Chinese text outside an element marked ``lang="zh"`` (proper names and quotes
from the documents are marked so; everything else must be English). Screenshots are saved as artifacts
under ``$IPSERVICE_ARTIFACTS`` (default ``/tmp/ipservice-artifacts``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cases.conftest import bring_to, file_case
from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import DEMO_PASSWORD, create_user, make_uscc
from tests.custody.custody_helpers import enrollment_body

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGS = ("zh_CN", "en")

# Text nodes and visible attributes with Chinese characters or full-width punctuation whose nearest
# element with a lang attribute is not Chinese.
CHINESE_OUTSIDE_ZH = r"""() => {
  const cjk = /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF\u3000-\u303F]/;
  const outsideZh = el => !((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '')
      .toLowerCase().startsWith('zh');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.nodeValue.trim(), el = node.parentElement;
    if (text && cjk.test(text) && !el.closest('script, style') && outsideZh(el)) found.push(text);
  }
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], [alt]')) {
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value && cjk.test(value) && outsideZh(el)) found.push(`[${name}] ${value}`);
    }
  }
  if (cjk.test(document.title)) found.push(`<title> ${document.title}`);
  return [...new Set(found)].map(t => t.replace(/\s+/g, ' ').slice(0, 120));
}"""


def _artifacts() -> Path:
    folder = Path(os.environ.get("IPSERVICE_ARTIFACTS") or "/tmp/ipservice-artifacts") / "landing"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _populate(app, enterprise, bureau):
    """A few filings of every kind in Xi'an, so that the worklists have rows, charts and links."""
    ent, officer = enterprise("xian", name="西安浏览器测试科技有限公司"), bureau("xian")
    agency = officer.post("/t/xian/api/v1/agencies", json={"name": "陕西托管服务有限公司",
                                                           "uscc": make_uscc(),
                                                           "contact": "王经理 029-81234567"}).get_json()
    ent.post("/t/xian/api/v1/custody-enrollments", json=enrollment_body("xian", agency["id"]))
    record = submit_certification(ent, "xian")
    officer.post(f"/t/xian/api/v1/certifications/{record['id']}/decision", json={"decision": "verify"})
    file_case(ent)
    bring_to("closed", ent, officer)
    create_user(app, "province-browser@example.gov.cn", "cross_admin", None)
    return {"bureau": officer.email, "enterprise": ent.info["email"],
            "cross_admin": "province-browser@example.gov.cn"}


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _watch(page, problems: list, where: list):
    """Record console errors, page errors and failed requests against the page being looked at."""
    page.on("console",
            lambda msg: msg.type == "error" and problems.append(f"{where[0]}: console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"{where[0]}: page error: {exc}"))
    # a request the browser itself cancels because the page navigated on (net::ERR_ABORTED: the favicon
    # of a page left at once) is not a failure of the service; an answer >= 400 is caught below
    page.on("requestfailed", lambda req: "ERR_ABORTED" not in (req.failure or "")
            and problems.append(f"{where[0]}: request failed: {req.url} {req.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{where[0]}: HTTP {r.status} {r.url}"))


def test_landing_pages_in_both_languages_on_desktop_and_phone(app, live_server, browser, enterprise, bureau):
    users = _populate(app, enterprise, bureau)
    landings = [  # (who, the page they start on after login, or None for the public page)
        ("bureau", "/t/xian/worklist"),
        ("enterprise", "/t/xian/my"),
        ("cross_admin", "/stats"),
        ("public", "/t/xian/"),
    ]
    out = _artifacts()
    problems, chinese = [], {}
    for who, path in landings:
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"])
        page = context.new_page()
        where = [who]
        _watch(page, problems, where)
        if who != "public":
            _login(page, live_server, users[who])
            assert page.url == live_server + path, f"{who} lands on {page.url}, not {path}"
        for lang in LANGS:
            for size, viewport in VIEWPORTS.items():
                where[0] = f"{who} {path} {lang} {size}"
                page.set_viewport_size(viewport)
                page.goto(f"{live_server}{path}?lang={lang}")
                page.wait_for_load_state("networkidle")
                assert page.locator("h1").count() == 1, where[0]
                width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
                if width[0] > width[1]:
                    problems.append(f"{where[0]}: the page scrolls sideways ({width[0]} px > {width[1]} px)")
                if lang == "en":
                    found = page.evaluate(CHINESE_OUTSIDE_ZH)
                    page_key = f"{who} {path} en"  # the same texts at both sizes: reported once
                    chinese.setdefault(page_key, [])
                    chinese[page_key] += [t for t in found if t not in chinese[page_key]]
                page.screenshot(path=str(out / f"{who}-{lang}-{size}.png"), full_page=True)
        context.close()
    # the full list for whoever fixes it; the failure message names the first few of each page
    (out / "chinese-on-english-pages.json").write_text(json.dumps(chinese, ensure_ascii=False, indent=1))
    chinese = {k: v for k, v in chinese.items() if v}
    report = problems + [f"{where}: {len(texts)} Chinese texts outside lang=\"zh\", e.g. {texts[:12]}"
                         for where, texts in chinese.items()]
    assert not report, "\n".join(report) + f"\n(all of them: {out / 'chinese-on-english-pages.json'})"
