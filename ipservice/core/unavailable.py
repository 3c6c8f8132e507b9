"""The database (or the rate-limit store) is unreachable or does not answer in time: 503 with
``Retry-After``, never a 500 and never a hung request — the contract's JSON error on the API, the error
page elsewhere.

A lost or refused connection surfaces as SQLAlchemy's ``OperationalError`` (or ``InterfaceError`` for a
connection closed under the driver) wherever the request first touches the database: the token or
session lookup, the tenant's transaction settings, the view. So does a timeout (``core/dbtimeouts.py``:
statement, lock, connect, the client's own deadline); the pool's wait for a free connection is its
``TimeoutError``. The pool checks a connection before lending it (``pool_pre_ping``, config.py), so once
the database is back the next request gets a fresh one: no worker restart.

The rate limiter's store fails as ``limits``' ``StorageError`` (its exceptions are wrapped:
``core/security.py``), before the view or in Flask-Limiter's header hook after it. An error in an
after-request hook reaches Flask as a 500 whose ``original_exception`` is the store's error: that 500 is
answered as 503 too.
"""
from __future__ import annotations

import logging

from flask import current_app, g, render_template
from limits.errors import StorageError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, StorageError)


def unavailable(exc):
    from flask_login import AnonymousUserMixin
    from werkzeug.http import HTTP_STATUS_CODES

    from ipservice.core.errors import default_message, wants_json
    from ipservice.extensions import db

    log.warning("the database is unavailable: %s",
                getattr(exc, "orig", None) or getattr(exc, "storage_error", exc))
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is gone; the pool replaces it
        db.session.remove()
    _skip_rate_limit_headers()
    headers = {"Retry-After": str(current_app.config.get("RETRY_AFTER_SECONDS", 5))}
    if wants_json():
        return {"code": 503, "status": HTTP_STATUS_CODES[503], "message": default_message(503)}, 503, headers
    g._login_user = AnonymousUserMixin()  # the page must not look the user up in the database again
    return render_template("error.html", code=503, message=default_message(503)), 503, headers


def _skip_rate_limit_headers() -> None:
    """Flask-Limiter's header hook reads its store after the view: on a 503 that store is most likely
    the unreachable database, and reading it would wait out another timeout for headers nobody needs."""
    from ipservice.extensions import limiter

    try:
        context = limiter.context
        context.view_rate_limit = None
        context.conditional_deductions.clear()  # a 503 is no failed login to count
    except (AttributeError, RuntimeError):  # not this Flask-Limiter's internals: the hook reads, at worst
        pass


def server_error(error):
    """A 500: answered as 503 when what failed is the database or the rate-limit store (an after-request
    hook's error reaches Flask this way), the usual error otherwise."""
    original = getattr(error, "original_exception", None)
    if isinstance(original, UNAVAILABLE):
        return unavailable(original)
    from ipservice.extensions import api

    return api.handle_http_exception(error)


def install(app) -> None:
    for exc_class in UNAVAILABLE:
        app.register_error_handler(exc_class, unavailable)
    app.register_error_handler(500, server_error)
