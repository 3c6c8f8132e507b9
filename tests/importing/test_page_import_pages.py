"""The pages of imports: the bureau's navigation links them; a new import (kind and file) leads to the
import's page with its progress, then its report with the CSV and XLSX downloads; the list; refusals on
the page in the user's language; another tenant's bureau 404, an organization 403."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.conftest import csrf_from, page_login
from tests.importing.conftest import csv_rows, drain, official, sample


def _post_new(client, tenant, kind, path, lang="zh"):
    page = client.get(f"/t/{tenant}/imports/new?lang={lang}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True))}
    if kind:
        data["kind"] = kind
    if path is not None:
        data["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return client.post(f"/t/{tenant}/imports/new", data=data, content_type="multipart/form-data")


def test_a_page_import_from_the_form_to_the_report(app, client, tmp_path, queue):
    officer = official(app, client, "hebi")
    page_login(client, officer.email)
    home = client.get("/t/hebi/imports").get_data(as_text=True)
    assert 'href="/t/hebi/imports"' in home and "还没有导入过文件" in home  # linked from the navigation
    form = client.get("/t/hebi/imports/new").get_data(as_text=True)
    for kind in ("custody", "certification", "case", "subsidy"):
        assert f'value="{kind}"' in form and f"/t/hebi/imports/template/{kind}.xlsx" in form
    r = _post_new(client, "hebi", "certification", sample("certification", tmp_path / "备案.xlsx"))
    assert r.status_code == 303
    detail_url = r.headers["Location"]
    import_id = detail_url.rsplit("/", 1)[1]
    waiting = client.get(detail_url).get_data(as_text=True)
    assert "排队中" in waiting and '<progress id="import-progress" max="2" value="0">' in waiting
    assert "js/import-progress.js" in waiting and 'http-equiv="refresh"' in waiting
    status = client.get(f"/t/hebi/imports/{import_id}/status").get_json()
    assert status["status"] == "queued" and status["rows"] == 2

    drain(app)
    done = client.get(detail_url).get_data(as_text=True)
    assert "已完成" in done and '<progress id="import-progress" max="2" value="2">' in done
    assert "成功 1 行，跳过 0 行，错误 1 行" in done and "统一社会信用代码校验位不正确" in done
    assert "import-progress.js" not in done and 'http-equiv="refresh"' not in done
    report = csv_rows(client.get(f"/t/hebi/imports/{import_id}/report.csv").data)
    assert report[0] == ["行号", "结果", "详情"]
    assert [r[:2] for r in report[1:]] == [["2", "导入成功"], ["3", "错误"]]
    xlsx = client.get(f"/t/hebi/imports/{import_id}/report.xlsx")
    assert xlsx.status_code == 200
    cells = [row for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)]
    assert cells[1] == ("行号", "结果", "详情") and cells[3][:2] == (3, "错误")
    listing = client.get("/t/hebi/imports").get_data(as_text=True)
    assert "备案.xlsx" in listing and "已完成" in listing

    english = client.get(f"{detail_url}?lang=en").get_data(as_text=True)
    assert "Done" in english and "1 rows imported, 0 skipped, 1 with errors" in english
    assert csv_rows(client.get(f"/t/hebi/imports/{import_id}/report.csv").data)[0] == ["Row", "Result",
                                                                                       "Details"]


def test_refusals_on_the_page_in_the_users_language(app, client, tmp_path, queue):
    officer = official(app, client, "hebi")
    page_login(client, officer.email)
    r = _post_new(client, "hebi", None, sample("certification", tmp_path / "a.xlsx"))
    assert r.status_code == 422 and "请选择导入的类型" in r.get_data(as_text=True)
    r = _post_new(client, "hebi", "certification", None, lang="en")
    assert r.status_code == 422 and "Choose the Excel file to import" in r.get_data(as_text=True)
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4 a scan")
    r = _post_new(client, "hebi", "certification", pdf, lang="en")
    assert r.status_code == 415 and "not an Excel workbook" in r.get_data(as_text=True)
    r = _post_new(client, "hebi", "custody", sample("certification", tmp_path / "b.xlsx"), lang="zh")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "文件缺少必需的列" in page
    assert re.search(r'value="custody"[^>]*checked', page)  # the choice is kept
    assert "还没有导入过文件" in client.get("/t/hebi/imports?lang=zh").get_data(as_text=True)


def test_who_may_see_the_pages(app, client, tmp_path, queue, enterprise):
    officer = official(app, client, "hebi")
    page_login(client, officer.email)
    detail_url = _post_new(client, "hebi", "certification", sample("certification", tmp_path / "c.xlsx")
                           ).headers["Location"]
    import_id = detail_url.rsplit("/", 1)[1]
    client.post("/logout",
                data={"csrf_token": csrf_from(client.get("/t/hebi/imports").get_data(as_text=True))})
    other = official(app, client, "xian")
    page_login(client, other.email)
    for url in (detail_url, f"{detail_url}/report.csv", f"{detail_url}/status", "/t/hebi/imports",
                "/t/hebi/imports/new"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/t/xian/imports/{import_id}").status_code == 404
    assert 'href="/t/xian/imports"' in client.get("/t/xian/imports").get_data(as_text=True)
    client.post("/logout",
                data={"csrf_token": csrf_from(client.get("/t/xian/imports").get_data(as_text=True))})
    firm = enterprise("hebi")
    page_login(client, firm.info["email"])
    for url in (detail_url, f"{detail_url}/report.xlsx", "/t/hebi/imports", "/t/hebi/imports/new",
                "/t/hebi/imports/template/case.xlsx"):
        assert client.get(url).status_code == 403, url
    assert 'href="/t/hebi/imports"' not in client.get("/t/hebi/").get_data(as_text=True)
