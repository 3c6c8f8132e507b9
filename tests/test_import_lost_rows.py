"""An import never reports a row it did not keep (issue 19, item 3).

Another writer takes a certificate number while the import is running: between the row-by-row path's
duplicate check and its INSERT, and between a chunk's look-up and its write. The unique index refuses the
import's row; that row alone is undone (its savepoint) and reported as an error, and every row reported
imported is stored — before the fix the service's ``rollback()`` ended the whole transaction and threw
away the uncommitted rows before it (the report said "导入 2", the database held none of them).

The other writer: on PostgreSQL a request of its own through the API (its own connection, committed by
its own unit of work) while the import waits. On SQLite no other connection can write while the import's
transaction holds the database's one write lock (it takes it with its first row), so the other writer
files the record on the import's connection, in a savepoint of its own — the database refuses the import's
row the same way; the other writer's record then goes with the import's savepoint that contains it.
"""
from __future__ import annotations

import datetime as dt

import pytest
import threading

from sqlalchemy import select

from tests.test_imports import CERT_HEADERS, make_uscc, run, xlsx

NUMBERS = ["HB-LOST-01", "HB-LOST-02", "HB-LOST-03"]  # rows 2, 3 and 4 of the ledger


def _ledger(path):
    return xlsx(path, CERT_HEADERS, [
        [f"鹤壁台账单位{n}", make_uscc(), "企业", None, number, "中知（北京）认证有限公司", "2019-05-01",
         "2022-04-30", None, "知识产权管理"] for n, number in enumerate(NUMBERS, start=1)])


class OtherWriter:
    """Files a certificate number for an organization of its own, at the moment the test chooses."""

    def __init__(self, app, enterprise, is_postgres: bool):
        self.app, self.is_postgres = app, is_postgres
        self.api = enterprise("hebi", name="鹤壁抢先科技有限公司")
        self.taken: list[str] = []
        self.threads: list[threading.Thread] = []
        self.answers: list[tuple[str, int]] = []

    def take(self, number: str, *, in_background: bool = False) -> None:
        self.taken.append(number)  # first: the API's own duplicate check must not take it again
        if not self.is_postgres:
            self._file_on_this_connection(number)
            return
        if not in_background:
            assert self._post(number) == 201
            return
        # Once the import has numbered a record in its transaction, a submission of the kind in the tenant
        # waits for the number counter (issue 20: every kind numbered per tenant and year) until the chunk
        # commits: the other writer runs beside the import, and then finds the number imported (409).
        thread = threading.Thread(target=lambda: self.answers.append((number, self._post(number))))
        thread.start()
        self.threads.append(thread)

    def _post(self, number: str) -> int:
        # an application context of its own: its own session and connection (a request pushed inside the
        # command's context would share the command's)
        with self.app.app_context():
            r = self.app.test_client().post(
                "/t/hebi/api/v1/certifications", headers={"Authorization": f"Bearer {self.api.token}"},
                json={"org_type": "enterprise", "certificate_no": number, "scope": "知识产权管理",
                      "certification_body": "中规认证", "issued_on": "2019-03-01",
                      "expires_on": "2022-02-28"})
        return r.status_code

    def finish(self) -> None:
        """Wait for the writers that ran beside the import; a refused one took nothing."""
        for thread in self.threads:
            thread.join(60)
        for number, status in self.answers:
            assert status in (201, 409), status
            if status == 409:
                self.taken.remove(number)

    def _file_on_this_connection(self, number: str) -> None:
        from ipservice.accounts.models import Enterprise, User
        from ipservice.certification import services
        from ipservice.certification.models import OBJECT_TYPE, CertificationRecord
        from ipservice.core import filing
        from ipservice.core.tenancy import current_tenant
        from ipservice.extensions import db

        with db.session.begin_nested():
            org = db.session.scalar(select(Enterprise).where(Enterprise.id == self.api.info["id"]))
            owner = db.session.get(User, org.user_id)
            fields = services.record_fields(current_tenant(), {
                "org_type": "enterprise", "issued_on": dt.date(2019, 3, 1),
                "expires_on": dt.date(2022, 2, 28), "certificate_no": number,
                "certification_body": "中规认证", "scope": "知识产权管理"})
            filing.submit(CertificationRecord(enterprise_id=org.id, **fields), OBJECT_TYPE, owner)


def _stored(app):
    """``{certificate number: filed by the import?}`` of every record of the tenant."""
    from ipservice.accounts.models import User
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("hebi"):
        rows = db.session.execute(select(CertificationRecord.certificate_no, User.role)
                                  .join(User, User.id == CertificationRecord.submitted_by)).all()
        return {number: role == "bureau" for number, role in rows}


def _report(stdout: str) -> dict[str, str]:
    """``{certificate number: "ok" | "skipped" | "error"}`` from the report's row lines."""
    out = {}
    for n, number in enumerate(NUMBERS, start=2):
        for outcome, line in (("ok", "导入成功"), ("skipped", "跳过"), ("error", "错误")):
            if f"第 {n} 行：{line}" in stdout:
                out[number] = outcome
    return out


def _check(app, result, writer):
    writer.finish()
    report = _report(result.stdout)
    assert len(report) == len(NUMBERS), result.output
    stored = _stored(app)
    imported = {number for number, by_import in stored.items() if by_import}
    # row for row: what the report says was imported is stored, filed by the import, and nothing else is
    reported = {number for number, outcome in report.items() if outcome == "ok"}
    assert imported == reported, (result.output, stored)
    counts = [sum(o == k for o in report.values()) for k in ("ok", "skipped", "error")]
    assert "3 行：导入 {}，跳过 {}，错误 {}".format(*counts) in result.stdout
    if writer.is_postgres:  # the other writer's records stay (SQLite: gone with the import's savepoint)
        assert {n for n, by_import in stored.items() if not by_import} == set(writer.taken)
    return report


@pytest.fixture
def writer(app, enterprise, is_postgres):
    return OtherWriter(app, enterprise, is_postgres)


@pytest.fixture
def importer_email(app):
    from tests.conftest import create_user

    create_user(app, "lost-rows@hebi.gov.cn", "bureau", "hebi")
    return "lost-rows@hebi.gov.cn"


def _take_between_check_and_insert(monkeypatch, writer, number):
    """The service's duplicate check answers, then the other writer files ``number``, then the INSERT."""
    from ipservice.certification import services

    real = services.prior_claim_or_duplicate

    def checked(record):
        found = real(record)
        if record.certificate_no == number and number not in writer.taken:
            writer.take(number, in_background=True)
        return found

    monkeypatch.setattr(services, "prior_claim_or_duplicate", checked)


def test_a_number_taken_in_the_middle_of_a_row_by_row_run(app, tmp_path, monkeypatch, writer, importer_email):
    """The issue's case: the last row of three meets the conflict; the two before it stay imported."""
    from ipservice.certification import imports

    monkeypatch.setattr(imports.SPEC, "bulk", None)  # the row-by-row path
    _take_between_check_and_insert(monkeypatch, writer, NUMBERS[2])
    ledger = _ledger(tmp_path / "rows.xlsx")
    result = run(app, "certifications", "--tenant", "hebi", "--as", importer_email, ledger)
    assert result.exit_code == (0 if writer.is_postgres else 1), result.output
    report = _check(app, result, writer)
    if writer.is_postgres:  # the other writer waited for the import's numbers, then found its number taken
        assert report == {NUMBERS[0]: "ok", NUMBERS[1]: "ok",
                          NUMBERS[2]: "ok"} and writer.answers[0][1] == 409
        return
    assert report == {NUMBERS[0]: "ok", NUMBERS[1]: "ok", NUMBERS[2]: "error"}
    assert "该证书编号已在本地区备案。" in result.stdout


def test_a_number_taken_in_the_middle_of_a_chunk(app, tmp_path, monkeypatch, writer, importer_email):
    """The other writer takes the second number between the chunk's look-up and its write, so the chunk
    is redone row by row (the second row now skipped as a duplicate) — where the other writer takes the
    third number between that row's check and its INSERT."""
    from ipservice.certification import imports

    assert imports.SPEC.bulk is imports.Bulk  # the chunked path
    real_write = imports.Bulk.write

    def write(self):
        writer.take(NUMBERS[1])
        real_write(self)

    monkeypatch.setattr(imports.Bulk, "write", write)
    _take_between_check_and_insert(monkeypatch, writer, NUMBERS[2])
    ledger = _ledger(tmp_path / "chunk.xlsx")
    result = run(app, "certifications", "--tenant", "hebi", "--as", importer_email, ledger)
    report = _check(app, result, writer)
    if writer.is_postgres:
        # the second number is the other writer's (taken before the chunk wrote: the chunk is redone row by
        # row); the third one's writer waited for the import's numbers and then found it imported
        assert report == {NUMBERS[0]: "ok", NUMBERS[1]: "skipped", NUMBERS[2]: "ok"}, result.output
        return
    assert result.exit_code == 1, result.output
    assert report[NUMBERS[0]] == "ok" and report[NUMBERS[2]] == "error"
    assert report[NUMBERS[1]] == "ok"  # SQLite: the other writer's went with the chunk's savepoint
