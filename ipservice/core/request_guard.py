"""Text the database cannot store must not become a 500.

- A NUL in the query string or path is refused at once (400): PostgreSQL cannot hold NUL in text, and
  list filters reach SQL directly. Body fields are checked by their schemas (``Text`` refuses control
  characters with a 422 on the field).
- A body that is not a form is capped in bytes and in JSON keys before any route parses it
  (``limit_body``).
- Should anything still reach the database that it refuses (``DataError``), the request is answered
  with a 422 and the transaction rolled back, and the miss is logged so the schema gets fixed.
"""
from __future__ import annotations

import json
import logging

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ipservice.core.errors import error

log = logging.getLogger(__name__)


def refuse_nul():
    if b"%00" in request.query_string or "\x00" in request.path:
        error(400, _("请求中包含不允许的控制字符。"))


_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class _TooManyKeys(Exception):
    pass


def limit_body():
    """A body that is not a form (JSON, or whatever an API route is sent) is read only up to
    ``MAX_JSON_BYTES`` (413 past it, with or without a Content-Length) and, when it is JSON, refused with
    more than ``MAX_JSON_KEYS`` object keys at any depth (422) — before any schema turns each key into an
    error. Forms and uploads keep their own limits (``MAX_CONTENT_LENGTH``, the attachments' size)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype in _FORMS:
        return
    if not request.content_length and not request.environ.get("wsgi.input_terminated"):
        return
    limit = current_app.config["MAX_JSON_BYTES"]
    # one byte more than allowed: a stream without a length is cut there rather than refused (werkzeug)
    request.max_content_length = limit + 1
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > limit:
        error(413, _("请求体过大：不能超过 %(max)s 字节。", max=f"{limit:,}"))
    if request.is_json or "/api/" in request.path:
        keys = current_app.config["MAX_JSON_KEYS"]
        if _more_keys_than(raw, keys):
            error(422, _("请求体的字段过多：连同嵌套的字段最多 %(max)s 个。", max=keys))


def _more_keys_than(raw: bytes, limit: int) -> bool:
    """Whether the JSON text has more than ``limit`` object keys; not JSON: False (its route says so)."""
    seen = 0

    def count(pairs):
        nonlocal seen
        seen += len(pairs)
        if seen > limit:
            raise _TooManyKeys
        return None  # the values are not kept: the route parses the body itself

    try:
        json.loads(raw, object_pairs_hook=count)
    except _TooManyKeys:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def data_error(exc):
    from ipservice.extensions import db

    db.session.rollback()
    log.warning("the database refused data that validation let through: %s", exc.orig)
    # An exception raised inside an error handler is not handled again (it would be a 500): raise the
    # refusal here and answer with whatever the app's handler for it makes of it.
    try:
        error(422, _("提交的数据超出允许范围或包含不允许的字符。"))
    except Exception as refusal:  # noqa: BLE001 — the refusal error() raised, whatever its class
        return current_app.handle_user_exception(refusal)
