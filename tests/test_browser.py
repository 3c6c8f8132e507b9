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
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    assert "注册成功" in page.content()
    page.fill("#f-email", "browser@example.cn")
    page.fill("#f-password", "secret-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/t/xian/")
    assert "browser@example.cn" in page.content()
    page.click("text=English")
    assert "Log out" in page.content()
