"""Issue 10: 统一社会信用代码 validated by GB 32100-2015 itself — registration authority and category from
the standard's table and its additions (letters too), one message per reason, in both languages."""
import pytest

from tests.conftest import csrf_from, make_uscc

# Real-shaped codes whose registration authority is a letter or whose category is not 企业 (the first eight
# characters are not all digits for the first four); check characters computed by hand from the standard's
# weights and cross-checked against python-stdnum's calc_check_digit.
VALID = [
    "N2330100MA2GXW1K55",   # 农业 · 村级集体经济组织
    "N1610116MF0000127Q",   # 农业 · 组级集体经济组织
    "Y1110105MB0A1234XA",   # 其他
    "A1110000MB1234567A",   # 中央军委改革和编制办公室 · 军队事业单位
    "31110000400000448M",   # 司法行政 · 律师执业机构
    "12100000400000393G",   # 机构编制 · 事业单位
    "91350100M000100Y43",   # 工商 · 企业 (the standard's own example)
]


def _body(uscc, email):
    return {"name": "某某村股份经济合作社", "uscc": uscc, "email": email, "password": "secret-123",
            "contact_name": "王五", "contact_phone": "13912345678"}


@pytest.mark.parametrize("code", VALID)
def test_registration_accepts_every_authority_the_standard_allows(client, code):
    r = client.post("/t/hebi/api/v1/register", json=_body(code.lower()[:8] + code[8:], f"{code}@example.cn"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["uscc"] == code


REASONS = [
    # (code, Chinese message part, English message part)
    ("91350100M000100Y4", "应为 18 位（现为 17 位）", "18 characters (this one has 17)"),
    ("91350100M000100Y433", "应为 18 位（现为 19 位）", "18 characters (this one has 19)"),
    ("91350100M000I00Y43", "不能含有：I", "cannot contain: I"),
    ("91350100M0001OOS43", "不能含有：O S", "cannot contain: O S"),
    ("B1350100M000100Y4Q", "前两位“B1”不是", "first two characters \"B1\""),
    ("94350100M000100Y4U", "前两位“94”不是", "first two characters \"94\""),
    ("Y2350100M000100Y4Q", "前两位“Y2”不是", "first two characters \"Y2\""),
    ("913501A0M000100Y4D", "第 3—8 位应为 6 位数字", "Characters 3–8"),
    ("91350100M000100Y44", "校验位不正确", "check character"),
]


@pytest.mark.parametrize("code, zh, en", REASONS)
def test_each_reason_has_its_own_message_in_both_languages(client, code, zh, en):
    r = client.post("/t/xian/api/v1/register", json=_body(code, "x@example.cn"))
    assert r.status_code == 422
    assert zh in r.get_json()["errors"]["json"]["uscc"][0]
    r = client.post("/t/xian/api/v1/register?lang=en", json=_body(code, "x@example.cn"))
    msg = r.get_json()["errors"]["json"]["uscc"][0]
    assert en in msg and not any("\u4e00" <= ch <= "\u9fff" for ch in msg if ch not in "“”")


def test_only_one_reason_is_given_and_nothing_is_created(client, bureau):
    r = client.post("/t/xian/api/v1/register", json=_body("B1350100M000I00Y43", "only@example.cn"))
    assert r.get_json()["errors"]["json"]["uscc"] == [
        "统一社会信用代码只能由数字和除 I、O、S、V、Z 以外的大写字母组成，不能含有：I。"]
    assert client.post("/api/v1/auth/token", json={"email": "only@example.cn",
                                                   "password": "secret-123"}).status_code == 401


def test_registration_page_says_why(client):
    html = client.get("/t/xian/register").get_data(as_text=True)
    for code, zh, _en in (REASONS[4], REASONS[7], REASONS[8]):
        r = client.post("/t/xian/register", data={**_body(code, "page@example.cn"),
                                                  "csrf_token": csrf_from(html),
                                                  "accept_privacy_notice": "on",
                                                  "password_confirmation": "secret-123"})
        assert r.status_code == 422 and zh in r.get_data(as_text=True)
    html = client.get("/t/xian/register?lang=en").get_data(as_text=True)
    r = client.post("/t/xian/register?lang=en", data={**_body("Y2350100M000100Y4Q", "page@example.cn"),
                                                      "csrf_token": csrf_from(html),
                                                      "accept_privacy_notice": "on",
                                                      "password_confirmation": "secret-123"})
    assert r.status_code == 422 and "registration authority and category" in r.get_data(as_text=True)
    ok = client.post("/t/xian/register", data={**_body(VALID[0], "page@example.cn"),
                                               "csrf_token": csrf_from(html), "accept_privacy_notice": "on",
                                               "password_confirmation": "secret-123"})
    assert ok.status_code == 302


def test_the_check_character_agrees_with_python_stdnum_where_stdnum_accepts_the_code():
    from stdnum.cn import uscc

    from ipservice.core.validators import uscc_check_character, uscc_problem

    for n in range(1, 400):
        code = make_uscc(9_000_000 + n)
        assert uscc_problem(code) is None
        assert uscc_check_character(code[:17]) == uscc.calc_check_digit(code[:17])
