"""Characters (issue 18): control characters (C0, DEL, C1), bidi embeddings, overrides and isolates,
zero-width and other invisible format characters and the line and paragraph separators are refused
(422, a message on the field naming the character, in the user's language) wherever text is typed —
every filing kind's API, registration, a page and an import row alike, since all of them load through the
same field (``core.validators.Text``). Tabs and line breaks pass only in multi-line text."""
from __future__ import annotations

import json

import pytest

from ipservice.core import filing
from tests.cases.conftest import case_body
from tests.certification.certification_helpers import body as cert_body
from tests.conftest import csrf_from, make_uscc, page_login
from tests.proof import world as W

# character → its code as the message names it
REFUSED = {"\u0085": "0085", "\u009b": "009B", "\u0080": "0080", "\u009f": "009F", "\u202a": "202A",
           "\u202e": "202E", "\u2066": "2066", "\u2069": "2069", "\u2028": "2028", "\u2029": "2029",
           "\u200b": "200B", "\u200f": "200F", "\ufeff": "FEFF", "\u00ad": "00AD", "\x1b": "001B",
           "\x7f": "007F", "\x0b": "000B"}
LINE_BREAKS = ["\t", "\n", "\r\n"]
ONE_LINE = "只能填写一行文字，不能含换行符或制表符。"


def _probe_certification(enterprise, bureau):
    e = enterprise("xian")
    return e, "/t/xian/api/v1/certifications", cert_body(), "certification_body", "scope"


def _probe_case(enterprise, bureau):
    e = enterprise("xian")
    return e, "/t/xian/api/v1/cases", case_body("xian"), "counterparty_name", "summary"


def _probe_subsidy(enterprise, bureau):
    e = enterprise(W.OTHER)  # a district with rules claimed on a document number (a single-line field)
    return e, f"/t/{W.OTHER}/api/v1/subsidy-applications", W._subsidy_example(W.OTHER, e, ("document",)), \
        "object_no", None


def _probe_custody(enterprise, bureau):
    # the custody form has no free text of its own: its agencies' names and contacts are the kind's text
    b = bureau("xian")
    return b, "/t/xian/api/v1/agencies", {"name": "西安某托管服务有限公司", "uscc": make_uscc(),
                                          "contact": "王经理 029-81234567"}, "name", None


# Every registered filing kind's text through its API; a kind added later fails here until it is listed.
KIND_PROBES = {"certification": _probe_certification, "case": _probe_case, "subsidy": _probe_subsidy,
               "custody": _probe_custody}


def test_every_kind_is_probed(app):
    assert {k.name for k in filing.kinds(app)} <= set(KIND_PROBES)


def _field_message(r, field):
    assert r.status_code == 422, (field, r.status_code, r.get_json())
    return " ".join(r.get_json()["errors"]["json"][field])


@pytest.mark.parametrize("kind", sorted(KIND_PROBES))
def test_each_kinds_api_refuses_invisible_characters(enterprise, bureau, kind):
    who, path, body, single, multi = KIND_PROBES[kind](enterprise, bureau)
    for ch, code in REFUSED.items():
        for field in (single, multi) if multi else (single,):
            r = who.post(path, json={**body, field: f"甲{ch}乙"})
            assert f"第 2 个字符（U+{code}）" in _field_message(r, field), (field, code)
    for ch in LINE_BREAKS:
        assert _field_message(who.post(path, json={**body, single: f"甲{ch}乙"}), single) == ONE_LINE
    r = who.post(path, json={**body, single: "甲\u202e乙"}, headers={"Accept-Language": "en"})
    assert "U+202E" in _field_message(r, single) and "第" not in _field_message(r, single)
    listed = who.get(path).get_data(as_text=True)
    assert not any(ch in json.loads(listed).__repr__() for ch in REFUSED), "a refused character was stored"
    # the same body without them is filed; multi-line text keeps its tabs and line breaks
    text = "第一段\n\t第二段\r\n第三段"
    r = who.post(path, json={**body, multi: text} if multi else body)
    assert r.status_code == 201, r.get_json()
    assert not multi or r.get_json()[multi] == text


def test_decision_reasons_refuse_them_but_keep_line_breaks(enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    case = e.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()
    path = f"/t/xian/api/v1/cases/{case['id']}/transitions"
    r = b.post(path, json={"to": "accepted", "note": "受理\u2029备注"})
    assert "U+2029" in _field_message(r, "note")
    assert b.post(path, json={"to": "accepted", "note": "受理\n\t备注"}).status_code in (200, 201)


@pytest.mark.parametrize("field, text",
                         [("name", "甲{}乙"), ("contact_name", "甲{}乙"), ("email", "a@b{}c.cn")])
def test_registration_refuses_them_in_names_and_the_address(client, field, text):
    base = {"name": "字符测试科技有限公司", "uscc": make_uscc(), "email": "chars@xian.example.cn",
            "password": "Qing-He-Bridge-1987", "contact_name": "李四", "contact_phone": "029-88886666"}
    for ch, code in REFUSED.items():
        r = client.post("/t/xian/api/v1/register", json={**base, field: text.format(ch)})
        assert f"（U+{code}）" in _field_message(r, field)
    r = client.post("/t/xian/api/v1/register", json={**base, field: text.format("\u202e")},
                    headers={"Accept-Language": "en"})
    assert "U+202E" in _field_message(r, field) and "第" not in _field_message(r, field)
    assert client.post("/t/xian/api/v1/register", json=base).status_code == 201


def test_the_registration_page_refuses_them(client):
    html = client.get("/t/xian/register").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "name": "页面\u202e科技有限公司", "uscc": make_uscc(),
            "email": "chars-page@xian.example.cn", "password": "Qing-He-Bridge-1987",
            "contact_name": "李\u0085四", "contact_phone": "029-88886666"}
    r = client.post("/t/xian/register", data=form)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "第 3 个字符（U+202E）是控制字符或不可见的格式字符，不能使用。" in text
    assert "第 2 个字符（U+0085）" in text
    r = client.post("/t/xian/register?lang=en", data=form)
    assert r.status_code == 422 and "U+202E" in r.get_data(as_text=True)
    assert "不能使用" not in r.get_data(as_text=True)


def test_a_bureau_page_refuses_them(client, enterprise, bureau):
    e, b = enterprise("xian"), bureau("xian")
    case = e.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()
    page_login(client, b.email)
    url = f"/t/xian/cases/{case['id']}"
    html = client.get(url).get_data(as_text=True)
    r = client.post(url + "/transitions", data={"csrf_token": csrf_from(html), "to": "accepted",
                                                "note": "受理\u2028备注"})
    assert r.status_code == 422 and "（U+2028）" in r.get_data(as_text=True)


def test_an_import_row_refuses_them(app, tmp_path, bureau):
    from tests.test_imports import CERT_HEADERS, run, xlsx

    b = bureau(W.OTHER)
    path = xlsx(tmp_path / "chars.xlsx", CERT_HEADERS, [
        ["导入\u0085单位", make_uscc(), "企业", None, "CHAR-0001", "中知\u202e认证", "2019-01-10",
         "2022-01-09", None, "管理\n范围"],
        ["导入单位", make_uscc(), "企业", None, "CHAR-0002", "中知\t认证", "2019-01-10", "2022-01-09", None,
         "管理"],
        ["导入单位乙", make_uscc(), "企业", None, "CHAR-0003", "中知认证", "2019-01-10", "2022-01-09", None,
         "管理\u2028范围"],
    ])
    result = run(app, "certifications", "--tenant", W.OTHER, "--as", b.email, path)
    out = result.stdout
    assert result.exit_code == 1, result.output
    assert "单位名称：第 3 个字符（U+0085）是控制字符或不可见的格式字符，不能使用。" in out, out
    assert "认证机构：第 3 个字符（U+202E）" in out, out
    assert "认证机构：" + ONE_LINE in out, out
    assert "认证范围：第 3 个字符（U+2028）" in out, out
    assert "3 行：导入 0，跳过 0，错误 3" in out, out
