"""A lock that serializes writers on one row until the transaction ends, on PostgreSQL and SQLite alike.

A rule that is checked by reading earlier rows (one subsidy per organization and standard, no overlapping
custody period) holds under concurrency only when the check and the write cannot interleave with another
request's. Lock the row both requests share (the organization) before the check:

- PostgreSQL: ``SELECT … FOR UPDATE`` on that row; the second request waits for the first to commit and then
  reads what it wrote (READ COMMITTED takes a new snapshot per statement).
- SQLite: a no-op ``UPDATE`` of that row. SQLite has one write lock per database, taken by the first write
  of a transaction and held until it ends; since the driver opens the transaction at that write, the reads
  that follow see every earlier commit.
"""
from __future__ import annotations

from sqlalchemy import select, update

from ipservice.extensions import db


def lock_row(model, *conditions, column: str = "id") -> None:
    """Lock the rows of ``model`` matching ``conditions`` (the tenant filter applies as to any query)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(getattr(model, column)).where(*conditions).with_for_update())
    else:
        db.session.execute(update(model).where(*conditions).values({column: getattr(model, column)})
                           .execution_options(synchronize_session=False))


def conflict_insert(table, bind=None):
    """``INSERT`` of ``table`` with ``on_conflict_do_nothing``/``_do_update`` (the dialect's own construct):
    a write that a unique index decides between concurrent writers, in one statement."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = (bind or db.session.get_bind()).dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # pragma: no cover - the service runs on SQLite and PostgreSQL only
        raise RuntimeError(f"no INSERT … ON CONFLICT for {dialect}")
    return insert(table)
