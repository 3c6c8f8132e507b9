"""Issue 20, defect 14, in the shared form rendering (templates/_forms.html): the 托管服务内容 checkboxes are
a
group named by its legend, every field error is tied to its input (aria-describedby to the message's id,
aria-invalid), and every page starts with a link that skips to its content. (axe-core checks every page
in tests/test_browser_crawl.py.)"""
import re

from tests.conftest import csrf_from
from tests.custody.test_custody_pages import html, logged_in


def test_checkbox_group_has_a_legend_and_errors_are_tied_to_their_inputs(app, setup):
    e, _b, agency = setup("xian")
    c = logged_in(app, e.info["email"])
    page = html(c.get("/t/xian/custody-enrollments/new"))
    assert re.search(r'<fieldset class="checks" id="f-services">\s*<legend>托管服务内容', page)
    assert re.search(r'<a class="skip" href="#content">跳到正文</a>',
                     page) and '<span id="content"></span>' in page
    r = c.post("/t/xian/custody-enrollments/new", data={
        "csrf_token": csrf_from(page), "agency_id": agency["id"],
                                            "start_date": "2025-06-01", "end_date": "2030-01-01"})
    out = html(r)
    assert r.status_code == 422
    messages = re.findall(r'<p class="error" id="e-([\w-]+)" role="alert">', out)
    assert "end_date" in messages and "services" in messages
    for name in messages:  # each message is named by the input (or the group) it is about
        assert re.search(rf'(id="f-{name}"[^>]*aria-describedby="e-{name}"|'
                         rf'aria-invalid="true" aria-describedby="e-{name}"[^>]*id="f-{name}"|'
                         rf'id="f-{name}"[^>]*aria-invalid="true" aria-describedby="e-{name}")', out), name
    assert re.search(r'<input id="f-end_date"[^>]*aria-invalid="true" aria-describedby="e-end_date"', out)
