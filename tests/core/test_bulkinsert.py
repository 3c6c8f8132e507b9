"""``core.bulkinsert.insert_many``: what ``session.execute(table.insert(), rows)`` would write, in one
statement on PostgreSQL whatever the number of rows (the bulk import's chunks)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from tests.test_statement_counts import statements


def _event(n: int, **changes) -> dict:
    from ipservice.core.ids import new_id

    return {"tenant_id": "hebi", "id": new_id(), "at": dt.datetime(2026, 1, 2, 3, 4, n, tzinfo=dt.UTC),
            "actor_id": None, "actor_email": None, "actor_role": None, "action": "test.bulk",
            "object_type": "test", "object_id": f"o{n}", "detail": _detail(n), "ip": None, **changes}


def _detail(n: int) -> dict:
    return {"n": n, "文字": "中文", "list": [1, None]}


def test_rows_written_as_an_insert_of_each_would_write_them(app):
    from ipservice.core.audit import AuditEvent
    from ipservice.core.bulkinsert import insert_many
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    rows = [_event(n) for n in range(5)]
    rows[1]["ip"] = "10.0.0.1"
    for row in rows[3:]:
        del row["detail"]  # the column's Python default (a dict) fills it, as with executemany
    with app.app_context(), tenant_context("hebi"):
        with statements(app, detail=True) as seen:
            insert_many(AuditEvent.__table__, rows[:3])
        insert_many(AuditEvent.__table__, rows[3:])
        insert_many(AuditEvent.__table__, [])  # nothing to write: no statement
        db.session.commit()
        stored = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.bulk")
                                    .order_by(AuditEvent.object_id)).all()
    writes = [(sql, many) for sql, many, _params in seen if "set_config" not in sql]
    assert len(writes) == 1
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert writes[0][1] is False  # one statement, not one per row
    assert [e.object_id for e in stored] == [f"o{n}" for n in range(5)]
    assert [e.at for e in stored] == [r["at"] for r in rows]
    assert [e.detail for e in stored] == [_detail(n) for n in range(3)] + [{}, {}]
    assert [e.ip for e in stored] == [None, "10.0.0.1", None, None, None]


def test_a_value_too_long_is_refused_not_cut(app):
    """The arrays are cast to TEXT[], not to the column's VARCHAR(n) (a cast would cut silently): the
    INSERT refuses the value as an INSERT of the row would (SQLite does not check lengths)."""
    from ipservice.core.audit import AuditEvent
    from ipservice.core.bulkinsert import insert_many
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite does not check a VARCHAR's length")
    with app.app_context(), tenant_context("hebi"):
        with pytest.raises(DBAPIError, match="too long"):
            insert_many(AuditEvent.__table__, [_event(1), _event(2, action="x" * 65)])
        db.session.rollback()
