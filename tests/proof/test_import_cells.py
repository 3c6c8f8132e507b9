"""Import cells (issue 18): an Excel serial 0 in a date column gave an "internal error" row, a negative
serial a date in 1899, and a 400 KB file with one 400 MB cell took 923 MB of memory. Now: serials before
Excel's first day are a row message, a cell longer than Excel allows is a row message, and a workbook whose
zip would unpack past the limits (or at a ratio no spreadsheet has) is refused before it is opened: the
command exits 2 saying why."""
from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from sqlalchemy import select

from tests.test_imports import CERT_HEADERS, make_uscc, run, xlsx

TENANT = "hebi"


def _row(number, issued, scope="知识产权管理"):
    return ["单元格测试有限公司" + number, make_uscc(), "企业", None, number, "中知认证", issued,
            "2022-01-09", None, scope]


def _certificates(app):
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(TENANT):
        return {r.certificate_no: r.issued_on for r in db.session.scalars(select(CertificationRecord))}


def test_serials_before_excels_first_day_are_row_messages(app, tmp_path, bureau):
    b = bureau(TENANT)
    path = xlsx(tmp_path / "serials.xlsx", CERT_HEADERS, [
        _row("SER-0000", 0),                         # 2: serial 0 (openpyxl: a time of day)
        _row("SER-0001", -1),                        # 3: a negative serial
        _row("SER-0002", -43000.5),                  # 4
        _row("SER-0003", 0.25),                      # 5: a time, not a day
        _row("SER-0004", dt.datetime(1899, 12, 29)),  # 6: a date cell before 1900 (a negative serial)
        _row("SER-0005", 43475),                     # 7: 2019-01-10, a real serial
    ])
    result = run(app, "certifications", "--tenant", TENANT, "--as", b.email, path)
    out = result.stdout
    assert result.exit_code == 1, result.output
    assert "内部错误" not in out, out
    assert ("第 2 行：错误\n    发证日期：“0”不是日期："
            "Excel 日期序号从 1（1900-01-01）起，0 和负数不是日期。") in out, out
    assert "第 3 行：错误\n    发证日期：“-1”不是日期" in out, out
    assert "第 4 行：错误\n    发证日期：“-43000.5”不是日期" in out, out
    assert "第 5 行：错误\n    发证日期：“0.25”不是日期" in out, out
    assert "第 6 行：错误\n    发证日期：“1899-12-29”不是日期" in out, out
    assert "第 7 行：导入成功" in out, out
    assert _certificates(app) == {"SER-0005": dt.date(2019, 1, 10)}  # no 1899 date anywhere
    result = run(app, "certifications", "--tenant", TENANT, "--as", b.email, "--lang", "en", path)
    assert "row 2: error\n    Issue date: “0” is not a date" in result.stdout, result.stdout


def _rewritten(src_path, path, edit=lambda name, data: data):
    """A copy of the workbook ``src_path`` at ``path`` with each entry's bytes passed through ``edit``."""
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            dst.writestr(entry.filename, edit(entry.filename, src.read(entry)))
    return path


def test_a_cell_longer_than_excel_allows_is_a_row_message(app, tmp_path, bureau):
    b = bureau(TENANT)
    # openpyxl cuts what it writes at Excel's limit: the long cell is put into the file afterwards
    small = xlsx(tmp_path / "long-small.xlsx", CERT_HEADERS, [_row("LONG-0001", 43475, "LONGCELL"),
                                                               _row("LONG-0002", 43475, "管" * 2000)])
    path = _rewritten(small, tmp_path / "long.xlsx",
                      lambda name, data: data.replace(b"LONGCELL", "管".encode() * 40_000))
    result = run(app, "certifications", "--tenant", TENANT, "--as", b.email, path)
    out = result.stdout
    assert result.exit_code == 1, result.output
    assert ("第 2 行：错误\n    认证范围：单元格内容过长（40,000 个字符），"
            "Excel 单元格最多 32,767 个字符。") in out, out
    assert "第 3 行：导入成功" in out, out


def _bloated(tmp_path, name: str, padding_mb: int):
    """A valid one-row workbook, plus an entry of ``padding_mb`` MB of zeros: a small file that unpacks
    hugely (built in pieces: the test never holds the padding)."""
    small = xlsx(tmp_path / f"{name}-small.xlsx", CERT_HEADERS, [_row(f"{name.upper()}-1", 43475)])
    path = _rewritten(small, tmp_path / f"{name}.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as dst, \
            dst.open("xl/media/padding.bin", "w", force_zip64=True) as pad:
        chunk = b"\0" * (1024 * 1024)
        for _i in range(padding_mb):
            pad.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    return path


@pytest.mark.parametrize("padding_mb, zh, en", [
    (250, "文件解压后有 250 MB，超过 200 MB 的上限", "250 MB unpacked, over the limit of 200 MB"),
    (40, "文件的压缩比异常", "compression ratio"),
])
def test_a_workbook_that_unpacks_hugely_is_refused_before_it_is_opened(app, tmp_path, bureau, padding_mb, zh,
                                                                       en):
    b = bureau(TENANT)
    path = _bloated(tmp_path, f"bomb{padding_mb}", padding_mb)
    result = run(app, "certifications", "--tenant", TENANT, "--as", b.email, path)
    assert result.exit_code == 2, result.output
    assert zh in result.output, result.output
    result = run(app, "certifications", "--tenant", TENANT, "--as", b.email, "--lang", "en", path)
    assert result.exit_code == 2 and en in result.output, result.output
    assert _certificates(app) == {}
