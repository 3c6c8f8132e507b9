"""The planner's statistics while an import grows a table (PostgreSQL). A database a district has just set up
has never been analyzed: without statistics the planner takes each chunk's ``IN (…500 values…)`` look-up to
match the whole table and scans the tenant's rows (175 ms a chunk, growing with every chunk). Before a chunk,
a table the import fills that was never analyzed, or to which the import wrote more than a fifth of what the
last analysis counted, is analyzed — through ``ipservice_analyze`` (migration 0021_analyze), since only the
owner may ANALYZE and the app runs as a role that is not. The import counts what it wrote itself: the
server's own change counters reach other transactions only when its statistics are flushed."""
from __future__ import annotations

from sqlalchemy import text

from ipservice.extensions import db

MIN_WRITTEN = 1000  # rows written since the last analysis before another is worth its cost


def stale(written: dict[str, int]) -> list[str]:
    """The tables among ``written`` (table: rows the import wrote to it since it last analyzed it) without
    statistics, or behind by more than a fifth of what their last analysis counted."""
    # pg_class.reltuples: -1 until the table is first analyzed or vacuumed (pg_stats hides a table under
    # row-level security from the app role, so the catalog is what it can read)
    rows = db.session.execute(text(
        "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY(:tables)"), {"tables": list(written)})
    return [name for name, counted in rows
            if counted < 0 or written[name] > max(MIN_WRITTEN, int(counted) // 5)]


def refresh(written: dict[str, int]) -> list[str]:
    """Analyze the stale ones among ``written``'s tables (PostgreSQL; nothing elsewhere); the tables
    analyzed. Each table is judged by its own count: a small table analyzed often must not keep a large one
    from ever being analyzed again."""
    if db.session.get_bind().dialect.name != "postgresql":
        return []
    done = stale(written)
    for name in done:
        db.session.execute(text("SELECT ipservice_analyze(:name)"), {"name": name})
    return done
