"""Reading the workbook: its first sheet streamed row by row, and the header row found among the first
rows (the Chinese column names or the English field names)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ipservice.importing.cells import Column, as_text, norm

HEADER_SEARCH_ROWS = 10


class Sheet:
    """The first sheet of a workbook, read row by row (openpyxl read-only: memory stays flat)."""

    def __init__(self, path: Path):
        from openpyxl import load_workbook

        self._wb = load_workbook(path, read_only=True, data_only=True)
        self._ws = self._wb.worksheets[0]
        self.size_hint = self._ws.max_row or 0

    def rows(self) -> Iterator[tuple]:
        return self._ws.iter_rows(values_only=True)

    def close(self):
        self._wb.close()


def map_header(rows: list[tuple], columns: list[Column]):
    """``(header row index, {column key: cell index}, ignored headers)`` of the header row: the first of the
    first rows that names at least two known columns (else the first non-empty row)."""
    by_name: dict[str, Column] = {}
    for col in columns:
        for name in col.names:
            by_name.setdefault(norm(name), col)
    for col in columns:  # the English label too (the English template's headers), after every other name
        by_name.setdefault(norm(col.label_en), col)

    def mapping(row):
        found, ignored = {}, []
        for i, cell in enumerate(row):
            text = as_text(cell)
            if not text:
                continue
            col = by_name.get(norm(text))
            if col is None:
                ignored.append(text)
            else:
                found.setdefault(col.key, i)
        return found, ignored

    first = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if first is None and any(as_text(c) for c in row):
            first = index
        found, ignored = mapping(row)
        if len(found) >= 2:
            return index, found, ignored
    if first is None:
        return None, {}, []
    found, ignored = mapping(rows[first])
    return first, found, ignored
