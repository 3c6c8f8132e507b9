"""The audit trail is append-only and the row-level-security wall has no switch the app role holds
(issue 13, finding 3). PostgreSQL only where roles, triggers and RLS are PostgreSQL's; statistics (which now
read through SECURITY DEFINER functions there) are checked on both databases by tests/stats."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ipservice.core.tenancy import tenant_context
from ipservice.extensions import db
from tests.cases.conftest import bring_to, file_case
from tests.conftest import APP_ROLE

APPEND_ONLY = ("audit_events", "case_transitions")


@pytest.fixture
def two_tenants_with_history(enterprise, bureau):
    e, b = enterprise("hebi", name="鹤壁乙公司"), bureau("hebi")
    bring_to("accepted", e, b, "hebi")
    enterprise("xian", name="西安甲公司")


def test_the_app_role_cannot_switch_the_wall_off(app, postgres, two_tenants_with_history):
    with app.app_context(), tenant_context("xian"):
        assert db.session.execute(text("SELECT current_user")).scalar() == APP_ROLE
        db.session.execute(text("SELECT set_config('app.cross_tenant', 'on', true)"))
        for table in ("enterprises", "cases", "audit_events", "case_transitions"):
            hebi = db.session.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = 'hebi'")).scalar()
            assert hebi == 0, table
        changed = db.session.execute(text("UPDATE enterprises SET name = 'x' WHERE tenant_id = 'hebi'"))
        assert changed.rowcount == 0
        assert db.session.execute(text("DELETE FROM cases WHERE tenant_id = 'hebi'")).rowcount == 0
        db.session.rollback()
    with app.app_context(), tenant_context("hebi"):
        assert db.session.execute(text("SELECT name FROM enterprises")).scalars().all() == ["鹤壁乙公司"]


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET tenant_id = tenant_id", "DELETE FROM {t}"])
def test_the_app_role_cannot_change_the_audit_trail(app, postgres, two_tenants_with_history, table,
                                                    statement):
    with app.app_context(), tenant_context("hebi"):
        assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0
        with pytest.raises(DBAPIError, match="permission denied"):
            db.session.execute(text(statement.format(t=table)))
        db.session.rollback()


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_not_even_the_owner_changes_the_audit_trail(app, postgres, two_tenants_with_history, table):
    with app.app_context(), db.engine.connect() as conn:  # the migrations' role, not the app role
        for statement in (f"UPDATE {table} SET tenant_id = tenant_id", f"DELETE FROM {table}"):
            # the owner's own cross-tenant policy, so that the rows are there to refuse
            # (a superuser sees them)
            conn.execute(text("SELECT set_config('app.cross_tenant', 'on', true)"))
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def test_the_app_role_has_insert_and_select_only_on_the_audit_trail(app, postgres):
    with app.app_context(), db.engine.connect() as conn:
        for table in APPEND_ONLY:
            rights = {p: conn.execute(text("SELECT has_table_privilege(:r, :t, :p)"),
                                      {"r": APP_ROLE, "t": table, "p": p}).scalar()
                      for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")}
            assert rights == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                              "TRUNCATE": False}, table


def test_statistics_functions_return_aggregates_to_the_app_role(app, postgres, enterprise):
    e = enterprise("hebi")
    file_case(e, "hebi")
    with app.app_context(), tenant_context("xian"):  # any tenant: the functions read across on their own
        rows = db.session.execute(text("SELECT * FROM ipservice_status_counts('cases')")).all()
        assert [tuple(r) for r in rows] == [("hebi", "submitted", 1)]
        with pytest.raises(DBAPIError, match="not a filing table"):
            db.session.execute(text("SELECT * FROM ipservice_status_counts('users')")).all()
        db.session.rollback()
