"""The files of a page import: its report (CSV or XLSX, the rows of ``flask import --report``) and the
template spreadsheet of a kind for the current tenant, in the reader's language."""
from __future__ import annotations

import io

from flask import Response
from flask_babel import gettext as _

from ipservice.core import exports
from ipservice.core.i18n import pick
from ipservice.importing import services, workbook


def report_response(imp, fmt: str) -> Response:
    headers, rows = workbook.report_table(services.outcomes(imp))
    return exports.table_response(fmt, _("导入报告"), headers, list(rows), services.report_stem(imp),
                                  caption=f"{imp.filename} — {_('导入报告')}" if fmt == "xlsx" else None)


def template_response(kind) -> Response:
    """An empty sheet with the kind's headers (required ones marked ``*``), ready to fill in and upload."""
    label = pick(*kind.label)
    wb = exports.workbook(label, services.template_columns(kind), [])
    buf = io.BytesIO()
    wb.save(buf)
    filename = _("%(kind)s导入模板", kind=label) + ".xlsx"
    return Response(buf.getvalue(), mimetype=exports.XLSX_MIME, headers=exports._attachment_headers(filename))
