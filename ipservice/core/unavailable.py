"""The database is unreachable (restarting, failed over, the network): 503 with ``Retry-After``, never a
500 — the contract's JSON error on the API, the error page elsewhere.

A lost or refused connection surfaces as SQLAlchemy's ``OperationalError`` (or ``InterfaceError`` for a
connection closed under the driver) wherever the request first touches the database: the token or
session lookup, the tenant's transaction settings, the view. The pool checks a connection before lending
it (``pool_pre_ping``, config.py), so once the database is back the next request gets a fresh one: no
worker restart.
"""
from __future__ import annotations

import logging

from flask import current_app, g, render_template
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)


def unavailable(exc):
    from flask_login import AnonymousUserMixin
    from werkzeug.http import HTTP_STATUS_CODES

    from ipservice.core.errors import default_message, wants_json
    from ipservice.extensions import db

    log.warning("the database is unavailable: %s", getattr(exc, "orig", exc))
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is gone; the pool replaces it
        db.session.remove()
    headers = {"Retry-After": str(current_app.config.get("RETRY_AFTER_SECONDS", 5))}
    if wants_json():
        return {"code": 503, "status": HTTP_STATUS_CODES[503], "message": default_message(503)}, 503, headers
    g._login_user = AnonymousUserMixin()  # the page must not look the user up in the database again
    return render_template("error.html", code=503, message=default_message(503)), 503, headers


def install(app) -> None:
    for exc_class in (OperationalError, InterfaceError):
        app.register_error_handler(exc_class, unavailable)
