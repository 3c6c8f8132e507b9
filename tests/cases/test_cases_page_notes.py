"""The case-transition page validates the note with the API's schema: control characters the API refuses are
refused on the page too (422, the message next to the note, nothing stored)."""
import pytest

from tests.cases.conftest import file_case
from tests.conftest import csrf_from, page_login


@pytest.mark.parametrize("bad", ["\x07", "\x1b[31m", "\x00"])
def test_page_refuses_control_characters_in_a_note(client, enterprise, bureau, bad):
    e, b = enterprise("xian"), bureau("xian")
    case = file_case(e, "xian")
    assert b.post(f"/t/xian/api/v1/cases/{case['id']}/transitions",
                  json={"to": "accepted", "note": f"备注{bad}"}).status_code == 422
    page_login(client, b.email)
    url = f"/t/xian/cases/{case['id']}"
    html = client.get(url).get_data(as_text=True)
    r = client.post(url + "/transitions", data={"csrf_token": csrf_from(html), "to": "accepted",
                                                "note": f"备注{bad}"})
    assert r.status_code == 422
    assert "第 3 个字符（U+00" in r.get_data(as_text=True)
    assert "是控制字符或不可见的格式字符" in r.get_data(as_text=True)
    after = b.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()
    assert after["status"] == "submitted" and len(after["history"]) == 1
    ok = client.post(url + "/transitions",
                     data={"csrf_token": csrf_from(html), "to": "accepted", "note": "受理"})
    assert ok.status_code == 302
