"""What the application's database role may do on PostgreSQL, in one place (tests and deployment alike):
``flask --app wsgi db create-app-role`` creates it.

Migrations run as the schema owner; the app runs as a role that is not the owner, not a superuser and has
no BYPASSRLS (its login role, or ``IPSERVICE_DB_APP_ROLE`` switched to per transaction), so that row-level
security applies. It gets exactly: USAGE on the schema and its sequences; SELECT, INSERT, UPDATE, DELETE on
every table except Alembic's; only SELECT, INSERT on the append-only tables (those with an ``append_only``
trigger: the audit trail and the case history); EXECUTE on the service's SECURITY DEFINER functions (owned
by the owner): the statistics, which return aggregates, never rows; the two account look-ups that must
cross tenants, login by e-mail and a token, which return one account's needed columns (migration
0013_accounts); and ``ipservice_claims_of_email``, the unbound claims of one e-mail for the login (which has
no tenant). Both lists are read from the database, so a table or function added by a later migration is
covered by running the command again after ``db upgrade``.
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
    for function in statistics_functions(conn):
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {role}"))


def append_only_tables(conn) -> list[str]:
    """The tables of the current schema with an ``append_only`` trigger."""
    return list(conn.execute(text(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = 'append_only' AND n.nspname = "
        "'public' ORDER BY 1")).scalars())


def statistics_functions(conn) -> list[str]:
    """The SECURITY DEFINER functions of the service in the current schema (``ipservice_…``): statistics and
    the account look-ups."""
    return list(conn.execute(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND p.prosecdef AND p.proname LIKE 'ipservice\\_%'")).scalars())


_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def create_app_role(connection, role: str, password: str | None = None, schema: str = "public") -> list[str]:
    """Create (or bring up to date) ``role`` on an AUTOCOMMIT connection of the owner; the statements run."""
    if not _NAME.match(role) or not _NAME.match(schema):
        raise ValueError(f"{role!r} / {schema!r}: plain lower-case names only")
    done = []

    def run(sql, **params):
        connection.execute(text(sql), params)
        done.append(sql)

    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    # re-run after an upgrade without --password, a role that logs in keeps logging in (the workers use it)
    login = "LOGIN " if password else ("" if exists else "NOLOGIN ")
    attrs = f"{login}NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
    run(f"{'ALTER' if exists else 'CREATE'} ROLE {role} {attrs}")
    if password:
        # a literal: PostgreSQL takes no bind parameter in ALTER ROLE; quoted by the server's own rules
        quoted = connection.scalar(text("SELECT quote_literal(:p)"), {"p": password})
        connection.execute(text(f"ALTER ROLE {role} PASSWORD {quoted}"))
        done.append(f"ALTER ROLE {role} PASSWORD '…'")
    is_super = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    if not is_super:
        # the owner switches to the role per transaction (SET LOCAL ROLE, IPSERVICE_DB_APP_ROLE)
        run(f"GRANT {role} TO CURRENT_USER")
    tables = list(connection.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version' "
        "ORDER BY tablename"), {"s": schema}))
    run(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
    append_only = set(append_only_tables(connection))
    for table in tables:
        privileges = "SELECT, INSERT" if table in append_only else "SELECT, INSERT, UPDATE, DELETE"
        run(f"GRANT {privileges} ON {schema}.{table} TO {role}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    for function in statistics_functions(connection):
        run(f"GRANT EXECUTE ON FUNCTION {function} TO {role}")
    return done
