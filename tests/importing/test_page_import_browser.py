"""A page import in a real browser, in Chinese and in English: the form, the import's page with its
progress bar while the job waits, then — the page following the job by itself — the report and its
download."""
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.importing.conftest import drain, official, sample

pytestmark = pytest.mark.browser


def _import(page, base, app, path, lang):
    page.goto(f"{base}/t/hebi/imports/new?lang={lang}")
    page.check("input[name=kind][value=certification]")
    page.set_input_files("#file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/t/hebi/imports/*")
    assert page.locator("#import-progress").count() == 1
    drain(app)  # the worker runs the job; the page sees it end and shows the report
    page.wait_for_selector("#import-report", timeout=15_000)
    return page.locator("#import-report").inner_text(), page.locator("#import-counts").inner_text()


def test_a_page_import_in_chinese_and_english(app, live_server, browser, client, tmp_path, queue):
    officer = official(app, client, "hebi")
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server}/login")
    page.fill("#f-email", officer.email)
    page.fill("#f-password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    # linked from the navigation (tests/importing/test_page_import_pages.py)
    page.goto(f"{live_server}/t/hebi/imports")
    page.click("text=新建导入")
    assert "导入模板" in page.content()

    report, counts = _import(page, live_server, app, sample("certification", tmp_path / "中文.xlsx"), "zh")
    assert "统一社会信用代码校验位不正确" in report and "错误" in report
    assert counts == "成功 1 行，跳过 0 行，错误 1 行"
    assert page.locator("#import-state").inner_text() == "已完成"
    with page.expect_download() as download:
        page.click("text=CSV")
    assert download.value.suggested_filename.endswith(".csv")

    report, counts = _import(page, live_server, app, sample("certification", tmp_path / "english.xlsx"), "en")
    assert "error" in report.lower() and "USCC" in report
    assert counts == "1 rows imported, 0 skipped, 1 with errors"
    assert page.locator("#import-state").inner_text() == "Done"
    page.click("text=All imports")
    assert "english.xlsx" in page.content() and "中文.xlsx" in page.content()
