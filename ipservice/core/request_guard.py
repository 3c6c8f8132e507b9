"""Text the database cannot store must not become a 500.

- A NUL in the query string or path is refused at once (400): PostgreSQL cannot hold NUL in text, and
  list filters reach SQL directly. Body fields are checked by their schemas (``Text`` refuses control
  characters with a 422 on the field).
- Should anything still reach the database that it refuses (``DataError``), the request is answered
  with a 422 and the transaction rolled back, and the miss is logged so the schema gets fixed.
"""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_babel import gettext as _

from ipservice.core.errors import error

log = logging.getLogger(__name__)


def refuse_nul():
    if b"%00" in request.query_string or "\x00" in request.path:
        error(400, _("请求中包含不允许的控制字符。"))


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
