"""Many rows into one table in one statement, whatever their number (the bulk import's chunks).

On PostgreSQL an ``executemany`` of psycopg 3 is one INSERT per row (pipelined, but each parsed, planned
and executed alone, and each row's parameters adapted by psycopg in Python): ~0.5 ms a row between client
and server, most of an import's time. SQLAlchemy's ``insertmanyvalues`` (one INSERT … VALUES per 1 000
rows) was slower still on psycopg 3: its statements of 12 000 parameters cost more to build and to plan
than they save. So the rows go as one array per column, ``INSERT … SELECT * FROM unnest(…)``: one
statement of a few parameters, planned once, the rows made by the server. Elsewhere (SQLite) an
``executemany`` is already a loop in C over one prepared statement, and stays.
"""
from __future__ import annotations

from sqlalchemy import String, Table
from sqlalchemy.types import TypeDecorator

from ipservice.extensions import db


def insert_many(table: Table, rows: list[dict]) -> None:
    """``INSERT`` every row of ``rows`` (dicts of column values, the same keys in each) into ``table`` in the
    current transaction, as ``session.execute(table.insert(), rows)`` would: the columns' Python defaults
    fill what a row leaves out, and the columns' types convert the values."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        db.session.execute(table.insert(), rows)
        return
    names, arrays = [], []
    for column in table.columns:
        default = column.default
        if column.key in rows[0]:
            values = [row[column.key] for row in rows]
        elif default is None:
            continue  # the server's default, or NULL
        elif default.is_scalar:
            values = [default.arg] * len(rows)
        elif default.is_callable:
            values = [default.arg(None) for _ in rows]
        else:  # a default that is SQL (a sequence, an expression): as SQLAlchemy writes it
            db.session.execute(table.insert(), rows)
            return
        process = column.type._cached_bind_processor(dialect)
        if process is not None:
            values = [process(v) for v in values]
        names.append(column.name)
        arrays.append((values, _array_type(column.type, dialect)))
    quote = dialect.identifier_preparer.quote
    # %(a0)b: psycopg's binary format (its text format escapes every element of an array in Python)
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) SELECT * FROM unnest("
           + ", ".join(f"CAST(%(a{i})b AS {kind})" for i, (_values, kind) in enumerate(arrays)) + ")")
    params = {f"a{i}": values for i, (values, _kind) in enumerate(arrays)}
    db.session.connection().exec_driver_sql(sql, params)


def _array_type(type_, dialect) -> str:
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl
    if isinstance(type_, String):
        # not VARCHAR(n): a cast cuts a value too long without a word, where the INSERT refuses it
        return "TEXT[]"
    return f"{type_.compile(dialect=dialect)}[]"
