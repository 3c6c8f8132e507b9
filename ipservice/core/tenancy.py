"""Tenant isolation that the code cannot forget.

- The tenant comes from the URL (``/t/<tenant>/…``); it is put in ``g`` before any view runs.
- Every SELECT/UPDATE/DELETE that touches a ``TenantScoped`` model gets ``tenant_id = current tenant``
  added by the session itself (``do_orm_execute`` + ``with_loader_criteria``).
- A flush that would write a row of another tenant is refused.
- Without a tenant in context such a query raises, unless the caller says explicitly that it works
  across tenants (``with cross_tenant(reason)``: statistics and the command line).
- On PostgreSQL every transaction also carries the tenant in ``app.tenant_id`` (``set_config(..., true)``,
  safe behind a transaction-pooling pgbouncer) for the row-level-security policies, and optionally
  switches to an unprivileged role with ``SET LOCAL ROLE`` so that the policies apply. ``cross_tenant``
  works on PostgreSQL only for a connection whose role is the schema owner (the command line); the web app's
  cross-district statistics read through SECURITY DEFINER functions instead (``stats/aggregates.py``).
"""
from __future__ import annotations

import re
from contextlib import contextmanager, suppress
from itertools import chain

from flask import current_app, g, has_app_context
from sqlalchemy import String, Table, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column, with_loader_criteria
from sqlalchemy.sql import visitors

from ipservice.config import Config
from ipservice.core import dbtimeouts
from ipservice.core.ids import new_id


class TenantContextError(RuntimeError):
    """A tenant-owned table was queried or written with no tenant in context."""


class TenantIsolationError(RuntimeError):
    """A write would have touched a row of another tenant."""


class TenantScoped:
    """Mixin for tenant-owned tables: ``tenant_id`` leads the primary key (Citus distribution column)."""

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


def current_tenant_id() -> str | None:
    return g.get("tenant_id") if has_app_context() else None


def current_tenant():
    """The configuration of the tenant in context (request, command line, import row or test), or None."""
    if not has_app_context() or g.get("tenant_id") is None:
        return None
    tenant = g.get("tenant")
    if tenant is not None and tenant.slug == g.tenant_id:
        return tenant
    find = current_app.extensions.get("ipservice.find_tenant")
    return find(g.tenant_id) if find else None


def is_cross_tenant() -> bool:
    return bool(g.get("cross_tenant_reason")) if has_app_context() else False


@contextmanager
def tenant_context(slug: str):
    """Run a block as tenant ``slug`` (command line, background work, tests)."""
    saved = (g.get("tenant_id"), g.get("cross_tenant_reason"))
    g.tenant_id, g.cross_tenant_reason = slug, None
    _sync_postgres_settings()
    try:
        yield
    finally:
        g.tenant_id, g.cross_tenant_reason = saved
        _sync_postgres_settings()


@contextmanager
def cross_tenant(reason: str):
    """Declare that a block reads across tenants on purpose; ``reason`` says why (it is logged)."""
    if not reason:
        raise ValueError("cross_tenant needs a reason")
    saved = (g.get("tenant_id"), g.get("cross_tenant_reason"))
    g.tenant_id, g.cross_tenant_reason = None, reason
    _sync_postgres_settings()
    try:
        yield
    finally:
        g.tenant_id, g.cross_tenant_reason = saved
        _sync_postgres_settings()


def signed_in_as(user_id: str | None, synced: bool = False) -> None:
    """The request's user is ``user_id`` (None: nobody): on PostgreSQL its account row becomes visible to the
    app role (``app.user_id``) from now on; ``synced``: the open transaction knows already (a look-up
    function set it), so no statement is sent."""
    if g.get("auth_user_id") == user_id:
        return
    g.auth_user_id = user_id
    if not synced:
        _sync_postgres_settings()


def _filter_by_tenant(state):
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if not _touches_tenant_table(state):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if is_cross_tenant():
            return
        raise TenantContextError(
            "query on a tenant-owned table with no tenant in context; "
            "use tenant_context(slug) or cross_tenant(reason)"
        )
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


_TENANT_TABLES: tuple[int, frozenset] = (-1, frozenset())


def _tenant_tables() -> frozenset:
    """The tables of tenant-owned models, recomputed only when models are added (this runs per query)."""
    global _TENANT_TABLES
    from ipservice.extensions import db

    mappers = db.Model.registry.mappers
    if _TENANT_TABLES[0] != len(mappers):
        _TENANT_TABLES = (len(mappers), frozenset(
            m.local_table for m in mappers if issubclass(m.class_, TenantScoped)))
    return _TENANT_TABLES[1]


def _touches_tenant_table(state) -> bool:
    # Mappers alone miss statements such as select(func.count()).select_from(Model) or subqueries, so
    # look at every table the statement names.
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = _tenant_tables()
    return any(isinstance(el, Table) and el in tables for el in visitors.iterate(state.statement))


def _guard_flush(session, flush_context, instances):
    tenant_id = current_tenant_id()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantContextError(f"new {type(obj).__name__} with no tenant in context")
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id and not is_cross_tenant():
            raise TenantIsolationError(
                f"refusing to write {type(obj).__name__} of tenant {obj.tenant_id!r} "
                f"while the current tenant is {tenant_id!r}"
            )


_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _postgres_settings(connection):
    if connection.dialect.name != "postgresql":
        return
    role = current_app.config.get("IPSERVICE_DB_APP_ROLE") if has_app_context() else ""
    settings = {"tenant": current_tenant_id() or "", "cross": "on" if is_cross_tenant() else "off",
                "user": (g.get("auth_user_id") if has_app_context() else None) or "",
                **dbtimeouts.transaction_settings(
                    current_app.config if has_app_context() else Config.__dict__)}
    if role:
        if not _ROLE_RE.match(role):
            raise ValueError(f"IPSERVICE_DB_APP_ROLE {role!r} is not a plain role name")
        # A block that reads across tenants on purpose (command line) runs as the connection's own role: only
        # the schema owner's policy honours app.cross_tenant (rls_statements); as the app role it sees
        # nothing. set_config('role', …, true) is SET LOCAL ROLE: the role and the settings in one round-trip.
        settings["role"] = "none" if is_cross_tenant() else role
        connection.execute(_SETTINGS_WITH_ROLE, settings)
    else:
        connection.execute(_SETTINGS, settings)


# One statement per transaction (a round-trip each is what a request pays on PostgreSQL).
# app.user_id: the signed-in user, whose own account row the policies of users and api_tokens show whatever
# the tenant (a cross-district administrator has none; global routes set none). The timeouts
# (core/dbtimeouts.py) ride along: per transaction, so that a transaction-pooling pgbouncer keeps them.
_TIMEOUTS = ("set_config('statement_timeout', :statement_timeout, true), "
             "set_config('lock_timeout', :lock_timeout, true)")
_SETTINGS = text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.cross_tenant', :cross, "
                 "true), set_config('app.user_id', :user, true), " + _TIMEOUTS)
_SETTINGS_WITH_ROLE = text("SELECT set_config('role', :role, true), set_config('app.tenant_id', :tenant, "
                           "true), set_config('app.cross_tenant', :cross, true), set_config('app.user_id', "
                           ":user, true), " + _TIMEOUTS)


def _after_begin(session, transaction, connection):
    if transaction.nested:
        return  # a SAVEPOINT: its transaction's local settings hold inside it
    _postgres_settings(connection)


def _sync_postgres_settings():
    """The tenant changed inside an open transaction: tell PostgreSQL too."""
    from ipservice.extensions import db

    session = db.session()
    if session.in_transaction():
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # A failure means the transaction has failed already; it will be rolled back, and the next one
            # starts with the right settings (after_begin).
            with suppress(DBAPIError):
                _postgres_settings(conn)


def install(app, find_tenant):
    """Wire the session events once per process, and the tenant URL handling into ``app``;
    ``find_tenant(slug)`` returns the tenant's configuration or None."""
    app.extensions["ipservice.find_tenant"] = find_tenant
    if not event.contains(Session, "do_orm_execute", _filter_by_tenant):
        event.listen(Session, "do_orm_execute", _filter_by_tenant)
        event.listen(Session, "before_flush", _guard_flush)
        event.listen(Session, "after_begin", _after_begin)

    from flask import abort

    @app.url_value_preprocessor
    def pull_tenant(endpoint, values):
        if values and "tenant" in values:
            tenant = find_tenant(values.pop("tenant"))
            if tenant is None:
                abort(404)
            g.tenant = tenant
            g.tenant_id = tenant.slug

    @app.url_defaults
    def add_tenant(endpoint, values):
        if "tenant" in values or not g.get("tenant"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = g.tenant.slug


def rls_statements(table: str) -> list[str]:
    """PostgreSQL row-level security for one tenant table (used by the migrations).

    ENABLE + FORCE so that the owner is bound too; superusers and BYPASSRLS roles still skip it, so the
    application must run as an ordinary role (IPSERVICE_DB_APP_ROLE or its login role).

    Every role sees the rows of the tenant in ``app.tenant_id``. Reading across tenants (``app.cross_tenant``)
    is honoured only for the role that ran the migration, i.e. the schema owner (``TO CURRENT_USER``): the
    command line connected as the owner, and the statistics functions (SECURITY DEFINER, owned by it). The app
    role can set the setting but it changes nothing for it, so there is no switch in the app's hands.
    """
    mine = "tenant_id = current_setting('app.tenant_id', true)"
    across = "current_setting('app.cross_tenant', true) = 'on'"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({mine}) WITH CHECK ({mine})",
        f"DROP POLICY IF EXISTS owner_cross_tenant ON {table}",
        f"CREATE POLICY owner_cross_tenant ON {table} TO CURRENT_USER USING ({across}) WITH CHECK ({across})",
    ]
