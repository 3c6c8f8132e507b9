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
            def can(privilege, table=table):
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


LOGIN_ROLE = "ipservice_app_accounts_login"  # its own name: roles are cluster-wide, other suites run too


@pytest.fixture
def login_role(app, pg, client):
    """The production setup: a LOGIN app role made by ``create-app-role --password``, and an engine that
    connects as it (skipped where pg_hba allows no password login)."""
    from tests.conftest import register_enterprise

    register_enterprise(client, "xian")
    register_enterprise(client, "hebi")
    r = app.test_cli_runner().invoke(args=["db", "create-app-role", LOGIN_ROLE, "--password",
                                           "login-pw-2026"])
    assert r.exit_code == 0, r.output
    engine = create_engine(pg.url.set(username=LOGIN_ROLE, password="login-pw-2026", host="127.0.0.1"))
    try:
        with engine.connect() as conn:
            conn.scalar(text("SELECT 1"))
    except Exception as exc:
        if "password authentication" in str(exc) or "no pg_hba.conf entry" in str(exc):
            pytest.skip(f"pg_hba does not allow this login: {exc}")
        raise
    yield engine
    engine.dispose()
    with pg.connect() as conn:
        conn.execute(text(f"DROP OWNED BY {LOGIN_ROLE}"))
        conn.execute(text(f"DROP ROLE {LOGIN_ROLE}"))


def test_logged_in_as_the_app_role_reset_role_reaches_nothing_privileged(login_role, pg):
    """Issue 18: with the owner's URL and SET LOCAL ROLE, a RESET ROLE returned to the owner. Logged in as the
    app role (the documented production setup) there is nothing to return to."""
    owner = pg.url.username
    with login_role.connect() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', 'xian', true)"))
        conn.execute(text("RESET ROLE"))
        assert conn.scalar(text("SELECT current_user")) == LOGIN_ROLE
        assert conn.scalar(text("SELECT session_user")) == LOGIN_ROLE
        assert tuple(conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = "
                                       "current_user"))
                     .one()) == (False, False)
        assert conn.scalar(text("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
                                "WHERE r.rolname = current_user")) == 0
        # the switch for all districts is the owner's alone: still one tenant's accounts and filings
        conn.execute(text("SELECT set_config('app.cross_tenant', 'on', true)"))
        assert set(conn.scalars(text("SELECT tenant_id FROM users"))) == {"xian"}
        assert set(conn.scalars(text("SELECT tenant_id FROM enterprises"))) == {"xian"}
        conn.rollback()
        for role in (owner, "postgres", "pg_read_all_data"):
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text(f'SET ROLE "{role}"'))
            conn.rollback()


def test_the_owner_url_with_set_local_role_is_for_trusted_operators_only(app, pg):
    """Why the docs prefer the login above: on the operators' path a RESET ROLE returns to the owner."""
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from tests.conftest import APP_ROLE

    with app.app_context(), tenant_context("xian"):
        assert db.session.execute(text("SELECT current_user")).scalar() == APP_ROLE
        db.session.execute(text("RESET ROLE"))
        assert db.session.execute(text("SELECT current_user")).scalar() == pg.url.username
        db.session.rollback()


def test_re_running_create_app_role_without_a_password_keeps_the_login(app, login_role, pg):
    """The README re-runs the command after every upgrade; the workers' login must survive it."""
    r = app.test_cli_runner().invoke(args=["db", "create-app-role", LOGIN_ROLE])
    assert r.exit_code == 0, r.output
    with pg.connect() as conn:
        assert conn.scalar(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": LOGIN_ROLE})
    with login_role.connect() as conn:
        assert conn.scalar(text("SELECT current_user")) == LOGIN_ROLE
