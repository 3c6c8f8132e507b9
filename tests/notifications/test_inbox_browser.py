"""The inbox in a real browser, in Chinese and in English: the unread count in the header, the notice of a
decision, opening it marks it read and leads to the filing."""
import pytest

from tests.cases.conftest import case_body
from tests.conftest import DEMO_PASSWORD, Api, create_user, register_enterprise, token_for

pytestmark = pytest.mark.browser


def test_the_inbox_in_chinese_and_english(app, live_server, browser, client):
    info = register_enterprise(client, "xian", name="西安站内信测试有限公司", email="inbox@example.cn")
    create_user(app, "inbox-officer@xian.gov.cn", "bureau", "xian")
    applicant = Api(client, info["token"])
    officer = Api(client, token_for(client, "inbox-officer@xian.gov.cn"))
    case_id = applicant.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()["id"]
    assert officer.post(f"/t/xian/api/v1/cases/{case_id}/transitions",
                        json={"to": "accepted", "note": "材料齐全"}).status_code == 200

    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server}/login")
    page.fill("#f-email", "inbox@example.cn")
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("text=站内信（1）")
    assert "已受理" in page.locator("ul.inbox").inner_text()
    assert "材料齐全" in page.locator("ul.inbox").inner_text()
    page.click("text=English")
    assert "Inbox (1)" in page.content()
    assert "accepted" in page.locator("ul.inbox").inner_text().lower()
    page.click("ul.inbox button[name=open]")
    page.wait_for_url(f"**/t/xian/cases/{case_id}*")
    assert "Inbox (1)" not in page.content() and "Inbox" in page.content()
