"""What the application's database role may do on PostgreSQL, in one place (tests and deployment alike).

The schema belongs to the owner role that runs the migrations; the app runs as an ordinary role (its login
role, or ``IPSERVICE_DB_APP_ROLE`` switched to per transaction) so that row-level security applies. The app
role may read and write the tenant tables, except that tables with an ``append_only`` trigger (the audit
trail) are INSERT and SELECT only, and it may call the statistics functions (SECURITY DEFINER, owned by the
owner; they return aggregates, never rows). Both lists are read from the database, so a table or function
added by a later migration is covered without changing this module.
"""
from __future__ import annotations

import re

from sqlalchemy import text

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# The trigger function a migration attaches to an append-only table (``append_only_statements``).
REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION ipservice_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def append_only_statements(table: str) -> list[str]:
    """Refuse UPDATE and DELETE of ``table``'s rows for every role, the owner included (TRUNCATE, which
    needs a privilege the app role does not have, stays the owner's deliberate purge)."""
    return [f"DROP TRIGGER IF EXISTS append_only ON {table}",
            f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ipservice_refuse_change()"]


def grant_app_role(conn, role: str) -> None:
    """Give ``role`` what the app needs on the current schema (run as the owner after the migrations)."""
    if not _ROLE.match(role):
        raise ValueError(f"{role!r} is not a plain role name")
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    for table in append_only_tables(conn):
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}"))
    functions = conn.execute(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND p.prosecdef AND p.proname LIKE 'ipservice\\_%'")).scalars().all()
    for function in functions:
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {role}"))


def append_only_tables(conn) -> list[str]:
    """The tables of the current schema with an ``append_only`` trigger."""
    return list(conn.execute(text(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = 'append_only' AND n.nspname = 'public' "
        "ORDER BY 1")).scalars())
