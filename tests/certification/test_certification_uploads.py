"""Issue 5: the certificate scan — PDF by content, at most 10 MB, stored outside static/, served only to
the owner and the tenant's bureau; a failed upload leaves no row and no file."""
from pathlib import Path

from tests.certification.certification_helpers import (
    EXE, count_attachments, file_post, pdf_bytes, sha256, stored_files, submit,
)

URL = "/t/{}/api/v1/certifications"


def _att_url(tenant, record_id):
    return f"{URL.format(tenant)}/{record_id}/attachments"


def test_valid_pdf_is_stored_with_its_sha256_and_listed(app, enterprise):
    e = enterprise("xian")
    rec = submit(e, "xian")
    data = pdf_bytes()
    r = file_post(e, _att_url("xian", rec["id"]), data, filename="证书 扫描.PDF")
    assert r.status_code == 201, r.get_json()
    att = r.get_json()
    assert att["sha256"] == sha256(data) and att["size"] == len(data) and att["filename"].endswith(".pdf")
    assert att["id"]
    detail = e.get(f"{URL.format('xian')}/{rec['id']}").get_json()
    assert [a["id"] for a in detail["attachments"]] == [att["id"]]
    assert [a["id"] for a in e.get(_att_url("xian", rec["id"])).get_json()] == [att["id"]]
    # stored outside static/, under the upload directory
    files = [p for p in stored_files(app) if p.name == att["id"]]
    assert len(files) == 1 and files[0].read_bytes() == data
    static = Path(app.static_folder).resolve()
    assert static not in files[0].resolve().parents


def test_renamed_exe_is_415_and_leaves_nothing(app, enterprise):
    e = enterprise("xian")
    rec = submit(e, "xian")
    before = set(stored_files(app))
    r = file_post(e, _att_url("xian", rec["id"]), EXE, filename="scan.pdf")
    assert r.status_code == 415 and r.get_json()["code"] == 415 and "PDF" in r.get_json()["message"]
    assert count_attachments(app) == 0 and set(stored_files(app)) == before


def test_images_are_not_accepted_either(app, enterprise):
    e = enterprise("xian")
    rec = submit(e, "xian")
    r = file_post(e, _att_url("xian", rec["id"]), b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, filename="scan.png")
    assert r.status_code == 415


def test_larger_than_10_mb_is_413(app, enterprise):
    e = enterprise("xian")
    rec = submit(e, "xian")
    before = set(stored_files(app))
    r = file_post(e, _att_url("xian", rec["id"]), pdf_bytes(10 * 1024 * 1024 + 1))
    assert r.status_code == 413 and r.get_json()["code"] == 413
    assert count_attachments(app) == 0 and set(stored_files(app)) == before
    # exactly 10 MB is fine
    assert file_post(e, _att_url("xian", rec["id"]), pdf_bytes(10 * 1024 * 1024)).status_code == 201


def test_empty_or_missing_file_is_422(app, enterprise):
    e = enterprise("xian")
    rec = submit(e, "xian")
    r = file_post(e, _att_url("xian", rec["id"]), b"")
    assert r.status_code == 422
    r = e.client.post(_att_url("xian", rec["id"]), data={}, content_type="multipart/form-data",
                      headers=e.headers())
    assert r.status_code == 422 and "file" in r.get_json()["errors"]["files"]
    r = file_post(e, _att_url("xian", rec["id"]), pdf_bytes(), field="document")
    assert r.status_code == 422
    r = e.post(_att_url("xian", rec["id"]), json={"file": "JVBERi0="})
    assert r.status_code == 422
    assert count_attachments(app) == 0


def test_only_the_owner_and_the_bureau_see_the_file(app, enterprise, bureau):
    owner, other, b = enterprise("xian"), enterprise("xian"), bureau("xian")
    rec = submit(owner, "xian")
    data = pdf_bytes()
    att = file_post(owner, _att_url("xian", rec["id"]), data).get_json()
    url = f"{_att_url('xian', rec['id'])}/{att['id']}"
    r = owner.get(url)
    assert r.status_code == 200 and r.data == data and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    r = b.get(url)
    assert r.status_code == 200 and r.data == data
    assert other.get(url).status_code == 404
    assert file_post(other, _att_url("xian", rec["id"]), pdf_bytes()).status_code == 404
    assert bureau("hebi").get(url).status_code == 404
    assert enterprise("hebi").get(url).status_code == 404
    assert b.client.get(url).status_code == 401
    # an attachment id under the wrong record is not found
    rec2 = submit(owner, "xian")
    assert owner.get(f"{_att_url('xian', rec2['id'])}/{att['id']}").status_code == 404
    # the bureau may not upload
    assert file_post(b, _att_url("xian", rec["id"]), pdf_bytes()).status_code == 403
    assert count_attachments(app) == 1


def test_no_uploads_once_decided(enterprise, bureau):
    e, b = enterprise("hebi"), bureau("hebi")
    rec = submit(e, "hebi")
    b.post(f"{URL.format('hebi')}/{rec['id']}/decision", json={"decision": "verify"})
    assert file_post(e, _att_url("hebi", rec["id"]), pdf_bytes()).status_code == 409

