"""Rate-limit counters in the service's own database, for Flask-Limiter (``limits``).

``RATELIMIT_STORAGE_URI = "database+<SQLAlchemy URL>"``, e.g. ``database+postgresql+psycopg://…`` or
``database+sqlite:///…``; left unset, the app uses its own ``SQLALCHEMY_DATABASE_URI`` that way.

Without Redis (``RATELIMIT_STORAGE_URI`` unset), each gunicorn worker would count in its own memory, and
a restart would forget: N workers meant N times the limit. The database is the store every worker and
every restart already shares, so the counters live in the ``rate_limits`` table: one row per key, an
atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35) counts a
hit and starts a new window when the old one has expired. The storage has its own small engine and
commits each hit at once, outside the request's transaction: a refused login must still count.

``limits`` registers every ``Storage`` subclass under its ``STORAGE_SCHEME`` (the way its Redis and
Memcached storages are registered), so importing this module is enough for ``database+…`` URIs to work.
"""
from __future__ import annotations

import hashlib
import itertools
import time

from limits.storage import Storage
from sqlalchemy import Column, Float, Integer, String, Table, case, create_engine, delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from ipservice.extensions import db

# In the app's metadata (the migration creates it; the tests empty it between tests like any table).
rate_limits = Table(
    "rate_limits", db.metadata,
    Column("key", String(255), primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)
PREFIX = "database+"
_PURGE_EVERY = 200  # hits between two deletions of expired rows


def _key(key: str) -> str:
    # Keys embed the e-mail typed at login: a very long one, or one with characters a text column refuses
    # (PostgreSQL: NUL), is stored by its digest.
    if len(key) <= 200 and key.isprintable():
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """A fixed-window ``limits`` storage in a SQL table (the default strategy of Flask-Limiter)."""

    STORAGE_SCHEME = [PREFIX + dialect for dialect in (
        "sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2")]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        if not uri or not uri.startswith(PREFIX):
            raise ValueError("the database rate-limit storage needs database+<SQLAlchemy URL>")
        self.url = uri[len(PREFIX):]
        self._engine = None
        self._hits = itertools.count()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @property
    def engine(self):
        if self._engine is None:
            from flask import current_app, has_app_context

            from ipservice.core import dbtimeouts

            # The app's timeouts (core/dbtimeouts.py): connect, pool, the client's deadline on each statement;
            # the hits are one-row statements, so a server-side statement timeout would add nothing. (Read
            # from the app, not from storage options: Flask-Limiter keeps those across apps.)
            config = current_app.config if has_app_context() else None
            kwargs = {"pool_pre_ping": True}
            if config is not None:
                kwargs = dbtimeouts.engine_options(config, self.url, kwargs)
            if not self.url.startswith("sqlite"):
                kwargs.update(pool_size=2, max_overflow=4)
            self._engine = create_engine(self.url, **kwargs)
            if config is not None:
                dbtimeouts.watch(self._engine, dbtimeouts.client_deadline(config))
        return self._engine

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            from ipservice.core.locks import conflict_insert

            expired = rate_limits.c.expires_at <= now
            fresh = max(amount, 0)  # a refund (negative amount) into a new window starts it at 0
            stmt = conflict_insert(rate_limits, conn).values(key=_key(key), hits=fresh,
                                                             expires_at=now + expiry)
            stmt = stmt.on_conflict_do_update(index_elements=[rate_limits.c.key], set_={
                "hits": case((expired, fresh), else_=rate_limits.c.hits + amount),
                "expires_at": case((expired, now + expiry), else_=rate_limits.c.expires_at),
            }).returning(rate_limits.c.hits)
            hits = conn.execute(stmt).scalar_one()
            if next(self._hits) % _PURGE_EVERY == 0:
                conn.execute(delete(rate_limits).where(rate_limits.c.expires_at < now))
        return int(hits)

    def _row(self, key: str):
        with self.engine.connect() as conn:
            return conn.execute(select(rate_limits.c.hits, rate_limits.c.expires_at)
                                .where(rate_limits.c.key == _key(key))).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.hits) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row is not None and row.expires_at > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.key == _key(key)))
