"""The password recovery in a real browser, in Chinese and in English: 忘记密码 on the login page, the link
from the mail the tests' SMTP server received, a mismatched confirmation refused beside the field, the new
password set, and signing in with it."""
import re

import pytest

from tests.conftest import register_enterprise
from tests.notifications.conftest import drain

pytestmark = pytest.mark.browser

TEXTS = {
    "zh": {"locale": "zh-CN", "forgot": "忘记密码", "sent": "如果该电子邮箱对应一个账户",
           "subject": "重置密码", "mismatch": "两次输入的密码不一致", "done": "密码已重置"},
    "en": {"locale": "en-US", "forgot": "Forgot password", "sent": "If this e-mail belongs to an account",
           "subject": "Reset your password", "mismatch": "The two passwords do not match",
           "done": "The password has been reset"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_recovery_in_the_browser(app, live_server, browser, client, mailbox, lang):
    t = TEXTS[lang]
    email = f"browser-reset-{lang}@reset-corp.cn"
    register_enterprise(client, "xian", name=f"浏览器重置密码{lang}有限公司", email=email)
    drain(app)
    mailbox.messages.clear()
    page = browser.new_context(locale=t["locale"]).new_page()
    page.goto(f"{live_server}/login?lang={lang}")
    page.click(f"text={t['forgot']}")
    page.fill("#f-email", email)
    page.click("form.form button[type=submit]")
    assert t["sent"] in page.locator("[role=status]").inner_text()
    drain(app)
    [mail] = mailbox.to(email)
    assert mail["Subject"] == t["subject"]
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+?(/password-reset/[A-Za-z0-9_-]+)", text)
    page.goto(live_server + link.group(1))
    new = f"Qin-Ling-Mountains-{lang}-2031"
    page.fill("#f-password", new)
    page.fill("#f-password_confirmation", new + "!")
    page.click("form.form button[type=submit]")
    assert t["mismatch"] in page.locator(".has-error .error").first.inner_text()
    page.fill("#f-password", new)
    page.fill("#f-password_confirmation", new)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/login")
    assert t["done"] in page.content()
    page.fill("#f-email", email)
    page.fill("#f-password", new)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/t/xian/my")
    page.context.close()
