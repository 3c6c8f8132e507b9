"""``flask db create-app-role``: the application's PostgreSQL role with exactly the README's grants —
not owner, not superuser, no BYPASSRLS; SELECT/INSERT/UPDATE/DELETE on the tables, but only SELECT and
INSERT on the append-only audit trail and case history."""
import pytest
from sqlalchemy import create_engine, text

ROLE = "ipservice_app_sec_test"


def test_refused_on_sqlite(app, is_postgres):
    if is_postgres:
        pytest.skip("the SQLite answer")
    r = app.test_cli_runner().invoke(args=["db", "create-app-role", ROLE])
    assert r.exit_code != 0 and "PostgreSQL" in r.output


@pytest.fixture
def pg(app, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only (roles)")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    yield engine
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}):
            conn.execute(text(f"DROP OWNED BY {ROLE}"))
            conn.execute(text(f"DROP ROLE {ROLE}"))
    engine.dispose()


def test_creates_the_role_with_exactly_the_grants(app, pg):
    runner = app.test_cli_runner()
    for _ in range(2):  # idempotent: a second run (after an upgrade) gives the same result
        r = runner.invoke(args=["db", "create-app-role", ROLE, "--password", "s3cret-'quoted"])
        assert r.exit_code == 0, r.output
    with pg.connect() as conn:
        attrs = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin "
                                  "FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).one()
        assert tuple(attrs) == (False, False, False, False, True)
        assert conn.scalar(text("SELECT has_schema_privilege(:r, 'public', 'USAGE')"), {"r": ROLE})
        assert not conn.scalar(text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": ROLE})
        tables = list(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
        assert {"audit_events", "case_transitions", "cases", "users", "rate_limits"} <= set(tables)
        for table in tables:
            def can(privilege):
                return conn.scalar(text("SELECT has_table_privilege(:r, :t, :p)"),
                                   {"r": ROLE, "t": f"public.{table}", "p": privilege})
            if table == "alembic_version":
                assert not can("SELECT") and not can("UPDATE")
            elif table in ("audit_events", "case_transitions"):
                assert (can("SELECT"), can("INSERT"), can("UPDATE"), can("DELETE"), can("TRUNCATE")) == \
                    (True, True, False, False, False), table
            else:
                assert (can("SELECT"), can("INSERT"), can("UPDATE"), can("DELETE"), can("TRUNCATE")) == \
                    (True, True, True, True, False), table
    # and the database says no, not just the catalog
    plain = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM case_transitions"):
            with plain.connect() as conn:
                conn.execute(text(f"SET LOCAL ROLE {ROLE}"))
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text(statement))
                conn.rollback()
    finally:
        plain.dispose()
    with pg.connect() as conn:
        # the password was set (and quoted): the role can sign in with it
        url = pg.url.set(username=ROLE, password="s3cret-'quoted", host="127.0.0.1")
        login = create_engine(url)
        try:
            with login.connect() as c:
                assert c.scalar(text("SELECT current_user")) == ROLE
        except Exception as exc:  # pg_hba may not allow password logins for new roles here
            if "password authentication" in str(exc) or "no pg_hba.conf entry" in str(exc):
                pytest.skip(f"pg_hba does not allow this login: {exc}")
            raise
        finally:
            login.dispose()
