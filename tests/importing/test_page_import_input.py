"""Bad input of a page import — a wrong or missing kind, no file, an empty one, not a spreadsheet, too
large, missing columns — is a 4xx in the user's language and stores nothing; who may import and see an
import (another tenant's bureau: 404, an organization: 403); the templates of each kind."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.importing.conftest import drain, official, sample, upload


def _stored(app) -> tuple[int, set]:
    """The imports in the database and the files in the upload folder's imports (earlier tests' files stay:
    compare with what there was before)."""
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db
    from ipservice.importing.models import PageImport

    with app.app_context(), cross_tenant("test"):
        n = db.session.scalar(select(func.count()).select_from(PageImport))
        db.session.remove()
    return n, {p for p in Path(app.config["UPLOAD_DIR"]).glob("*/imports/*") if p.is_file()}


def _xlsx_bytes(headers) -> bytes:
    wb = Workbook()
    wb.active.append(headers)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


CASES = [
    # (what, kind, content, status, Chinese message part, English message part)
    ("no kind", None, "good", 422, "请选择导入的类型", "Choose what the file holds"),
    ("wrong kind", "patents", "good", 422, "没有“patents”这种导入", "There is no import of kind “patents”"),
    ("no file", "certification", None, 422, "请选择要导入的 Excel 文件", "Choose the Excel file to import"),
    ("empty", "certification", b"", 422, "文件为空", "empty"),
    ("a PDF", "certification", b"%PDF-1.4 not a sheet", 415, "文件不是 Excel 工作簿",
     "not an Excel workbook"),
    ("a CSV", "certification", "统一社会信用代码,证书编号\n".encode(), 415, "文件不是 Excel 工作簿",
     "not an Excel workbook"),
    ("a zip that is no workbook", "certification", "zip", 415, "无法读取文件", "台账.xlsx"),
    ("missing columns", "certification", "headers", 422, "文件缺少必需的列", "required"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("what,kind,content,status,zh,en", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_4xx_in_the_users_language_and_stores_nothing(app, client, tmp_path, queue, lang, what,
                                                                     kind, content, status, zh, en):
    officer = official(app, client, "hebi")
    officer.lang = lang
    if content == "good":
        content = sample("certification", tmp_path / "good.xlsx").read_bytes()
    elif content == "zip":
        content = _zip_bytes()
    elif content == "headers":
        content = _xlsx_bytes(["单位名称", "统一社会信用代码"])
    before = _stored(app)
    r = upload(officer, "hebi", kind, content=content) if content is not None else upload(officer, "hebi",
                                                                                          kind)
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    text = body["message"] + str(body.get("errors", ""))
    assert (zh if lang == "zh" else en) in text, text
    if lang == "en" and what == "missing columns":
        assert "Certificate" in text or "certificate_no" in text
    assert _stored(app) == before == (0, before[1])
    assert drain(app) == 0


def test_a_file_over_the_limit_is_413(app, client, tmp_path, queue, monkeypatch):
    officer = official(app, client, "hebi")
    path = sample("certification", tmp_path / "big.xlsx")
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", path.stat().st_size - 1)
    before = _stored(app)
    r = upload(officer, "hebi", "certification", path)
    assert r.status_code == 413 and "文件不能超过" in r.get_json()["message"]
    assert _stored(app) == before == (0, before[1])


def test_only_the_tenants_bureau_imports_and_sees_its_imports(app, client, tmp_path, queue, enterprise):
    officer = official(app, client, "hebi")
    path = sample("certification", tmp_path / "c.xlsx")
    import_id = upload(officer, "hebi", "certification", path).get_json()["id"]
    drain(app)
    report_url = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()["report_url"]
    assert report_url == f"/t/hebi/api/v1/imports/{import_id}/report.csv"
    other = official(app, client, "xian")
    assert other.get(f"/t/hebi/api/v1/imports/{import_id}").status_code == 404
    assert other.get(report_url).status_code == 404
    assert upload(other, "hebi", "certification", path).status_code == 404
    assert other.get(f"/t/xian/api/v1/imports/{import_id}").status_code == 404  # not in xian either
    firm = enterprise("hebi")
    assert upload(firm, "hebi", "certification", path).status_code == 403
    assert firm.get(f"/t/hebi/api/v1/imports/{import_id}").status_code == 403
    assert firm.get(report_url).status_code == 403
    anonymous = client.get(f"/t/hebi/api/v1/imports/{import_id}")
    assert anonymous.status_code == 401
    assert _stored(app)[0] == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind,tenant,own_field", [
    ("custody", "xian", ("所在双创示范基地", "Mass-innovation demonstration base")),
    ("certification", "hebi", None), ("case", "hebi", None), ("subsidy", "hebi", None)])
def test_a_template_per_kind_in_the_readers_language_with_the_tenants_fields(app, client, kind, tenant,
                                                                             own_field,
                                                                              lang):
    from tests.conftest import page_login

    officer = official(app, client, tenant)
    page_login(client, officer.email)
    r = client.get(f"/t/{tenant}/imports/template/{kind}.xlsx?lang={lang}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    headers = [c.value for c in next(load_workbook(io.BytesIO(r.data)).active.iter_rows())]
    from ipservice.core import filing
    from ipservice.tenants import registry

    with app.test_request_context(f"/?lang={lang}"):
        columns = filing.kind(kind).importer.columns(registry.get(tenant))
        assert headers == [c.label + ("*" if c.required else "") for c in columns]
    assert ("企业名称*" in headers or "单位名称*" in headers or "申请人*" in headers) == (lang == "zh")
    if own_field:
        assert any(h.rstrip("*") == own_field[0 if lang == "zh" else 1] for h in headers), headers
    assert client.get(f"/t/{tenant}/imports/template/patents.xlsx").status_code == 422


def test_the_english_template_filled_in_imports(app, client, tmp_path, queue):
    from tests.conftest import page_login
    from tests.test_imports import make_uscc

    officer = official(app, client, "hebi")
    page_login(client, officer.email)
    wb = load_workbook(io.BytesIO(client.get("/t/hebi/imports/template/certification.xlsx?lang=en").data))
    ws = wb.active
    headers = [c.value.rstrip("*") for c in next(ws.iter_rows())]
    values = {"Organization name": "英文模板单位", "USCC": make_uscc(), "Type of organization": "enterprise",
              "Certificate number": "EN-0001", "Certification body": "CNAS body", "Issue date": "2019-01-10",
              "Valid until": "2022-01-09", "Scope of certification": "IP management"}
    missing = set(values) - set(headers)
    assert not missing, (missing, headers)
    ws.append([values.get(h) for h in headers])
    path = tmp_path / "en.xlsx"
    wb.save(path)
    r = upload(officer, "hebi", "certification", path)
    assert r.status_code == 202, r.get_json()
    drain(app)
    body = officer.get(f"/t/hebi/api/v1/imports/{r.get_json()['id']}").get_json()
    assert (body["status"], body["ok"], body["errors"]) == ("done", 1, 0), body
