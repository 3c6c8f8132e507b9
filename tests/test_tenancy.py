"""Isolation between districts: ORM auto-filter, flush guard, fail-closed, RLS, Citus readiness."""
import pytest
from sqlalchemy import ForeignKeyConstraint, select, text
from sqlalchemy.exc import DBAPIError

from ipservice.accounts.models import Enterprise
from ipservice.core.tenancy import (
    TenantContextError, TenantIsolationError, TenantScoped, cross_tenant, tenant_context,
)
from ipservice.extensions import db
from tests.conftest import register_enterprise

# Global tables: not owned by a tenant (users log in once for the whole service).
# notifications belong to their recipient (a user, global; a cross_admin has no tenant), not to a tenant
GLOBAL_TABLES = {"users", "api_tokens", "account_links", "alembic_version", "rate_limits", "notifications",
                 "notification_settings"}


@pytest.fixture
def two_tenants(client):
    register_enterprise(client, "xian", name="西安甲公司")
    register_enterprise(client, "hebi", name="鹤壁乙公司")


def test_unfiltered_orm_query_returns_only_current_tenant(app, two_tenants):
    with app.app_context():
        with tenant_context("xian"):
            names = db.session.scalars(select(Enterprise.name)).all()
            assert names == ["西安甲公司"]
            # joins, counts and get() are filtered too
            assert db.session.query(Enterprise).count() == 1
        with tenant_context("hebi"):
            assert [e.name for e in db.session.query(Enterprise)] == ["鹤壁乙公司"]


def test_get_by_primary_key_of_another_tenant_finds_nothing(app, two_tenants):
    with app.app_context():
        with cross_tenant("test: find the hebi row"):
            hebi = db.session.scalars(select(Enterprise).where(Enterprise.tenant_id == "hebi")).one()
            key = (hebi.tenant_id, hebi.id)
        db.session.expunge_all()
        with tenant_context("xian"):
            assert db.session.scalars(select(Enterprise).where(Enterprise.id == key[1])).first() is None


def test_query_without_tenant_fails_closed(app, two_tenants):
    with app.app_context():
        with pytest.raises(TenantContextError):
            db.session.scalars(select(Enterprise)).all()
        db.session.rollback()
        with cross_tenant("test: statistics-style read"):
            assert db.session.query(Enterprise).count() == 2


def test_flush_of_another_tenants_row_is_refused(app, two_tenants):
    with app.app_context(), tenant_context("xian"):
        e = Enterprise(tenant_id="hebi", name="x", uscc="x", contact_name="x", contact_phone="1",
                       user_id="nobody")
        db.session.add(e)
        with pytest.raises(TenantIsolationError):
            db.session.flush()
        db.session.rollback()


def test_new_row_takes_the_current_tenant(app, client):
    info = register_enterprise(client, "guangzhou")
    with app.app_context(), tenant_context("guangzhou"):
        assert db.session.get(Enterprise, ("guangzhou", info["id"])) is not None


@pytest.mark.postgres
def test_row_level_security_filters_raw_sql(app, two_tenants, is_postgres):
    if not is_postgres:
        pytest.skip("row-level security is PostgreSQL's; set IPSERVICE_TEST_DATABASE_URL")
    with app.app_context():
        with tenant_context("xian"):
            role = db.session.execute(text("SELECT current_user")).scalar()
            assert role == "ipservice_app"
            rows = db.session.execute(text("SELECT name FROM enterprises")).scalars().all()
            assert rows == ["西安甲公司"]
        db.session.commit()
        with tenant_context("hebi"):
            rows = db.session.execute(text("SELECT name FROM enterprises")).scalars().all()
            assert rows == ["鹤壁乙公司"]
            # a row that is valid in every other respect (a real user, a fresh USCC): only the policy refuses
            # it
            user_id = db.session.execute(text("SELECT id FROM users ORDER BY email LIMIT 1")).scalar()
            with pytest.raises(DBAPIError, match="row-level security policy"):
                db.session.execute(text(
                    "INSERT INTO enterprises (tenant_id, id, name, uscc, contact_name, contact_phone, "
                    "user_id,"
                    " created_at) VALUES ('xian', 'x1', 'n', '91610131MA6U0A0X4M', 'c', 'p', :user, now())"),
                    {"user": user_id})
        db.session.rollback()


@pytest.mark.postgres
def test_every_tenant_table_has_forced_rls(app, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only")
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )).all()
        policies = {r[0] for r in conn.execute(text("SELECT tablename FROM pg_policies"))}
        app_role = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'ipservice_app'")).one()
    tenant_tables = {r[0] for r in rows if r[0] not in GLOBAL_TABLES}
    assert tenant_tables, "no tenant tables found"
    for name, rls, forced in rows:
        if name in GLOBAL_TABLES:
            continue
        assert rls and forced, f"{name}: row-level security not enabled and forced"
        assert name in policies, f"{name}: no policy"
    assert app_role == (False, False)


def test_schema_is_ready_for_citus_distribution(app):
    """tenant_id is in every tenant table's primary key and in every foreign key between them."""
    tables = db.metadata.tables
    problems = []
    for name, table in tables.items():
        if name in GLOBAL_TABLES:
            assert "tenant_id" not in table.c or not table.c.tenant_id.primary_key
            continue
        if "tenant_id" not in table.c:
            problems.append(f"{name}: no tenant_id (add it, or list the table as global)")
            continue
        pk = [c.name for c in table.primary_key.columns]
        if pk[0] != "tenant_id":
            problems.append(f"{name}: primary key {pk} does not lead with tenant_id")
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if target in GLOBAL_TABLES:
                continue
            cols = [c.name for c in fk.columns]
            refs = [e.column.name for e in fk.elements]
            if "tenant_id" not in cols or refs[cols.index("tenant_id")] != "tenant_id":
                problems.append(f"{name}: foreign key {cols} -> {target} lacks tenant_id")
        for col in table.primary_key.columns:
            if col.autoincrement is True:
                problems.append(f"{name}.{col.name}: database-generated id")
    assert not problems, "\n".join(problems)


def test_every_tenant_model_uses_the_mixin(app):
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if "tenant_id" in table.c and table.name not in GLOBAL_TABLES:
            assert issubclass(mapper.class_, TenantScoped), mapper.class_


def test_citus_check_catches_a_bad_foreign_key():
    """The readiness check itself can fail: a FK without tenant_id between tenant tables."""
    from sqlalchemy import Column, MetaData, String, Table

    md = MetaData()
    Table("a", md, Column("tenant_id", String, primary_key=True), Column("id", String, primary_key=True))
    b = Table("b", md, Column("tenant_id", String, primary_key=True), Column("id", String, primary_key=True),
              Column("a_id", String))
    b.append_constraint(ForeignKeyConstraint(["a_id"], ["a.id"]))
    fk = next(iter(b.foreign_key_constraints))
    assert "tenant_id" not in [c.name for c in fk.columns]
