"""Issue 19: every filing kind through the one set of pages (templates/filing/), in a real browser, in
Chinese and in English: the enterprise files a new one from its list, the bureau finds it in its queue and
decides or moves it, then exports the queue. One browser, the session's server."""
import pytest

from tests.conftest import DEMO_PASSWORD, Api, create_user, make_uscc, register_enterprise, token_for

pytestmark = pytest.mark.browser

RISK = "xian-2017-pledge-risk-compensation"
# per kind: what the enterprise types on the form, and the bureau's button (decision word or move target)
WALK = (
    ("custody", {"enterprise_scale": "small", "agency_id": None, "services": ["info_use", "training"],
                 "start_date": "2025-01-01", "end_date": "2026-12-31", "government_purchased": True,
                 "innovation_base": "national"},
     ("decision", "approve", "approved")),
    ("certification", {"org_type": "enterprise", "certificate_no": None,
                       "certification_body": "中知（北京）认证有限公司", "issued_on": "2018-06-01",
                       "expires_on": "2021-05-31", "scope": "与电子元器件研发相关的知识产权管理"},
     ("decision", "verify", "verified")),
    ("case", {"case_type": "assistance", "center": "xian-ppc", "ip_type": "patent",
              "right_number": "ZL202010566088.9", "counterparty_name": "某某侵权贸易有限公司",
              "summary": "对方在电商平台销售侵权产品。", "request": "请求维权援助。"},
     ("to", "accepted", "accepted")),
    ("subsidy", {"org_type": "enterprise", "basis_date": "2018-06-01", "object_no": None,
                 "base_amount_cny": "200000"},
     ("decision", "approve", "approved")),
)


def _login(context, base, email):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    return page


def _fill(page, values: dict) -> None:
    """Type into the shared new-filing form, whatever the field's widget."""
    for name, value in values.items():
        field = page.locator(f"form.form [name={name}]").first
        widget = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if widget.startswith("select"):
            field.select_option(value)
        elif widget.endswith("checkbox"):
            for v in value if isinstance(value, list) else [None]:
                page.check(f"form.form input[name={name}]" + (f"[value={v}]" if v else ""))
        else:
            field.fill(value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_is_filed_decided_and_exported_through_the_shared_pages(app, live_server, browser, client,
                                                                             lang):
    from ipservice.core import filing

    locale, side = {"zh": ("zh-CN", 0), "en": ("en-US", 1)}[lang]
    register_enterprise(client, "xian", name="西安共用页面测试有限公司", email=f"walk-{lang}@example.cn")
    officer = f"walk-{lang}@xian.gov.cn"
    create_user(app, officer, "bureau", "xian")
    agency = Api(client, token_for(client, officer)).post("/t/xian/api/v1/agencies", json={
        "name": "秦创知识产权托管有限公司", "uscc": make_uscc(), "contact": "张经理"})
    assert agency.status_code == 201
    kinds = {k.name: k for k in filing.kinds(app)}
    values = {"agency_id": agency.get_json()["id"], "certificate_no": f"165IP{make_uscc()[-10:]}",
              "object_no": f"JK-{lang}-0001"}
    enterprise = _login(browser.new_context(locale=locale), live_server, f"walk-{lang}@example.cn")
    bureau = _login(browser.new_context(locale=locale, accept_downloads=True), live_server, officer)
    for name, typed, (button, value, outcome) in WALK:
        kind = kinds[name]
        labels = {status: pair[side] for status, pair in kind.statuses.items()}  # as the page says them
        queue = f"{live_server}/t/xian/{kind.api.path}/"
        # the enterprise: its list, the new form (a subsidy's: under a rule of 可申请的政策), filed
        enterprise.goto(queue)
        assert enterprise.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
        if name == "subsidy":
            enterprise.goto(f"{queue}new?rule={RISK}")
        else:
            enterprise.click(f"main a.button[href$='/{kind.api.path}/new']")
        _fill(enterprise, {k: (values[k] if v is None else v) for k, v in typed.items()})
        enterprise.click("form.form button[type=submit]:not([name])")
        enterprise.wait_for_selector("h1 .badge")
        assert labels["submitted"] in enterprise.locator("h1").inner_text(), name
        detail = enterprise.url.removeprefix(live_server)
        # the bureau: the queue lists it; on its page, the decision or the move
        bureau.goto(queue)
        bureau.click(f"table a[href='{detail}']")
        bureau.click(f"button[name={button}][value={value}]")
        bureau.wait_for_selector("h1 .badge")
        assert labels[outcome] in bureau.locator("h1").inner_text(), name
        enterprise.reload()
        assert labels[outcome] in enterprise.locator("h1").inner_text(), name
        # … and exports the queue
        bureau.goto(queue)
        with bureau.expect_download() as download:
            bureau.click("main a[href*='/export.xlsx']")
        assert download.value.suggested_filename.endswith(".xlsx"), name
    enterprise.context.close()
    bureau.context.close()
