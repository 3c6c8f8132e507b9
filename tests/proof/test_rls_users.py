"""Issue 18: on PostgreSQL ``users`` and ``api_tokens`` had no row-level security, so the app role read every
tenant's accounts and password hashes. Now the app role sees a tenant's accounts (and the signed-in user's
own), and the look-ups that must cross tenants (login by e-mail, a token) go through SECURITY DEFINER
functions that return one row's needed columns. Login, token authentication, registration and the
cross-district administrator keep working (here and in the whole PostgreSQL suite)."""
import hashlib

import pytest
from sqlalchemy import text

from ipservice.core.tenancy import tenant_context
from ipservice.extensions import db
from tests.conftest import (
    APP_ROLE,
    bearer,
    create_user,
    make_uscc,
    page_login,
    register_enterprise,
    token_for,
)


@pytest.fixture
def accounts(app, client):
    """An enterprise in each of two tenants, a bureau user of hebi and a cross-district administrator."""
    xian, hebi = register_enterprise(client, "xian"), register_enterprise(client, "hebi")
    create_user(app, "bureau.rls@hebi.gov.cn", "bureau", "hebi")
    create_user(app, "province.rls@example.gov.cn", "cross_admin", None)
    return {"xian": xian, "hebi": hebi, "admin": token_for(client, "province.rls@example.gov.cn"),
            "bureau": token_for(client, "bureau.rls@hebi.gov.cn")}


def test_the_app_role_with_a_tenant_set_sees_that_tenants_accounts_only(app, postgres, accounts):
    with app.app_context(), tenant_context("xian"):
        assert db.session.execute(text("SELECT current_user")).scalar() == APP_ROLE
        rows = db.session.execute(text("SELECT email, tenant_id, password_hash FROM users")).all()
        assert {r.email for r in rows} == {accounts["xian"]["email"]}
        assert {r.tenant_id for r in rows} == {"xian"}
        # no other tenant's hash, no administrator's, however asked
        for where in ("tenant_id = 'hebi'", "tenant_id IS NULL", "true"):
            other = db.session.execute(text(f"SELECT count(*) FROM users WHERE {where} AND tenant_id IS "
                                            "DISTINCT FROM 'xian'")).scalar()
            assert other == 0, where
        tokens = db.session.execute(text("SELECT DISTINCT u.tenant_id FROM api_tokens t "
                                         "JOIN users u ON u.id = t.user_id")).scalars().all()
        assert tokens == ["xian"]
        assert db.session.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        # and nothing of another tenant can be changed
        assert db.session.execute(text("UPDATE users SET display_name = 'x' WHERE tenant_id <> 'xian' "
                                       "OR tenant_id IS NULL")).rowcount == 0
        assert db.session.execute(text("DELETE FROM api_tokens WHERE user_id NOT IN "
                                       "(SELECT id FROM users)")).rowcount == 0
        db.session.rollback()


def test_without_a_tenant_or_a_user_the_app_role_sees_no_account(app, postgres, accounts):
    with app.app_context(), tenant_context(""):
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0
        db.session.rollback()


def test_the_look_up_functions_answer_one_row_with_the_needed_columns(app, postgres, accounts):
    with app.app_context(), tenant_context("xian"):
        found = db.session.execute(text("SELECT * FROM ipservice_auth_lookup_login(:e)"),
                                   {"e": accounts["hebi"]["email"]}).mappings().all()
        assert len(found) == 1 and set(found[0]) == {"user_id", "tenant_id", "password_hash", "active"}
        digest = hashlib.sha256(accounts["hebi"]["token"].encode()).hexdigest()
        row = db.session.execute(text("SELECT * FROM ipservice_auth_lookup_token(:d)"),
                                 {"d": digest}).mappings().one()
        assert "password_hash" not in row and row["tenant_id"] == "hebi"
        assert db.session.execute(text("SELECT * FROM ipservice_auth_lookup_token('nope')")).all() == []
        # the setting it leaves for the transaction: the caller's own account, not the switch for all
        assert db.session.execute(text("SELECT current_setting('app.cross_tenant', true)")).scalar() == "off"
        db.session.rollback()


def test_login_tokens_registration_and_the_cross_district_administrator_still_work(app, client,
                                                                                   accounts):
    assert client.get("/t/hebi/api/v1/my", headers=bearer(accounts["hebi"]["token"])).status_code == 200
    assert client.get("/api/v1/auth/tokens", headers=bearer(accounts["admin"])).status_code == 200
    assert client.get("/api/v1/stats", headers=bearer(accounts["admin"])).status_code == 200
    assert client.get("/t/hebi/api/v1/custody-enrollments",
                      headers=bearer(accounts["bureau"])).status_code == 200
    assert page_login(client, "province.rls@example.gov.cn").status_code == 302
    assert client.get("/stats").status_code == 200
    assert page_login(client, accounts["hebi"]["email"]).status_code == 302
    assert client.get("/t/hebi/my").status_code == 200
    # registration still knows another tenant's e-mail (one neutral 409), and a new one registers
    body = {"name": "又一家公司", "uscc": make_uscc(), "email": accounts["xian"]["email"],
            "password": "Qing-He-Bridge-1987", "contact_name": "王五", "contact_phone": "029-88886666"}
    assert client.post("/t/hebi/api/v1/register", json=body).status_code == 409
    assert client.post("/t/hebi/api/v1/register",
                       json={**body, "email": "new.rls@hebi.example.cn"}).status_code == 201
    assert token_for(client, "new.rls@hebi.example.cn", "Qing-He-Bridge-1987")
