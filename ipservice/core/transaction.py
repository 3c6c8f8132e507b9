"""The unit of work: a request (API or page) owns its database transaction.

Services flush and never commit. Every view is wrapped once by the app factory: when it answers with a
status below 400 the session commits, otherwise — a refusal, a failed form, any exception — it rolls
back, so a refused request leaves nothing behind, whatever a service had flushed before refusing. The
idempotency key, the audit event and the counter increment of a request are in the same transaction.

The command line owns its transactions the same way: ``unit_of_work()`` around a command (a domain
refusal becomes the command's error message and exit status 1); the bulk import commits at its chunk
boundary (``importing.engine``).

Nothing else commits or rolls back (``tests/core/test_transaction_rule.py`` reads every module's syntax tree
for it): in SQLAlchemy 2 a ``rollback()`` ends the whole transaction, the caller's earlier work with it.
Work that may fail alone — an INSERT another writer may have made first — runs in ``savepoint()``: a
conflict rolls back the savepoint only, and the service raises a domain error (``core.errors``).
"""
from __future__ import annotations

import contextlib
import functools

from flask import g, make_response

from ipservice.core.errors import Refusal
from ipservice.extensions import db


def keep_on_refusal() -> None:
    """Commit this request's writes although it answers with an error (an audit event of a refused
    login, say): the view has made sure nothing else is pending."""
    g._uow_keep = True


def after_shown_refusal(fn) -> None:
    """``fn()`` adds what must be written although this request rolls back, when — and only when — the view
    itself answers with an error page it rendered (a form shown again with its errors, the record beside
    it): the read it shows stands (the access record). Run after the rollback, in a transaction of its own.
    A refusal raised to the error handler (a JSON error, a 404) shows nothing: ``fn`` is dropped."""
    g.setdefault("_uow_after_shown_refusal", []).append(fn)


def _wrap(view):
    @functools.wraps(view)
    def unit_of_work_view(*args, **kwargs):
        try:
            response = make_response(view(*args, **kwargs))
        except Refusal:
            g.pop("_uow_after_shown_refusal", None)
            _end(keep=g.pop("_uow_keep", False))
            raise
        except BaseException:
            g.pop("_uow_after_shown_refusal", None)
            db.session.rollback()
            raise
        keep = response.status_code < 400 or g.pop("_uow_keep", False)
        _end(keep=keep)
        later = g.pop("_uow_after_shown_refusal", [])
        if not keep and later:
            for fn in later:
                fn()
            _end(keep=True)
        return response

    return unit_of_work_view


def _end(keep: bool) -> None:
    if not keep:
        db.session.rollback()
        return
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def install(app) -> None:
    """Wrap every view of ``app`` (call after all blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "_in_unit_of_work", False):
            wrapped = _wrap(view)
            wrapped._in_unit_of_work = True
            app.view_functions[endpoint] = wrapped


@contextlib.contextmanager
def unit_of_work():
    """One transaction for a command: commit at the end, roll back on any error; a domain refusal is the
    command's error (its message, exit status 1)."""
    import click

    try:
        yield db.session
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(exc.text) from exc
    except BaseException:
        db.session.rollback()
        raise


def open_transaction() -> None:
    """On SQLite, BEGIN before a SAVEPOINT. pysqlite begins a transaction only before an
    INSERT/UPDATE/DELETE; a SAVEPOINT outside one starts its own, and releasing it would COMMIT (SQLite:
    releasing the outermost savepoint commits) what the request or the import has not decided to keep."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def savepoint():
    """Work that may fail alone, under a SAVEPOINT: an exception rolls back what the block did and nothing
    before it (the transaction goes on). Add the objects *inside* the block: entering it flushes what is
    pending, outside the savepoint."""
    open_transaction()
    with db.session.begin_nested():
        yield
