"""Date filters state their bounds (issue 18: they accepted 1970–2999 only without saying so): every date
and year query parameter of the OpenAPI document carries its bounds, and a value out of them is a 422
naming them, in Chinese and in English — on the API, found from the document, and on the pages."""
from __future__ import annotations

import re

import pytest

from tests.conftest import page_login

ZH = "日期须在 1970-01-01 到 2999-12-31 之间。"
EN = "The date must be between 1970-01-01 and 2999-12-31."


def _bounded_parameters(client):
    """(path, name, schema, description) of every date or year query parameter of a list operation."""
    spec = client.get("/api/v1/openapi.json").get_json()
    out = []
    for path, ops in spec["paths"].items():
        get = ops.get("get")
        if get is None or set(re.findall(r"{(\w+)}", path)) - {"tenant"}:
            continue
        for p in get.get("parameters", []):
            schema = p.get("schema", {})
            if p["in"] == "query" and (schema.get("format") == "date" or p["name"] == "year"):
                out.append((path, p["name"], schema, p.get("description", "")))
    return out


def test_every_date_and_year_parameter_states_its_bounds(client):
    found = _bounded_parameters(client)
    assert {"submitted_from", "submitted_to", "on", "year"} <= {name for _p, name, _s, _d in found}
    for path, name, schema, description in found:
        if schema.get("format") == "date":
            assert (schema.get("x-minimum"), schema.get("x-maximum")) == ("1970-01-01", "2999-12-31"), \
                (path, name)
            assert "1970-01-01 to 2999-12-31" in description, (path, name, description)
        else:
            assert "minimum" in schema and "maximum" in schema, (path, name, schema)


@pytest.mark.parametrize("lang, message", [("zh_CN", ZH), ("en", EN)])
def test_a_date_out_of_bounds_is_a_422_naming_them(client, bureau, cross_admin, lang, message):
    b = bureau("xian")
    for path, name, schema, _d in _bounded_parameters(client):
        url = path.replace("{tenant}", "xian")
        who = cross_admin if url.startswith("/api/v1/stats") else b
        if schema.get("format") == "date":
            values, expected = ("1969-12-31", "3000-01-01"), message
        else:
            values, expected = (schema["minimum"] - 1, schema["maximum"] + 1), None
        for value in values:
            r = who.get(url, query_string={name: value}, headers={"Accept-Language": lang})
            assert r.status_code == 422, (url, name, value, r.status_code)
            said = r.get_json()["errors"]["query"][name]
            if expected:
                assert said == [expected], (url, name, said)
            else:  # a year: its bounds are in the message too
                assert str(schema["minimum"]) in said[0] and str(schema["maximum"]) in said[0], (url, said)
        ok = "1970-01-01" if schema.get("format") == "date" else schema["minimum"]
        assert who.get(url, query_string={name: ok}).status_code == 200, (url, name)


@pytest.mark.parametrize("lang, message", [("zh_CN", ZH), ("en", EN)])
def test_the_pages_say_the_same(client, bureau, lang, message):
    b = bureau("xian")
    r = client.get("/t/xian/subsidies/rules", query_string={"on": "1969-12-31", "lang": lang})
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    page_login(client, b.email)
    for url in ("/t/xian/subsidy-applications/", "/t/xian/certifications/", "/t/xian/custody-enrollments/"):
        r = client.get(url, query_string={"submitted_from": "3000-01-01", "lang": lang})
        assert r.status_code == 422, url
        assert message in r.get_data(as_text=True), url
