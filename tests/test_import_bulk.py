"""The chunked import (``ImportSpec.bulk``) against the row-by-row import it replaces for certifications:
the same file gives the same report, the same records, organizations, placeholder users and audit events.

Each test imports two copies of one ledger into Hebi, one through the chunked path and one row by row
(``SPEC.bulk`` set to None): the copies differ only in a series letter in their certificate numbers, USCCs
and names, which the comparison maps back.
"""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from tests.test_imports import CERT_HEADERS, run, xlsx

_SERIAL = itertools.count(1)


def _uscc(series: str, n: int) -> str:
    from stdnum.cn import uscc

    body = f"91410600{series}{n:07d}"
    return body + uscc.calc_check_digit(body)


def _bad(uscc: str) -> str:
    return uscc[:-1] + ("0" if uscc[-1] != "0" else "1")


class Copy:
    """One copy of the ledger: its series letters and the USCCs it uses."""

    def __init__(self, series: str):
        self.series = series  # two letters of the USCC alphabet, also put in the certificate numbers
        base = next(_SERIAL) * 100
        self.orgs = {k: _uscc(series, base + n) for n, k in enumerate("ABCDEFGHZ")}

    def no(self, text: str) -> str:
        return f"{self.series}-{text}"

    def unmap(self, value):
        """The copy's own series and USCCs replaced by neutral names (to compare two copies)."""
        if isinstance(value, dict):
            return {k: self.unmap(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.unmap(v) for v in value)
        if isinstance(value, str):
            for key, uscc in self.orgs.items():
                value = value.replace(uscc.lower(), f"<uscc-{key}>").replace(uscc, f"<uscc-{key}>")
            return value.replace(self.series.lower(), "<s>").replace(self.series, "<S>")
        return value


def _row(copy, org, name, number, issued="2019-01-10", expires="2022-01-09", org_type="企业", status=None,
         reason=None, uscc=None):
    return [f"{copy.series}{name}" if name else None, uscc or copy.orgs[org], org_type, None, copy.no(number),
            "中知认证", issued, expires, None, "管理", status, reason]


def ledger(copy, registered_uscc):
    """Good rows, a duplicate inside the file, a duplicate of an existing record, a bad USCC, second
    subsidy claims (in the file and against an existing record), decisions with and without a reason."""
    return [
        _row(copy, "A", "甲", "0001", status="已核验"),                          # 2 ok, takes the subsidy
        _row(copy, "A", "甲", "0002", issued="2020-03-01", expires="2023-02-28"),  # 3 ok, second claim: 0
        _row(copy, "A", "甲", "0001 ", status="已核验"),                         # 4 duplicate in the file
        # 5 duplicate of an existing record
        _row(copy, "B", "乙", "OLD-1"),
        _row(copy, "C", "丙", "0003", uscc=_bad(copy.orgs["C"])),                 # 6 bad USCC
        # 7 registered org: prior in the DB
        _row(copy, "R", "注册", "0004", uscc=registered_uscc),
        # 8 rejection without a reason
        _row(copy, "D", "丁", "0005", status="已驳回"),
        _row(copy, "D", "丁", "0005", status="已驳回", reason="扫描件不清"),        # 9 ok: creates 丁
        # 10 ok: refiled after the rejection
        _row(copy, "D", "丁", "0005", status="已核验"),
        _row(copy, "D", "丁", "0006", status="已核验"),                          # 11 ok: 0 (row 10 claims)
        _row(copy, "E", "戊", "0007", issued="2023-02-30"),                      # 12 bad date
        _row(copy, "F", "己", "0008", org_type="医院"),                          # 13 bad type
        _row(copy, "G", None, "0009"),                                         # 14 new org without a name
        _row(copy, "H", "庚", "0010", org_type="高等学校"),                       # 15 ok: a university
        # 16 ok: 0, rejected
        _row(copy, "H", "庚", "0011", org_type="高等学校", status="已驳回", reason="重复"),
        _row(copy, "B", "乙", "0012", status="已核验"),                          # 17 ok: 乙 is new here
    ]


def snapshot(app, copy, bureau_email):
    """Everything the copy's rows left in Hebi, in the file's order, with the copy's series mapped out."""
    from ipservice.accounts.models import Enterprise, User
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import cross_tenant, tenant_context
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test"):
        bureau_id = db.session.scalar(select(User.id).where(User.email == bureau_email))
    with app.app_context(), tenant_context("hebi"):
        records = db.session.scalars(select(CertificationRecord).where(
            CertificationRecord.certificate_no.like(f"{copy.series}-%"))
            .order_by(CertificationRecord.submitted_at)).all()
        numbers = {r.id: r.certificate_no for r in db.session.scalars(select(CertificationRecord))}
        orgs = {e.id: e for e in db.session.scalars(select(Enterprise))}
        # the organizations the copy's imports created (not the one that registered itself)
        mine = {e.id for e in orgs.values() if e.uscc in copy.orgs.values() and e.uscc != copy.orgs["R"]}
        names = {r.id: r.certificate_no for r in records} | {i: orgs[i].uscc for i in mine}
        out = {"records": [
            {"no": r.certificate_no, "org": orgs[r.enterprise_id].uscc, "status": r.status,
             "edition": r.standard_edition, "amount": r.subsidy_amount_cny, "rule": r.subsidy_rule_code,
             "explanation": r.subsidy_explanation, "prior": numbers.get(r.subsidy_prior_id),
             "claim": r.subsidy_claim, "reason": r.decision_reason,
             "by": (r.submitted_by == bureau_id, r.decided_by == bureau_id if r.decided_by else None),
             "decided": r.decided_at is not None and r.decided_at >= r.submitted_at,
             "version": r.form_version, "extra": r.extra}
            for r in records]}
        out["orgs"] = sorted((orgs[i].name, orgs[i].uscc, orgs[i].contact_name, orgs[i].verified_at)
                             for i in mine)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id.in_(list(names)))
                                    .order_by(AuditEvent.at)).all()
        # in the order written (the row-by-row path may give two events of one flush the same instant:
        # compare() sorts them)
        out["events"] = [(e.action, e.object_type, names[e.object_id], e.actor_email, e.actor_role, e.detail,
                          e.ip) for e in events]
        owners = {orgs[i].user_id for i in mine}
    with app.app_context(), cross_tenant("test"):
        users = db.session.scalars(select(User).where(User.id.in_(owners))).all()
        out["users"] = sorted((u.email, u.role, u.tenant_id, u.display_name, u.active, u.password_hash)
                              for u in users)
    return copy.unmap(out)


def comparable(db):
    """The snapshot with the audit events sorted (see ``snapshot``)."""
    return {**db, "events": sorted(db["events"], key=repr)}


@pytest.fixture
def setup(app, tmp_path, enterprise):
    """``setup(series)`` → (copy, bureau e-mail, registered USCC): a bureau user, an organization that
    registered itself and holds a record taking its subsidy, and a record ``<series>-OLD-1``."""
    from tests.test_imports import make_uscc

    def make(series):
        from tests.conftest import create_user

        copy = Copy(series)
        email = f"bulk-{series.lower()}@hebi.gov.cn"
        create_user(app, email, "bureau", "hebi")
        registered = copy.orgs["R"] = make_uscc()
        enterprise("hebi", name=f"{series}注册单位", uscc=registered)
        first = xlsx(tmp_path / f"first-{series}.xlsx", CERT_HEADERS + ["状态", "驳回理由"], [
            _row(copy, "R", "注册", "OLD-0", uscc=registered, status="已核验"),
            _row(copy, "Z", "旧", "OLD-1")])
        result = run(app, "certifications", "--tenant", "hebi", "--as", email, first)
        assert result.exit_code == 0, result.output
        return copy, email, registered

    return make


@pytest.fixture
def row_by_row(monkeypatch):
    """Count the rows imported through ``run_row`` (the row-by-row path)."""
    from ipservice.importing import engine

    calls = []
    original = engine.Importer.run_row

    def run_row(self, row_no, *args):
        calls.append(row_no)
        return original(self, row_no, *args)

    monkeypatch.setattr(engine.Importer, "run_row", run_row)
    return calls


def _import_both(app, tmp_path, setup, monkeypatch, row_by_row, batch_rows):
    from ipservice.certification import imports
    from ipservice.importing import engine

    monkeypatch.setattr(engine, "BATCH_ROWS", batch_rows)
    out = {}
    for series, bulk in (("QX", True), ("QY", False)):
        copy, email, registered = setup(series)
        path = xlsx(tmp_path / f"ledger-{series}.xlsx", CERT_HEADERS + ["状态", "驳回理由"],
                    ledger(copy, registered))
        monkeypatch.setattr(imports.SPEC, "bulk", imports.Bulk if bulk else None)
        del row_by_row[:]
        result = run(app, "certifications", "--tenant", "hebi", "--as", email, "--report",
                     tmp_path / f"{series}.csv", path)
        assert result.exit_code == 1, result.output
        report = (tmp_path / f"{series}.csv").read_text(encoding="utf-8-sig")
        out[series] = {"stdout": copy.unmap(result.stdout), "csv": copy.unmap(report),
                       "db": snapshot(app, copy, email), "row_by_row": list(row_by_row)}
    return out["QX"], out["QY"]


@pytest.mark.parametrize("batch_rows", [500, 3])
def test_chunked_import_reports_and_writes_what_the_row_by_row_import_does(app, tmp_path, setup, monkeypatch,
                                                                          row_by_row, batch_rows):
    """One chunk, and chunks of 3 rows (so that a row's organization or claim comes from an earlier chunk)."""
    bulk, rows = _import_both(app, tmp_path, setup, monkeypatch, row_by_row, batch_rows)
    assert bulk["row_by_row"] == [] and len(rows["row_by_row"]) == 16  # each copy went its own way
    assert bulk["stdout"] == rows["stdout"]
    assert bulk["csv"] == rows["csv"]
    assert comparable(bulk["db"]) == comparable(rows["db"])
    out = bulk["stdout"]
    assert "16 行：导入 9，跳过 2，错误 5" in out
    assert "第 4 行：跳过（已存在：证书编号 <S>-0001）" in out
    assert "第 5 行：跳过（已存在：证书编号 <S>-OLD-1）" in out
    assert "第 6 行：错误\n    统一社会信用代码：统一社会信用代码校验位不正确，请核对。" in out
    assert "第 8 行：错误\n    驳回理由：驳回时必须填写理由。" in out
    records = {(r["no"], r["status"]): r for r in bulk["db"]["records"]}
    assert records[("<S>-0001", "verified")]["amount"] > 0 and records[("<S>-0001", "verified")]["claim"]
    assert records[("<S>-0002", "submitted")]["amount"] == 0
    assert records[("<S>-0002", "submitted")]["prior"] == "<S>-0001"
    assert records[("<S>-0004", "submitted")]["prior"] == "<S>-OLD-0"  # the claim already in the database
    assert records[("<S>-0005", "verified")]["prior"] is None  # the rejected record takes nothing
    assert records[("<S>-0006", "verified")]["prior"] == "<S>-0005"


def test_bulk_written_rows_have_their_audit_events(app, tmp_path, setup, monkeypatch, row_by_row):
    bulk, _rows = _import_both(app, tmp_path, setup, monkeypatch, row_by_row, 500)
    events = bulk["db"]["events"]
    by_object: dict = {}
    for action, _type, obj, actor, role, _detail, ip in events:
        by_object.setdefault(obj, []).append(action)
        assert actor.startswith("bulk") and role == "bureau" and ip is None
    # every record: submitted, its decision where it has one, imported; every new organization: imported
    assert by_object["<S>-0001"] == ["certification.submitted", "certification.verified",
                                     "certification.imported"]
    assert by_object["<S>-0002"] == ["certification.submitted", "certification.imported"]
    assert by_object["<uscc-A>"] == ["enterprise.imported"]
    assert by_object["<uscc-D>"] == ["enterprise.imported"]
    assert "<uscc-C>" not in by_object and "<uscc-E>" not in by_object  # failed rows leave nothing
    imported = [d for a, _t, _o, _w, _r, d, _i in events
                if a == "certification.imported" and d["file"] == "ledger-<S>.xlsx"]
    assert [d["row"] for d in imported] == [2, 3, 7, 9, 10, 11, 15, 16, 17]
    placeholder_users = bulk["db"]["users"]
    # A, B, D, H (and Z of the first file): none for the registered organization or the bad rows
    assert [u[0] for u in placeholder_users] == [f"uscc-<uscc-{k}>@hebi.import.invalid" for k in "ABDHZ"]
    assert all(u[4] is False and u[5] == "!unusable" for u in placeholder_users)


def test_a_chunk_the_database_refuses_is_imported_row_by_row(app, tmp_path, setup, monkeypatch, row_by_row):
    """Another writer files a certificate between the chunk's look-up and its write (simulated: the look-up
    misses it): the unique index refuses the chunk, which is then imported row by row with the exact
    report."""
    from ipservice.certification import imports

    real = imports.Bulk.__init__

    def blind(self, importer, rows, orgs):
        real(self, importer, rows, orgs)
        self.statuses.clear()

    monkeypatch.setattr(imports.Bulk, "__init__", blind)
    bulk, rows = _import_both(app, tmp_path, setup, monkeypatch, row_by_row, 500)
    assert len(bulk["row_by_row"]) == 16  # redone row by row
    assert bulk["stdout"] == rows["stdout"] and comparable(bulk["db"]) == comparable(rows["db"])


def test_a_chunk_sends_the_same_statements_whatever_its_number_of_rows(app, tmp_path, bureau_user_email):
    """No statement per row: a chunk of 8 rows and one of 60 send as many (the look-ups of the chunk, one
    INSERT per table). An executemany counts as what the server receives: on PostgreSQL psycopg sends one
    INSERT per parameter set (SQLite loops over one prepared statement: one), so a chunk written with it
    grows with its rows there — the import writes with ``core.bulkinsert`` instead."""
    from ipservice.extensions import db
    from tests.test_statement_counts import statements

    with app.app_context():
        per_row = db.engine.dialect.name == "postgresql"

    def sent(seen) -> int:
        return sum(len(params) if many and per_row else 1 for _sql, many, params in seen)

    def ledger_of(series, rows):
        copy = Copy(series)
        return xlsx(tmp_path / f"n-{series}.xlsx", CERT_HEADERS + ["状态", "驳回理由"], [
            [f"{series}单位{n // 2}", _uscc(series, 5000 + n // 2), "企业", None, f"{series}-N{n:04d}",
             "中知认证", "2019-01-10", "2022-01-09", None, "管理", "已核验" if n % 3 else None,
             None] for n in range(rows)]), copy

    counts = []
    # QC first: the year's numbering counter is created once (issue 20), not per chunk
    for series, rows in (("QC", 1), ("QA", 8), ("QB", 60)):
        path, _copy = ledger_of(series, rows)
        with statements(app, detail=True) as seen:
            result = run(app, "certifications", "--tenant", "hebi", "--as", bureau_user_email, path)
        assert result.exit_code == 0, result.output
        assert f"{rows} 行：导入 {rows}，跳过 0，错误 0" in result.stdout
        counts.append(sent(seen))
    assert counts[1] == counts[2], counts


@pytest.fixture
def bureau_user_email(app):
    from tests.conftest import create_user

    create_user(app, "bulk-count@hebi.gov.cn", "bureau", "hebi")
    return "bulk-count@hebi.gov.cn"
