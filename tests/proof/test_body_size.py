"""Body size (issue 18): 300 000 unknown JSON keys cost 8 s and a 17 MB answer on an anonymous endpoint (one
error entry per key). A body that is not a form is capped in bytes (``MAX_JSON_BYTES``, 413) and in
object keys at any depth (``MAX_JSON_KEYS``, 422) before any schema sees it; the unknown keys of a body
under the caps are one message naming the first few. Uploads keep their own limit. No timing: the
answers are small and say why, in the user's language."""
from __future__ import annotations

import io
import json

import pytest

from tests.certification.certification_helpers import body as cert_body
from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import make_uscc

SMALL = 1024  # bytes: an answer of one message, whatever the body was


def _keys(n: int, nested: bool = False) -> bytes:
    body = {f"k{i}": 1 for i in range(n)}
    return json.dumps({"a": {"b": body}} if nested else body).encode()


def _shape(r, code: int) -> dict:
    assert r.status_code == code, (r.status_code, r.get_data()[:300])
    assert len(r.get_data()) < SMALL, len(r.get_data())
    body = r.get_json()
    assert body["code"] == code and body["status"] and body["message"], body
    return body


ANONYMOUS = ["/t/xian/api/v1/register", "/api/v1/auth/token", "/t/xian/api/v1/organization-claims"]


@pytest.mark.parametrize("path", ANONYMOUS)
@pytest.mark.parametrize("lang, words", [("zh_CN", "请求体过大"), ("en", "too large")])
def test_300000_keys_are_refused_by_size_on_anonymous_endpoints(client, path, lang, words):
    r = client.post(path, data=_keys(300_000), content_type="application/json",
                    headers={"Accept-Language": lang})
    assert words in _shape(r, 413)["message"]


@pytest.mark.parametrize("path", ANONYMOUS)
def test_300000_keys_under_a_raised_size_cap_are_refused_by_count(app, client, monkeypatch, path):
    monkeypatch.setitem(app.config, "MAX_JSON_BYTES", 16 * 1024 * 1024)
    for nested in (False, True):
        r = client.post(path, data=_keys(300_000, nested), content_type="application/json")
        assert "最多 200 个" in _shape(r, 422)["message"]
    r = client.post(path, data=_keys(300_000), content_type="application/json",
                    headers={"Accept-Language": "en"})
    assert "at most 200" in _shape(r, 422)["message"]


def test_a_body_without_a_length_is_cut_at_the_cap(client):
    """Chunked, without Content-Length: the body is read only up to the cap."""
    r = client.post("/api/v1/auth/token", input_stream=io.BytesIO(_keys(300_000)),
                    headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                    environ_overrides={"wsgi.input_terminated": True})
    _shape(r, 413)


def test_a_body_that_is_not_declared_json_is_capped_too(enterprise):
    e = enterprise("xian")  # the filing routes parse whatever body they are sent
    r = e.post("/t/xian/api/v1/certifications", data=_keys(300_000), headers={"Content-Type": "text/plain"})
    _shape(r, 413)
    r = e.post("/t/xian/api/v1/certifications", data=_keys(300), headers={"Content-Type": "text/plain"})
    _shape(r, 422)


@pytest.mark.parametrize("lang, named", [
    ("zh_CN", "不认识的字段：k0、k1、k2、k3、k4 等 150 个。"),
    ("en", "Unknown fields: k0, k1, k2, k3, k4 and others, 150 in all.")])
def test_unknown_keys_are_one_message_naming_the_first_few(client, enterprise, lang, named):
    e = enterprise("xian")
    headers = {"Accept-Language": lang}
    unknown = {f"k{i}": 1 for i in range(150)}
    registration = {"name": "键测试有限公司", "uscc": make_uscc(), "email": "keys@xian.example.cn",
                    "password": "Qing-He-Bridge-1987", "contact_name": "李四",
                    "contact_phone": "029-88886666"}
    probes = [(client.post, "/t/xian/api/v1/register", registration),  # flask-smorest's arguments
              (e.post, "/t/xian/api/v1/certifications", cert_body())]  # a tenant's form (forms.load_json)
    for post, path, body in probes:
        r = post(path, json={**body, **unknown}, headers=headers)
        errors = _shape(r, 422)["errors"]["json"]
        assert errors == {"_schema": [named]}, errors
    # a few stay under their own names, as the contract has always had them
    r = e.post("/t/xian/api/v1/certifications", json={**cert_body(), "k0": 1, "k1": 2}, headers=headers)
    assert set(_shape(r, 422)["errors"]["json"]) == {"k0", "k1"}


def test_a_body_at_the_limits_is_served(enterprise):
    e = enterprise("xian")
    r = e.post("/t/xian/api/v1/certifications", json=cert_body(scope="管" * 2000))
    assert r.status_code == 201, r.get_json()


def test_uploads_keep_their_own_limit(enterprise):
    """Multipart is not a JSON body: a 5 MB attachment passes; over 10 MB is the upload's own 413."""
    e = enterprise("xian")
    record = e.post("/t/xian/api/v1/certifications", json=cert_body()).get_json()
    url = f"/t/xian/api/v1/certifications/{record['id']}/attachments"
    r = e.post(url, data={"file": (io.BytesIO(pdf_bytes(5 * 1024 * 1024)), "scan.pdf")},
               content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    r = e.post(url, data={"file": (io.BytesIO(pdf_bytes(11 * 1024 * 1024)), "scan.pdf")},
               content_type="multipart/form-data")
    assert r.status_code == 413
