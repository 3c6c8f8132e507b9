"""Tables for download: XLSX (openpyxl) and CSV (UTF-8 with BOM, so that Excel opens Chinese)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import quote

from flask import Response, has_request_context, request
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME = {"xlsx": XLSX_MIME, "csv": "text/csv"}  # for the OpenAPI description of export endpoints
# The body of an export in the OpenAPI document (flask-smorest writes no content type without a schema).
FILE_SCHEMA = {"type": "string", "format": "binary"}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)") gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def filename_stem(tenant, what: str, day=None) -> str:
    """Every export's file name: ``<tenant slug>-<what>-<YYYY-MM-DD>``, ``what`` in the user's language
    (``xian-托管申请-2026-12-01``, ``xian-custody-enrollments-2026-12-01``)."""
    from ipservice.core.types import today_china

    what = re.sub(r"[\s/\\:*?\"<>|]+", "-", what.strip()).strip("-")
    what = what.lower() if what.isascii() else what
    return f"{tenant.slug}-{what}-{(day or today_china()).isoformat()}"


def _attachment_headers(filename: str) -> dict:
    # RFC 6266/5987: an ASCII fallback plus the UTF-8 name, so Chinese file names survive.
    ascii_name = re.sub(r"-{2,}", "-", filename.encode("ascii", "ignore").decode()) or "export"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                   f"filename*=UTF-8''{quote(filename)}"}


def _record_export(filename: str, fmt: str, rows: int) -> None:
    """A signed-in user's export goes to the audit trail (a bulk read of personal data), and a bureau
    official's to the access record. Anonymous downloads are of public tables only (the KPI workbook)."""
    from flask_login import current_user

    from ipservice.core import audit, privacy

    if not has_request_context() or not current_user.is_authenticated:
        return
    privacy.record_export(full_contact=privacy.wants_full_contact())
    audit.record("export.downloaded", "export", None, {
        "path": request.path, "format": fmt, "filename": filename, "rows": rows,
        "query": request.query_string.decode("utf-8", "replace")[:500]})  # committed with the request


def minimal(rows: list[list]) -> list[list]:
    """Telephone numbers and e-mail addresses masked in every cell (PIPL: the minimum by default), unless
    the official asked for full contact data (``?full_contact=1``, recorded as an access)."""
    from ipservice.core import privacy

    if privacy.wants_full_contact():
        return rows
    return [[privacy.mask_text(v) for v in row] for row in rows]


def _csv_text(value) -> str:
    """A cell as CSV text: a date-time to the minute, a date as YYYY-MM-DD (the XLSX has real dates)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return safe_cell(value)


def _excel_format(value) -> str | None:
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm"
    return "yyyy-mm-dd" if isinstance(value, dt.date) else None


def csv_response(headers: list[str], rows: list[list], filename: str) -> Response:
    rows = minimal(rows)
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    _record_export(filename, "csv", len(rows))
    # content_type, not mimetype: werkzeug appends "; charset=utf-8" to a text/* mimetype a second time
    return Response(buf.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers=_attachment_headers(filename))


def workbook(title: str, headers: list[str], rows: list[list], caption: str | None = None) -> Workbook:
    """One sheet: an optional caption row, a bold header row, the rows; widths fit the content."""
    rows = minimal(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    r = 1
    if caption:
        ws.cell(row=1, column=1, value=caption).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(headers)))
        r = 2
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=r, column=c, value=h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        r += 1
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=safe_cell(v))
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if _excel_format(v):  # a real Excel date, shown as the pages show it
                cell.number_format = _excel_format(v)
    for c, h in enumerate(headers, start=1):
        longest = max([len(str(h))] + [len(str(row[c - 1])) for row in rows if row[c - 1] is not None] or [4])
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, longest * 2 + 2))
    ws.freeze_panes = ws.cell(row=(3 if caption else 2), column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{2 if caption else 1}:{2 if caption else 1}"
    return wb


def xlsx_response(wb: Workbook, filename: str, rows: int | None = None) -> Response:
    if rows is None:
        rows = sum(ws.max_row for ws in wb.worksheets)
    _record_export(filename, "xlsx", rows)
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), mimetype=XLSX_MIME, headers=_attachment_headers(filename))


def table_response(fmt: str, title: str, headers: list[str], rows: list[list], filename_stem: str,
                   caption: str | None = None) -> Response:
    if fmt == "csv":
        return csv_response(headers, rows, f"{filename_stem}.csv")
    return xlsx_response(workbook(title, headers, rows, caption), f"{filename_stem}.xlsx", rows=len(rows))


DEFERRAL_KEY = "ipservice.export_deferral"


def deferral(app, fn) -> None:
    """``fn(kind, fmt, filters)`` → a 202 response when the export is too large to build in the request
    (a job builds it), or None: the export area registers it once per app."""
    app.extensions[DEFERRAL_KEY] = fn


def deferred(kind, fmt: str, filters: dict):
    """The 202 answer of an export a job builds instead, or None (build it now)."""
    from flask import current_app

    fn = current_app.extensions.get(DEFERRAL_KEY)
    return fn(kind, fmt, filters) if fn and kind is not None else None


def _deferral_doc(blp, kind, view):
    if kind is None:
        return view
    return blp.alt_response(202, description="more rows than a request builds (``EXPORT_JOB_ROWS``): a job "
                            "builds the file; the body is the job (``GET /exports/{export_id}``)")(view)


def export_routes(blp, path: str, query_schema, export, what: str, kind=None) -> None:
    """``<path>.xlsx`` and ``<path>.csv`` on ``blp`` (endpoints ``export_xlsx``, ``export_csv``) for the
    bureau: ``export(fmt, filters)`` answers the file, the filters loaded by the list's own ``query_schema``;
    for a filing ``kind``, an export too large for a request is answered 202 and built by a job."""
    from flask.views import MethodView

    from ipservice.core.access import access

    from marshmallow import fields

    from ipservice.core.privacy import FULL_CONTACT

    query_schema = type(f"{query_schema.__name__}Export", (query_schema,), {FULL_CONTACT: fields.Boolean(
        load_default=False, metadata={"description": "full telephone numbers and e-mail addresses (masked "
                                                     "otherwise); the access is recorded"})})

    for fmt in ("xlsx", "csv"):
        def get(self, filters, fmt=fmt):
            filters.pop(FULL_CONTACT, None)
            return deferred(kind, fmt, filters) or export(fmt, filters)

        get.__doc__ = f"Export the {what} (same filters as the list) for the bureau."
        get = access("bureau")(blp.arguments(query_schema, location="query")(blp.response(
            200, description=f"the {what} as {fmt.upper()} (Chinese headers)", content_type=MIME[fmt],
            schema=FILE_SCHEMA)(_deferral_doc(blp, kind, get))))
        blp.route(f"{path}.{fmt}", endpoint=f"export_{fmt}")(type(f"Export{fmt.capitalize()}", (MethodView,),
                                                                   {"get": get}))
