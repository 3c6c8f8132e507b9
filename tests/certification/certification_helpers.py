"""Shared by the certification tests: valid bodies, PDF bytes, uploads, direct database checks."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
from pathlib import Path

_SERIAL = itertools.count(1)


def cert_no() -> str:
    return f"165IP18{next(_SERIAL):04d}R0M"


def body(**over) -> dict:
    """A valid enterprise certificate issued 2018-06-01; ``field=...`` (Ellipsis) leaves a field out."""
    b = {"org_type": "enterprise", "certificate_no": cert_no(),
         "certification_body": "中知（北京）认证有限公司", "issued_on": "2018-06-01",
         "expires_on": "2021-05-31", "consulting_agency": "陕西某知识产权咨询有限公司",
         "scope": "与电子元器件研发、生产和销售相关的知识产权管理"}
    b.update(over)
    return {k: v for k, v in b.items() if v is not ...}


def pdf_bytes(size: int | None = None) -> bytes:
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\n%%EOF\n"
    if size is None:
        return head + "证书扫描件".encode() + tail
    return head + b"0" * max(0, size - len(head) - len(tail)) + tail


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_post(api, url: str, data: bytes, filename: str = "scan.pdf", field: str = "file", **kw):
    return api.client.post(url, data={field: (io.BytesIO(data), filename)},
                           content_type="multipart/form-data",
                           headers=api.headers(kw.pop("headers", None)), **kw)


def submit(api, tenant: str, **over) -> dict:
    r = api.post(f"/t/{tenant}/api/v1/certifications", json=body(**over))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def count_records(app, tenant: str | None = None) -> int:
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import cross_tenant, tenant_context
    from ipservice.extensions import db

    with app.app_context():
        ctx = tenant_context(tenant) if tenant else cross_tenant("test: count every record")
        with ctx:
            return db.session.query(CertificationRecord).count()


def count_attachments(app) -> int:
    from ipservice.core.attachments import Attachment
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test: count attachments"):
        return db.session.query(Attachment).filter(Attachment.owner_type == "certification").count()


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def audit_actions(app, tenant: str, object_id: str | None = None) -> list[str]:
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        q = db.session.query(AuditEvent).order_by(AuditEvent.at)
        if object_id:
            q = q.filter(AuditEvent.object_id == object_id)
        return [e.action for e in q]


def today() -> dt.date:
    from ipservice.core.types import today_china

    return today_china()
