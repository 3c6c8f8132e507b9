"""In a real browser (Debian Chromium): after saving a KPI value or a task's progress from its page, the
success message is on screen where the redirect lands (issue 12), in Chinese and in English."""
import pytest

from tests.conftest import DEMO_PASSWORD, create_user

pytestmark = pytest.mark.browser


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


@pytest.mark.parametrize("lang, saved, updated", [("zh_CN", "已保存", "任务进展已更新"),
                                                   ("en", "Saved the 2025 actual value",
                                                    "Task progress updated")])
def test_the_success_message_is_on_screen_after_saving(app, live_server, browser, lang, saved, updated):
    email = f"kpi-officer-{lang}@xian.gov.cn"
    create_user(app, email, "bureau", "xian")
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{live_server}/login?lang={lang}")
    page.fill("#f-email", email)
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/t/xian/kpis/xian-2025-01")
    assert page.input_value("#f-year") == "2025"  # the table's target year, not the current one
    page.fill("#f-value", "18")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/t/xian/overview#kpis")
    assert saved in page.locator("#kpis .flash").inner_text()
    assert _in_viewport(page, "#kpis .flash")
    page.goto(f"{live_server}/t/xian/overview")  # the bureau's /t/xian/ is its worklist
    task = page.locator("#tasks a[href*='/tasks/']").first.get_attribute("href")
    page.goto(f"{live_server}{task}")
    page.select_option("#f-status", "done")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/t/xian/overview#tasks")
    assert updated in page.locator("#tasks .flash").inner_text()
    assert _in_viewport(page, "#tasks .flash")
    page.context.close()


def test_progress_and_source_columns_do_not_wrap_one_character_a_line(live_server, browser):
    """Issue 20 (13): on /t/hebi/overview at desktop width the 进度 and 来源 columns wrapped one character
    per line."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server}/t/hebi/overview")
    table = page.locator("table.kpi").first
    lines = ("e => { const r = document.createRange(); r.selectNodeContents(e);"
             " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    for column in ("进度", "来源"):
        index = headers.index(column)
        assert table.locator("thead th").nth(index).evaluate(lines) == 1, column
        cells = table.locator(f"tbody tr td:nth-child({index + 1})")
        for i in range(cells.count()):
            assert cells.nth(i).evaluate(lines) == 1, (column, cells.nth(i).inner_text())
