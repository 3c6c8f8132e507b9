"""Imports from a page: take a bureau's spreadsheet (checked before anything is stored), keep the file and
an ``imports`` row, and queue the job (``importing.jobs``) that runs it through the same engine as
``flask import``; the import, its report and the template spreadsheet of a kind."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ipservice.core import filing, jobs
from ipservice.core.errors import error
from ipservice.core.i18n import is_english, listing, pick
from ipservice.core.ids import new_id
from ipservice.core.tenancy import current_tenant, current_tenant_id
from ipservice.extensions import db
from ipservice.importing import workbook
from ipservice.importing.engine import Importer
from ipservice.importing.outcome import Outcome
from ipservice.importing.models import ImportRow, PageImport

JOB = "importing.run"
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip; an .xls (OLE), a CSV or a PDF is not
PAGE_ROWS = 1000  # report rows shown on the page (the downloads have them all)


def kinds() -> list:
    """The filing kinds a spreadsheet can bring in (those with an import spec), in the registry's order."""
    return [k for k in filing.kinds() if k.importer is not None]


def kind_of(name: str | None):
    """The kind called ``name``, or a 422 naming the kinds there are."""
    found = next((k for k in kinds() if k.name == name), None)
    if found is None:
        choices = listing(pick(*k.label) for k in kinds())
        message = (_("请选择导入的类型（%(choices)s）。", choices=choices) if not name else
                   _("没有“%(kind)s”这种导入，可选：%(choices)s。", kind=name, choices=choices))
        error(422, message, {"kind": [message]}, location="form")
    return found


def file_path(imp: PageImport) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / imp.tenant_id / "imports" / f"{imp.id}.xlsx"


def create(user, kind_name: str | None, upload) -> PageImport:
    """Check the upload and queue its import: 422 no kind or an unknown one, no file, an empty one, missing
    columns; 413 larger than ``IMPORT_MAX_BYTES``; 415 not an Excel workbook. Nothing is stored unless all
    is well; the job is queued when the request commits."""
    kind = kind_of(kind_name)
    data = _read(upload)
    imp = PageImport(id=new_id(), tenant_id=current_tenant_id(), user_id=user.id, kind=kind.name,
                     filename=_clean_name(upload.filename), size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(),
                     lang="en" if is_english() else "zh", status="queued")
    path = file_path(imp)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{imp.id}.part.xlsx")  # openpyxl goes by the extension
    part.write_bytes(data)
    try:
        imp.rows = _check(kind, user, part, imp.filename)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    db.session.add(imp)
    db.session.flush()
    part.replace(path)
    jobs.enqueue(JOB, imp.tenant_id, imp.id)
    return imp


def _read(upload) -> bytes:
    from ipservice.core.attachments import read_upload

    data = read_upload(upload, current_app.config["IMPORT_MAX_BYTES"], _("请选择要导入的 Excel 文件。"))
    if not data.startswith(ZIP_MAGIC):
        error(415, _("文件不是 Excel 工作簿（.xlsx）：请在 Excel 中另存为 .xlsx 后再上传。"))
    return data


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or "import.xlsx"


def _check(kind, user, path: Path, name: str) -> int | None:
    """The workbook opens and its header has the kind's required columns (a 4xx saying what is wrong
    otherwise); the data rows it holds as its dimension says, None without one (the job counts them)."""
    try:
        sheet = workbook.open_sheet(path, name)
    except workbook.Unreadable as exc:
        error(415, exc.message, {"file": [exc.message]}, location="files")
    try:
        layout = workbook.Layout(Importer(kind, current_tenant(), user, name), sheet)
    except workbook.Unreadable as exc:
        error(422, exc.message, {"file": [exc.message]}, location="files")
    finally:
        sheet.close()
    return max(sheet.size_hint - layout.header - 1, 0) if sheet.size_hint else None


def get(import_id: str) -> PageImport:
    """An import of the current tenant (another tenant's: 404)."""
    imp = db.session.get(PageImport, (current_tenant_id(), import_id))
    if imp is None:
        error(404)
    return imp


def recent(limit: int = 200) -> list[PageImport]:
    return list(db.session.scalars(select(PageImport).order_by(PageImport.created_at.desc()).limit(limit)))


def outcomes(imp: PageImport, results: tuple[str, ...] | None = None,
             limit: int | None = None) -> list[Outcome]:
    """The import's report rows as the engine's outcomes (``results``: only those), in row order."""
    stmt = select(ImportRow.row, ImportRow.result, ImportRow.detail, ImportRow.errors).where(
        ImportRow.import_id == imp.id).order_by(ImportRow.row)
    if results:
        stmt = stmt.where(ImportRow.result.in_(results))
    if limit:
        stmt = stmt.limit(limit)
    return [Outcome(row, result, detail, [tuple(e) for e in errors] if errors else ())
            for row, result, detail, errors in db.session.execute(stmt)]


def report_stem(imp: PageImport) -> str:
    stem = imp.filename.rsplit(".", 1)[0] if "." in imp.filename else imp.filename
    return f"{stem}-{_('导入报告')}"


def template_columns(kind) -> list[str]:
    """The headers of the kind's template in the reader's language: the kind's columns and the tenant's own
    fields (the import spec's columns), a required one marked ``*`` (the import reads the header without
    it)."""
    return [c.label + ("*" if c.required else "") for c in kind.importer.columns(current_tenant())]
