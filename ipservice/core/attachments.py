"""Uploaded files (certificate scans, case evidence): checked by content, stored outside ``static/``,
served only through a view that has checked who may see the filing they belong to.

Files live under ``UPLOAD_DIR/<tenant>/<sha256[:2]>/<attachment id>``; the row records name, type,
size and SHA-256. The row and its audit event are written in the caller's transaction.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from marshmallow import fields
from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core import audit
from ipservice.core.errors import error
from ipservice.core.i18n import listing
from ipservice.core.tenancy import TenantScoped, current_tenant_id
from ipservice.core.types import ChinaDateTime, UTCDateTime, utcnow
from ipservice.extensions import db
from ipservice.core.dump import OutSchema

# Magic numbers: the content decides the type, not the name.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class Attachment(TenantScoped, db.Model):
    """附件 — one uploaded file of a filing."""

    __tablename__ = "attachments"
    owner_type: Mapped[str] = mapped_column(String(40), nullable=False)
    owner_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(36), nullable=False)
    uploaded_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AttachmentOut(OutSchema):
    """An attachment as the API shows it (every area's upload answers with this)."""

    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = ChinaDateTime()


def sniff(head: bytes) -> str | None:
    for mime, sigs in SIGNATURES.items():
        if any(head.startswith(s) for s in sigs):
            return mime
    return None


def _clean_name(name: str, mime: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/"))).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/|?*')[:200]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "file") + EXTENSIONS[mime]


def stored_path(att: Attachment) -> Path:
    """Where the file of ``att`` lies (the copy of one's data reads it; retention deletes it)."""
    return _path(att)


def delete(att: Attachment) -> None:
    """The row and the file (retention): the file first, so a failed removal leaves the row to retry."""
    _path(att).unlink(missing_ok=True)
    db.session.delete(att)


def _path(att: Attachment) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / att.tenant_id / att.sha256[:2] / att.id


def read_upload(upload, max_bytes: int, missing: str | None = None) -> bytes:
    """The bytes of ``upload`` (a werkzeug FileStorage): 422 none (``missing``: what to say) or empty, 413
    larger than ``max_bytes`` (read no further than one byte past it)."""
    if upload is None or not getattr(upload, "filename", None):
        error(422, missing or _("请选择要上传的文件。"), {"file": [_("缺少必填字段。")]}, location="files")
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        error(413, _("文件不能超过 %(mb)s MB。", mb=max_bytes // (1024 * 1024)))
    if not data:
        error(422, _("文件为空。"), {"file": [_("文件为空。")]}, location="files")
    return data


def save(upload, owner_type: str, owner_id: str, user, allowed: tuple[str, ...],
         max_bytes: int | None = None) -> Attachment:
    """Check and store ``upload`` (a werkzeug FileStorage): 415 wrong type, 413 too large, 422 empty."""
    data = read_upload(upload, max_bytes or current_app.config["ATTACHMENT_MAX_BYTES"])
    mime = sniff(data[:16])
    if mime not in allowed:
        kinds = listing(EXTENSIONS[m].lstrip(".").upper() for m in allowed)
        error(415, _("文件内容不是允许的类型（%(kinds)s）。", kinds=kinds))
    att = Attachment(owner_type=owner_type, owner_id=owner_id, filename=_clean_name(upload.filename, mime),
                     content_type=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     uploaded_by=user.id, tenant_id=current_tenant_id())
    db.session.add(att)
    db.session.flush()
    path = _path(att)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    audit.record(f"{owner_type}.attachment_added", owner_type, owner_id,
                 {"attachment_id": att.id, "filename": att.filename, "size": att.size, "sha256": att.sha256})
    return att


def list_for(owner_type: str, owner_id: str) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(
        Attachment.owner_type == owner_type,
        Attachment.owner_id == owner_id).order_by(Attachment.uploaded_at)))


def get_for(owner_type: str, owner_id: str, attachment_id: str) -> Attachment:
    att = db.session.scalar(select(Attachment).where(
        Attachment.owner_type == owner_type, Attachment.owner_id == owner_id, Attachment.id == attachment_id))
    if att is None:
        error(404)
    return att


def download_doc(*content_types: str) -> dict:
    """``@blp.doc(**download_doc(...))``: the OpenAPI document of a download route names each content type
    the file may have (flask-smorest writes no content without a schema, and only one type)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"content": {t: binary for t in content_types}}}}  # flask-smorest keys by int


def send(att: Attachment):
    """The file as a download; the caller has already checked access to the owning filing."""
    from ipservice.core import privacy

    path = _path(att)
    if not path.is_file():
        error(404)
    privacy.record_access("attachment", att.owner_type, att.id, privacy.opened_subject())
    return send_file(path, mimetype=att.content_type, as_attachment=True, download_name=att.filename,
                     max_age=0, etag=att.sha256)
