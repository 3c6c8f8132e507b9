"""Opening a workbook and finding its header and data rows: the steps the import command and a page import
share before the rows go through the ``Importer`` (what is wrong with the file is an ``Unreadable`` with
the message in the user's language; the command shows it as a usage error, the page as a 4xx)."""
from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from flask_babel import gettext as _

from ipservice.importing import engine
from ipservice.importing.cells import as_text, joiner
from ipservice.importing.engine import Importer
from ipservice.importing.sheet import HEADER_SEARCH_ROWS, Sheet, map_header


class Unreadable(Exception):
    """The file cannot be imported as it is; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def open_sheet(path: Path, name: str) -> Sheet:
    """The workbook's first sheet; ``name``: how the file is called in the message."""
    from ipservice.importing import archive

    refused = archive.problem(path)
    if refused:
        raise Unreadable(_("无法读取文件 %(file)s：%(error)s", file=name, error=refused))
    try:
        return Sheet(path)
    except Exception as exc:  # whatever openpyxl or the file system says
        raise Unreadable(_("无法读取文件 %(file)s：%(error)s", file=name,
                           error=str(exc) or type(exc).__name__)) from exc


def check_columns(importer: Importer, header, mapping) -> None:
    """``Unreadable`` naming the required columns the header lacks."""
    from ipservice.core.i18n import pick

    missing = [c for c in importer.columns if c.required and c.key not in mapping]
    if header is None or missing:
        names = [pick(c.names[0], f"{c.names[0]} ({c.key})") for c in missing] if missing else \
            [c.names[0] for c in importer.columns if c.required]
        raise Unreadable(_("文件缺少必需的列：%(columns)s", columns=joiner().join(names)))


class Layout:
    """The sheet's header (found among its first rows) and its data rows, numbered as in the spreadsheet."""

    def __init__(self, importer: Importer, sheet: Sheet):
        self.rows = sheet.rows()
        self.head = [tuple(r) for r in islice(self.rows, HEADER_SEARCH_ROWS)]
        self.header, self.mapping, self.ignored = map_header(self.head, importer.columns)
        check_columns(importer, self.header, self.mapping)

    def data(self) -> Iterator[tuple[int, tuple]]:
        """``(row number, cells)`` of the rows below the header (the header row is ``header + 1``); empty
        rows are left out."""
        def rows():
            yield from self.head[self.header + 1:]
            yield from self.rows

        for n, row in enumerate(rows(), start=self.header + 2):
            if any(as_text(c) for c in row):
                yield n, row


def chunks(data) -> Iterator[list]:
    """``data`` in lists of ``engine.BATCH_ROWS``; the last one possibly empty (its commit ends the
    import)."""
    chunk = []
    for item in data:
        chunk.append(item)
        if len(chunk) >= engine.BATCH_ROWS:
            yield chunk
            chunk = []
    yield chunk


def report_table(outcomes) -> tuple[list[str], Iterator[list]]:
    """The report as a table: its headers and a row per outcome (the command's ``--report``, the page's
    CSV and XLSX)."""
    return [_("行号"), _("结果"), _("详情")], ([o.row, o.result_text(), o.detail_text()] for o in outcomes)
