"""Every wait on the database ends: a database that hangs is answered 503 in seconds (issue 18).

A stopped database refuses connections at once; a hung one (frozen, a network that drops packets, a lock
held for ever) answers nothing, and without a bound every request — and every worker thread — waits with
it. So, with the settings of ``config.py`` (seconds; 0 turns one off):

- connecting: libpq's ``connect_timeout`` (``IPSERVICE_DB_CONNECT_TIMEOUT``); a free connection from the
  pool: ``pool_timeout`` (``IPSERVICE_DB_POOL_TIMEOUT``);
- PostgreSQL, per transaction: ``statement_timeout`` and ``lock_timeout``, set with ``set_config(…, true)``
  in the statement that already sets the tenant (``tenancy._postgres_settings``): per transaction because
  a transaction-pooling pgbouncer keeps neither session settings nor startup ``options``, and in that one
  round-trip so that it costs nothing;
- a frozen server cancels nothing, so the client gives up too: in a request, every wait of psycopg on the
  server (a statement, the pool's ping, a commit) ends ``CLIENT_MARGIN`` after the statement timeout
  (``Connection.wait(timeout=…)``), and the connection is closed, so the pool replaces it (not on the
  command line: a migration may rightly take minutes);
- SQLite: ``busy_timeout`` (``IPSERVICE_SQLITE_BUSY_TIMEOUT``), how long a writer waits for the file.

Whatever runs out is an ``OperationalError`` (or the pool's ``TimeoutError``): 503 with Retry-After
(``core/unavailable.py``). ``budget(seconds)`` bounds a whole block tighter (the readiness check).
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import re
import time

from flask import has_request_context
from sqlalchemy import event

# The server's own statement timeout answers first (a clean error, the connection kept); the client's
# comes this much later, for a server that answers nothing.
CLIENT_MARGIN = 1.0
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("ipservice_db_deadline",
                                                                         default=None)


@contextlib.contextmanager
def budget(seconds: float):
    """Everything the block asks of the database (connecting included) ends within about ``seconds``."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float | None:
    end = _deadline.get()
    return None if end is None else max(0.001, end - time.monotonic())


def _libpq_seconds(seconds: float) -> int:
    # libpq's connect_timeout is whole seconds, and it takes anything below 2 as 2.
    return max(2, math.ceil(seconds))


def engine_options(config, uri: str, base: dict | None = None) -> dict:
    """Engine options for ``uri`` with the timeouts added to ``base`` (by default the app's
    ``SQLALCHEMY_ENGINE_OPTIONS``; what they set explicitly wins)."""
    opts = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {} if base is None else base)
    connect_args = dict(opts.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", float(config["IPSERVICE_SQLITE_BUSY_TIMEOUT"]))
    elif uri.startswith("postgresql") and config["IPSERVICE_DB_CONNECT_TIMEOUT"] > 0:
        connect_args.setdefault("connect_timeout", _libpq_seconds(config["IPSERVICE_DB_CONNECT_TIMEOUT"]))
    if uri.startswith("postgresql+psycopg:"):  # psycopg 3 (not psycopg2): see the setting in config.py
        threshold = str(config.get("IPSERVICE_DB_PREPARE_THRESHOLD") or "").strip()
        connect_args.setdefault("prepare_threshold", int(threshold) if threshold else None)
    opts["connect_args"] = connect_args
    if config["IPSERVICE_DB_POOL_TIMEOUT"] > 0 and ":memory:" not in uri:
        opts.setdefault("pool_timeout", float(config["IPSERVICE_DB_POOL_TIMEOUT"]))
    return opts


def client_deadline(config) -> float | None:
    statement = float(config["IPSERVICE_DB_STATEMENT_TIMEOUT"])
    return statement + CLIENT_MARGIN if statement > 0 else None


def transaction_settings(config) -> dict:
    """The per-transaction PostgreSQL settings, in milliseconds as ``set_config`` takes them ('0': off)."""
    return {"statement_timeout": str(int(float(config["IPSERVICE_DB_STATEMENT_TIMEOUT"]) * 1000)),
            "lock_timeout": str(int(float(config["IPSERVICE_DB_LOCK_TIMEOUT"]) * 1000))}


def watch(engine, deadline: float | None) -> None:
    """On PostgreSQL (psycopg), connections whose every wait on the server ends after ``deadline`` seconds,
    or sooner within a ``budget``. (SQLite's busy timeout is a connect argument: ``engine_options``.)"""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, conn_rec, cargs, cparams):
        remaining = _remaining()
        if remaining is not None:
            cparams["connect_timeout"] = min(cparams.get("connect_timeout") or math.inf,
                                             _libpq_seconds(remaining))
        conn = _connection_class().connect(*cargs, **cparams)
        conn.deadline = deadline
        return conn


def _wait_timeout(deadline: float | None) -> float | None:
    """A request's waits end after ``deadline``, a ``budget``'s when it runs out. The command line has no
    client deadline: a migration's ``CREATE INDEX`` may rightly take minutes (its transactions still carry
    the server's timeouts where they go through the session: core/tenancy.py)."""
    remaining = _remaining()
    if not has_request_context():
        return remaining
    return deadline if remaining is None else (remaining if deadline is None else min(deadline, remaining))


_CLASS = None
_TWO_ANSWERS = re.compile(r"received \d+ results from command")


def _connection_class():
    """psycopg's Connection whose every wait on the server ends (made once, psycopg imported lazily)."""
    global _CLASS
    if _CLASS is None:
        import psycopg
        from psycopg import pq

        class DeadlineConnection(psycopg.Connection):
            deadline: float | None = None

            def wait(self, gen, *args, **kwargs):
                if len(args) < 2 and kwargs.get("timeout") is None:
                    kwargs["timeout"] = _wait_timeout(self.deadline)
                try:
                    return super().wait(gen, *args, **kwargs)
                except psycopg.OperationalError:
                    # Gave up with a statement in flight: the connection is in the middle of the protocol
                    # and cannot be used again (closed, the pool sees it as a disconnect and replaces it).
                    if self.pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
                        self.close()
                    raise
                except psycopg.InternalError as exc:
                    # Behind pgbouncer, a server shut down during a command answers it twice (its FATAL and
                    # the pooler's error): "received 2 results from command 'COMMIT'". The database went
                    # away, and the connection's state is unknown: closed, and raised as the lost
                    # connection it is (503, core/unavailable.py), never a 500 (issue 23, tests/topology).
                    if not _TWO_ANSWERS.search(str(exc)):
                        raise
                    self.close()
                    raise psycopg.OperationalError(str(exc)) from exc

        _CLASS = DeadlineConnection
    return _CLASS


def install(app) -> None:
    """The app's engine (its options came from ``engine_options``): the client-side deadline on PostgreSQL,
    the pragmas of every SQLite connection (its busy timeout as the configuration says when it connects)."""
    from ipservice.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            busy_ms = int(float(app.config["IPSERVICE_SQLITE_BUSY_TIMEOUT"]) * 1000)
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

    watch(engine, client_deadline(app.config))
