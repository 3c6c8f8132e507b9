"""End-to-end in a real browser (Debian Chromium through Playwright), in Chinese."""
import pytest

from tests.conftest import make_uscc

pytestmark = pytest.mark.browser


def test_enterprise_registers_and_logs_in_in_chinese(live_server, page):
    page.goto(f"{live_server}/t/xian/register")
    assert page.locator("h1").inner_text().startswith("企业注册")
    page.fill("#f-name", "西安浏览器测试有限公司")
    page.fill("#f-uscc", "91610131MA00000XX")  # wrong check character
    page.fill("#f-email", "browser@example.cn")
    page.fill("#f-password", "secret-123")
    page.fill("#f-contact_name", "赵六")
    page.fill("#f-contact_phone", "13700000000")
    page.click("button[type=submit]")
    assert "统一社会信用代码" in page.locator(".has-error .error").first.inner_text()
    assert page.input_value("#f-name") == "西安浏览器测试有限公司"  # nothing typed is lost
    page.fill("#f-uscc", make_uscc())
    page.fill("#f-password", "secret-123")
    page.fill("#f-password_confirmation", "secret-123")  # typed twice
    page.check("input[name=accept_privacy_notice]")  # the privacy notice, required
    page.click("button[type=submit]")
    page.wait_for_url("**/t/xian/my")  # registered: signed in, on the landing page (issue 20)
    assert "注册成功" in page.content()
    assert "browser@example.cn" in page.content()
    page.click("text=English")
    assert "Log out" in page.content()


def _login(page, base, email, password):
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button[type=submit]")


def test_enterprise_files_a_case_and_the_bureau_works_it_to_closing(app, live_server, browser, client):
    from tests.conftest import DEMO_PASSWORD, create_user, register_enterprise

    register_enterprise(client, "xian", name="西安维权测试有限公司", email="case-applicant@example.cn")
    create_user(app, "officer@xian.gov.cn", "bureau", "xian")

    applicant = browser.new_context(locale="zh-CN").new_page()
    _login(applicant, live_server, "case-applicant@example.cn", DEMO_PASSWORD)
    applicant.goto(f"{live_server}/t/xian/cases/new")
    applicant.select_option("#f-case_type", "assistance")
    applicant.select_option("#f-ip_type", "patent")
    applicant.fill("#f-right_number", "ZL202010566088.8")  # altered check digit
    applicant.fill("#f-counterparty_name", "某某侵权贸易有限公司")
    applicant.fill("#f-summary", "对方在电商平台销售落入我方专利保护范围的产品。")
    applicant.fill("#f-request", "请求维权援助。")
    applicant.click("form.form button[type=submit]")
    assert applicant.locator(".has-error").count() >= 1           # the check digit is refused…
    assert applicant.input_value("#f-counterparty_name") == "某某侵权贸易有限公司"  # …and nothing is lost
    applicant.fill("#f-right_number", "ZL202010566088.9")
    applicant.click("form.form button[type=submit]")
    applicant.wait_for_selector("h1 .badge")
    heading = applicant.locator("h1").inner_text()
    assert "XA-" in heading and "已提交" in heading
    case_url = applicant.url

    officer = browser.new_context(locale="zh-CN").new_page()
    _login(officer, live_server, "officer@xian.gov.cn", DEMO_PASSWORD)
    officer.goto(case_url)
    for to, note in (("accepted", ""), ("in_progress", ""), ("resolved", "已协调对方下架侵权产品。"),
                     ("closed", "")):
        if note:
            officer.fill("#f-note", note)
        officer.click(f"button[name=to][value={to}]")
        officer.wait_for_load_state()
    assert "已结案" in officer.locator("h1").inner_text()

    applicant.reload()
    assert "已结案" in applicant.locator("h1").inner_text()
    history = applicant.content()
    assert "已协调对方下架侵权产品。" in history and "officer@xian.gov.cn" in history


def test_the_case_summary_counts_its_characters(app, live_server, browser, client):
    """Issue 20 (10): the browser cut a pasted 案情简介 at its maxlength without a word; the counter says."""
    from tests.conftest import DEMO_PASSWORD, register_enterprise

    register_enterprise(client, "xian", name="西安计数测试有限公司", email="counter@example.cn")
    page = browser.new_context(locale="zh-CN").new_page()
    _login(page, live_server, "counter@example.cn", DEMO_PASSWORD)
    page.goto(f"{live_server}/t/xian/cases/new")
    assert page.locator("#f-summary-count").inner_text() == "已输入 0 / 5000 个字符"
    page.fill("#f-summary", "对方销售侵权产品。")
    assert page.locator("#f-summary-count").inner_text() == "已输入 9 / 5000 个字符"
