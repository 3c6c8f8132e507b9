"""Imports from a page (issue 21, item 6): ``POST /t/<tenant>/api/v1/imports`` queues a job that imports
through the same engine as ``flask import`` — the same report —, its progress and counts, the owner told."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.importing.conftest import (COMMAND_OF, TENANT_OF, csv_rows, drain, official, sample, upload)


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
