"""The unprivileged PostgreSQL role the application runs as: ``flask --app wsgi db create-app-role``.

Migrations run as the schema owner; the app runs as a role that is not the owner, not a superuser and
has no BYPASSRLS, so that the row-level-security policies hold. It gets exactly:
- USAGE on the schema; USAGE, SELECT on its sequences;
- SELECT, INSERT, UPDATE, DELETE on every table of the schema except Alembic's ``alembic_version``;
- only SELECT, INSERT on the append-only tables (``APPEND_ONLY``: the audit trail and case history).
Running it again (after every ``db upgrade``, which may add tables) brings the grants back to exactly that.
"""
from __future__ import annotations

import re

from sqlalchemy import text

APPEND_ONLY = ("audit_events", "case_transitions")
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
    login = "LOGIN" if password else "NOLOGIN"
    attrs = f"{login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
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
    for table in tables:
        privileges = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        run(f"GRANT {privileges} ON {schema}.{table} TO {role}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    return done
