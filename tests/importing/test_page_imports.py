"""Imports from a page (issue 21, item 6): ``POST /t/<tenant>/api/v1/imports`` queues a job that imports
through the same engine as ``flask import`` — the same report —, its progress and counts, the owner told."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.importing.conftest import (
    COMMAND_OF,
    TENANT_OF,
    csv_rows,
    drain,
    official,
    sample,
    sweep,
    upload,
)


def _count(app, tenant, model):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


@pytest.mark.parametrize("kind", ["custody", "certification", "case", "subsidy"])
def test_a_page_import_gives_the_command_lines_report(app, client, tmp_path, queue, kind, _append_only):
    """The same file, imported by ``flask import`` and then — on an emptied database — from the page: the
    same report, row by row (a good row, a bad one)."""
    from tests.conftest import empty_database

    tenant = TENANT_OF[kind]
    path = sample(kind, tmp_path / f"{kind}.xlsx", app)
    cli_officer = official(app, client, tenant, f"importer@{tenant}.gov.cn")
    report = tmp_path / "cli.csv"
    result = app.test_cli_runner().invoke(args=["import", COMMAND_OF[kind], "--tenant", tenant, "--as",
                                                cli_officer.email, "--report", str(report), str(path)])
    assert result.exit_code == 1, result.output  # the bad row
    expected = csv_rows(report.read_bytes())
    assert [r[1] for r in expected[1:]] == ["导入成功", "错误"]

    empty_database(app, _append_only)
    if kind == "custody":
        from tests.importing.conftest import make_agency
        make_agency(app, tenant)
    officer = official(app, client, tenant, f"importer@{tenant}.gov.cn")
    r = upload(officer, tenant, kind, path, name=path.name)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "queued"
    import_id = r.get_json()["id"]
    assert drain(app) >= 1
    body = officer.get(f"/t/{tenant}/api/v1/imports/{import_id}").get_json()
    assert body["status"] == "done", body
    assert (body["rows"], body["processed"], body["ok"], body["skipped"], body["errors"]) == (2, 2, 1, 0, 1)
    page_report = officer.get(body["report_url"])
    assert page_report.status_code == 200
    assert csv_rows(page_report.data) == expected


def _cert_rows(n: int, series: str) -> list[list]:
    from tests.test_imports import make_uscc

    return [[f"单位{series}{i}", make_uscc(), "企业", None, f"{series}-{i:05d}", "中知认证", "2019-01-10",
             "2022-01-09", None, "管理"] for i in range(n)]


def _big_xlsx(path, rows):
    from openpyxl import Workbook

    from tests.test_imports import CERT_HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(CERT_HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_ten_thousand_rows_are_taken_at_once_and_imported_by_the_job(app, client, tmp_path, queue):
    from ipservice.certification.models import CertificationRecord

    officer = official(app, client, "hebi")
    path = _big_xlsx(tmp_path / "万行.xlsx", _cert_rows(10_000, "BIG"))
    r = upload(officer, "hebi", "certification", path)
    assert r.status_code == 202 and r.get_json()["status"] == "queued"
    import_id = r.get_json()["id"]
    # the request ran nothing: no record yet, the import waits for a worker (a file written without its
    # dimension, as here, has its rows counted by the job)
    assert _count(app, "hebi", CertificationRecord) == 0
    waiting = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (waiting["status"], waiting["rows"], waiting["processed"], waiting["report_url"]) == ("queued",
                                                                                                 None, 0,
                                                                                                 None)
    drain(app)
    done = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (done["status"], done["rows"], done["processed"], done["ok"], done["errors"]) == (
        "done", 10_000, 10_000, 10_000, 0)
    assert _count(app, "hebi", CertificationRecord) == 10_000
    report = csv_rows(officer.get(done["report_url"]).data)
    assert len(report) == 10_001 and report[1][:2] == ["2", "导入成功"] and report[-1][0] == "10001"


def _import_row(app, tenant, import_id):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.importing.models import PageImport

    with app.app_context(), tenant_context(tenant):
        imp = db.session.get(PageImport, (tenant, import_id))
        out = {c: getattr(imp, c)
               for c in ("status", "processed", "attempts", "last_row", "lease_until", "rows")}
        db.session.remove()
        return out


def test_progress_is_written_with_each_chunk(app, client, tmp_path, queue, monkeypatch):
    """The processed count moves chunk by chunk, in the chunk's own transaction (seen from outside it)."""
    from ipservice.importing import engine, jobs

    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    officer = official(app, client, "hebi")
    import_id = upload(officer, "hebi", "certification", _big_xlsx(tmp_path / "f.xlsx", _cert_rows(5, "PRG"))
                       ).get_json()["id"]
    seen = []
    end_chunk = jobs.PageImporter.end_chunk

    def watch(self):
        end_chunk(self)
        seen.append(officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()["processed"])

    monkeypatch.setattr(jobs.PageImporter, "end_chunk", watch)
    drain(app)
    assert seen == [0, 2, 4, 5]  # after the count, after each chunk
    assert officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()["status"] == "done"


def test_a_job_run_twice_imports_once_and_tells_the_owner_once(app, client, tmp_path, queue):
    from ipservice.certification.models import CertificationRecord
    from ipservice.core import jobs
    from ipservice.importing.services import JOB

    officer = official(app, client, "hebi")
    import_id = upload(officer, "hebi", "certification", sample("certification", tmp_path / "c.xlsx")
                       ).get_json()["id"]
    assert officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()["rows"] == 2  # as Excel wrote it
    jobs.enqueue_now(JOB, "hebi", import_id, app=app)  # the same job queued a second time
    assert drain(app) == 2
    assert _count(app, "hebi", CertificationRecord) == 1
    body = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (body["processed"], body["ok"], body["errors"]) == (2, 1, 1)
    assert _import_row(app, "hebi", import_id)["attempts"] == 1
    notes = officer.get("/api/v1/notifications").get_json()
    assert [n["title"] for n in notes] == ["导入完成：台账.xlsx，成功 1 行，跳过 0 行，错误 1 行"]
    assert notes[0]["link"] == f"/t/hebi/imports/{import_id}"
    english = officer.get("/api/v1/notifications", headers={"Accept-Language": "en"}).get_json()
    assert english[0]["title"] == "Import finished: 台账.xlsx, 1 rows imported, 0 skipped, 1 with errors"


class Killed(BaseException):
    """The worker dies (not an error the job could handle)."""


def test_a_killed_workers_import_runs_again_and_goes_on_after_the_last_chunk(app, client, tmp_path, queue,
                                                                             monkeypatch):
    from ipservice.certification.models import CertificationRecord
    from ipservice.core import jobs as core_jobs
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.importing import engine, jobs
    from ipservice.importing.models import PageImport
    from ipservice.importing.services import JOB

    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    officer = official(app, client, "hebi")
    rows = _cert_rows(5, "KIL")
    rows[3][1] = rows[3][1][:-1] + ("0" if rows[3][1][-1] != "0" else "1")  # row 5: a bad check character
    import_id = upload(officer, "hebi", "certification",
                       _big_xlsx(tmp_path / "k.xlsx", rows)).get_json()["id"]
    chunk_done = jobs.PageImporter.chunk_done
    calls = []

    def die_in_the_second_chunk(self, outcomes):
        calls.append(len(outcomes))
        if len(calls) == 2:
            raise Killed
        chunk_done(self, outcomes)

    monkeypatch.setattr(jobs.PageImporter, "chunk_done", die_in_the_second_chunk)
    queue.huey.flush()  # the worker took the job off the queue …
    with pytest.raises(Killed):
        core_jobs.of(app).run(JOB, ["hebi", import_id])  # … and died in it
    monkeypatch.setattr(jobs.PageImporter, "chunk_done", chunk_done)
    held = _import_row(app, "hebi", import_id)
    assert (held["status"], held["processed"], held["last_row"]) == ("running", 2, 3)  # the first chunk stays
    assert _count(app, "hebi", CertificationRecord) == 2

    sweep(app)  # its lease still runs: nobody takes it
    assert _import_row(app, "hebi", import_id)["attempts"] == 1
    with app.app_context(), tenant_context("hebi"):
        db.session.execute(db.update(PageImport).values(lease_until=PageImport.created_at))
        db.session.commit()
    sweep(app)  # the lease has run out: the sweep queues it, a worker goes on after row 3
    after = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (after["status"], after["processed"], after["ok"], after["errors"]) == ("done", 5, 4, 1)
    assert _import_row(app, "hebi", import_id)["attempts"] == 2
    assert _count(app, "hebi", CertificationRecord) == 4  # nothing twice
    report = csv_rows(officer.get(after["report_url"]).data)
    assert [r[:2] for r in report[1:]] == [["2", "导入成功"], ["3", "导入成功"], ["4", "导入成功"],
                                           ["5", "错误"], ["6", "导入成功"]]


def test_the_same_file_imported_again_adds_nothing(app, client, tmp_path, queue):
    from ipservice.certification.models import CertificationRecord

    officer = official(app, client, "hebi")
    path = sample("certification", tmp_path / "again.xlsx")
    first = upload(officer, "hebi", "certification", path).get_json()["id"]
    drain(app)
    second = upload(officer, "hebi", "certification", path).get_json()["id"]
    drain(app)
    assert _count(app, "hebi", CertificationRecord) == 1
    body = officer.get(f"/t/hebi/api/v1/imports/{second}").get_json()
    assert (body["ok"], body["skipped"], body["errors"]) == (0, 1, 1)
    assert first != second


def test_a_file_that_can_no_longer_be_read_fails_the_import_and_says_why(app, client, tmp_path, queue):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.importing.models import PageImport
    from ipservice.importing.services import file_path

    officer = official(app, client, "hebi")
    import_id = upload(officer, "hebi", "certification", sample("certification", tmp_path / "gone.xlsx")
                       ).get_json()["id"]
    with app.app_context(), tenant_context("hebi"):
        file_path(db.session.get(PageImport, ("hebi", import_id))).unlink()
        db.session.remove()
    drain(app)
    body = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert body["status"] == "failed" and body["processed"] == 0
    notes = officer.get("/api/v1/notifications").get_json()
    assert notes[0]["title"] == "导入失败：台账.xlsx" and "无法读取文件" in notes[0]["body"]


def test_two_workers_taking_one_import_at_once_import_it_once(app, client, tmp_path, queue, monkeypatch):
    """The conditional UPDATE that takes an import decides between two workers that reach it together."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from ipservice.certification.models import CertificationRecord
    from ipservice.core import jobs as core_jobs
    from ipservice.importing import jobs
    from ipservice.importing.services import JOB

    officer = official(app, client, "hebi")
    import_id = upload(officer, "hebi", "certification",
                       _big_xlsx(tmp_path / "r.xlsx", _cert_rows(20, "RACE"))
                       ).get_json()["id"]
    queue.huey.flush()
    barrier = threading.Barrier(2)
    take = jobs._take
    taken = []

    def together(import_id):
        barrier.wait(timeout=60)
        taken.append(take(import_id))
        return taken[-1]

    monkeypatch.setattr(jobs, "_take", together)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _n: core_jobs.of(app).run(JOB, ["hebi", import_id]), range(2)))
    assert sorted(taken) == [0, 1]
    assert _count(app, "hebi", CertificationRecord) == 20
    body = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (body["status"], body["processed"], body["ok"]) == ("done", 20, 20)


def test_an_import_tried_too_often_is_failed(app, client, tmp_path, queue):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.importing.models import PageImport

    officer = official(app, client, "hebi")
    import_id = upload(officer, "hebi", "certification", sample("certification", tmp_path / "t.xlsx")
                       ).get_json()["id"]
    queue.huey.flush()
    with app.app_context(), tenant_context("hebi"):  # three workers took it and died
        db.session.execute(db.update(PageImport).values(status="running", attempts=3,
                                                        lease_until=PageImport.created_at))
        db.session.commit()
    sweep(app)
    body = officer.get(f"/t/hebi/api/v1/imports/{import_id}").get_json()
    assert (body["status"], body["processed"]) == ("failed", 0)
    assert officer.get("/api/v1/notifications").get_json()[0]["body"] == "导入尝试 3 次仍未完成，已停止。"


@pytest.mark.parametrize("kind", ["case", "certification"])
def test_filings_the_bureau_imports_are_not_announced_to_the_bureau_row_by_row(app, client, tmp_path, queue,
                                                                               kind):
    """A row imported by the bureau is not a new filing to tell the bureau of (the row-by-row path wrote a
    notice per row to every officer); the one who imported is told once, when the import ends."""
    tenant = TENANT_OF[kind]
    officer = official(app, client, tenant)
    colleague = official(app, client, tenant, f"colleague@{tenant}.gov.cn")
    import_id = upload(officer, tenant, kind, sample(kind, tmp_path / f"{kind}.xlsx", app)).get_json()["id"]
    drain(app)
    assert officer.get(f"/t/{tenant}/api/v1/imports/{import_id}").get_json()["ok"] == 1
    assert [n["link"] for n in officer.get("/api/v1/notifications").get_json()] == [
        f"/t/{tenant}/imports/{import_id}"]
    assert colleague.get("/api/v1/notifications").get_json() == []
