"""The province view printed on A4 landscape in Chromium (issue 20, defect 5): the PDF read back page by
page — no page holds only a heading (or only the title), and the view opens on a year with targets."""
from __future__ import annotations

import io

import pytest

from tests.stats.test_stats import _populate

pytestmark = pytest.mark.browser


def test_stats_prints_on_a4_landscape_without_a_page_of_headings_alone(app, live_server, browser, enterprise,
                                                                      bureau, cross_admin):
    pypdf = pytest.importorskip("pypdf")
    _populate(enterprise, bureau)
    for lang in ("zh_CN", "en"):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#f-email", "province@example.gov.cn")
        page.fill("#f-password", "test-pass-123")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server}/stats?lang={lang}")
        page.emulate_media(media="print")
        headings = page.evaluate("[...document.querySelectorAll('h1, h2, h3')].map(h => h.innerText.trim())")
        pdf = page.pdf(prefer_css_page_size=True)  # the page's own @page: A4 landscape
        context.close()
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
        assert width > height, "not landscape"
        for number, pdf_page in enumerate(reader.pages, 1):
            text = pdf_page.extract_text() or ""
            rest = text
            for h in headings:
                rest = rest.replace(h, "")
            # what is left besides headings: more than a line's worth of content (a table, a chart's text)
            assert len("".join(rest.split())) > 40, \
                f"{lang}: page {number} of {len(reader.pages)} holds only a heading: {text.strip()[:200]!r}"
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            assert lines[-1] not in headings, f"{lang}: page {number} ends on the heading {lines[-1]!r}"
        print(lang, len(reader.pages), "pages")
