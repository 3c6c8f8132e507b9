"""``Idempotency-Key`` for POSTs that create a filing: a retry returns the first answer, files nothing.

The key record is written before the view runs, so it commits in the same transaction as the filing
(the request's unit of work, ``core.transaction``), by one ``INSERT … ON CONFLICT DO NOTHING``: a new key is
claimed in the same statement that finds a used one (a look-up first would be a second round trip on every
submission). Two concurrent requests with one key meet on the unique index: on PostgreSQL the second
waits for the first to end and then returns its answer; the same key with a different body is 422.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import secrets

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import JSON, Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.errors import error
from ipservice.core.ids import new_id
from ipservice.core.locks import conflict_insert
from ipservice.core.tenancy import TenantScoped, current_tenant_id
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

HEADER = "Idempotency-Key"


class IdempotencyRecord(TenantScoped, db.Model):
    __tablename__ = "idempotency_records"
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "key"),)


def _fingerprint() -> str:
    """What makes two requests "the same": method, path and the body's content — for multipart, the
    form fields and the files' bytes (the boundary is random per request, the raw body is not comparable)."""
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.path.encode())
    if request.mimetype == "multipart/form-data":
        for key, value in sorted(request.form.items(multi=True)):
            h.update(f"{key}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            h.update(f"{name}:{upload.filename}\n".encode())
            h.update(upload.read())
            upload.seek(0)
        return h.hexdigest()
    body = request.get_data(cache=True)
    with contextlib.suppress(ValueError, RecursionError):  # not JSON: the body as it came
        body = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    h.update(body)
    return h.hexdigest()


def _replay(record: IdempotencyRecord | None, fingerprint: str):
    if record is None:  # the key's first request was undone after the conflict was seen: send it again
        error(409, _("相同 Idempotency-Key 的请求正在处理，请稍后重试。"))
    if record.request_hash != fingerprint:
        error(422, _("同一个 Idempotency-Key 不能用于不同的请求内容。"))
    if record.status_code is None:
        error(409, _("相同 Idempotency-Key 的请求正在处理，请稍后重试。"))
    resp = Response(json.dumps(record.body, ensure_ascii=False), status=record.status_code,
                    mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _find(key: str):
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == current_user.id,
                                        IdempotencyRecord.key == key)
    )


def _claim(key: str, fingerprint: str) -> str | None:
    """Write the key's record (no answer yet); its id, or None when the user has used the key already."""
    table = IdempotencyRecord.__table__
    record_id = new_id()
    stmt = (conflict_insert(table)
            .values(tenant_id=current_tenant_id(), id=record_id, user_id=current_user.id, key=key,
                    request_hash=fingerprint, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "key"])
            .returning(table.c.id))
    return db.session.execute(stmt).scalar()


def _answer(record_id: str, status_code: int, body) -> None:
    """Store the answer a retry with the key gets."""
    db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
                       .values(status_code=status_code, body=body)
                       .execution_options(synchronize_session=False))


def idempotent(view):
    """Wrap a creating POST view (outermost decorator, after the access declaration)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not key or len(key) > 255:
            error(422, _("Idempotency-Key 须为 1 到 255 个字符。"))
        fingerprint = _fingerprint()
        record_id = _claim(key, fingerprint)
        if record_id is None:
            return _replay(_find(key), fingerprint)
        try:
            response = view(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise
        response = response if isinstance(response, Response) else _make(response)
        if response.status_code < 300:
            _answer(record_id, response.status_code, response.get_json(silent=True))
        else:
            db.session.rollback()
        return response

    return wrapper


def _make(rv):
    from flask import make_response

    return make_response(rv)


# --- pages -----------------------------------------------------------------------------------------------
# A page form that creates a filing carries a one-time token (the ``_forms.html`` macro adds it). A second
# submission of the same form (double click, browser retry) is sent to what the first one created.

FORM_TOKEN = "form_token"


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def _to_first(record: IdempotencyRecord | None):
    from flask import flash, redirect

    if record is None or record.status_code is None:
        error(409, _("该表单正在提交，请稍候刷新。"))
    flash(_("该表单已提交过，未重复提交。"))
    return redirect(record.body["location"], code=303)


def once_per_form(view):
    """Wrap a page view whose successful POST creates something and redirects to it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = request.form.get(FORM_TOKEN) if request.method == "POST" else None
        if not token or len(token) > 64:
            return view(*args, **kwargs)
        key = f"form:{token}"
        record_id = _claim(key, "page-form")
        if record_id is None:
            return _to_first(_find(key))
        response = _make(view(*args, **kwargs))
        if response.status_code in (301, 302, 303) and response.location:
            _answer(record_id, 303, {"location": response.location})
        else:
            db.session.rollback()  # nothing was created: the corrected form may be sent again
        return response

    return wrapper
