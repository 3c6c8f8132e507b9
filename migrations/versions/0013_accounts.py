"""accounts: the page session that issued an API token; row-level security on users and api_tokens (issue 18)

Revision ID: 0013_accounts
Revises: 0012

PostgreSQL only for the second part (SQLite has no roles or row-level security):
- ``users``: the app role sees the accounts of the transaction's tenant (``app.tenant_id``) and the signed-in
  user's own (``app.user_id``: a cross-district administrator has no tenant, global routes set none);
  ``api_tokens``: the tokens of those accounts. ``app.cross_tenant`` is honoured for the schema owner only
  (the command line), as for the tenant tables (``core.tenancy.rls_statements``).
- Login by e-mail and token authentication come before any tenant or user is known: two SECURITY DEFINER
  functions owned by the owner answer them, each for one row and only the columns it needs
  (``ipservice_auth_lookup_login``: id, tenant, password hash, active; ``ipservice_auth_lookup_token``: the
  account's columns but the password hash, and the token id; it sets ``app.user_id`` for the rest of the
  transaction). EXECUTE goes to the app role with
  ``flask db create-app-role`` (core.dbroles), not to PUBLIC.
"""
from alembic import op
import sqlalchemy as sa

revision = '0013_accounts'
down_revision = '0013_claims'  # chained after the parallel branches' migrations
branch_labels = None
depends_on = None

_MINE = "current_setting('app.tenant_id', true)"
_ME = "current_setting('app.user_id', true)"
_ACROSS_ON = "current_setting('app.cross_tenant', true) = 'on'"
VISIBLE = {
    "users": f"tenant_id = {_MINE} OR id = {_ME}",
    # the subquery is itself under the users policy: the tokens of the accounts the caller may see
    "api_tokens": f"user_id = {_ME} OR user_id IN (SELECT u.id FROM users u WHERE u.tenant_id = {_MINE})",
}

_DEFINER = "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp"
# app.cross_tenant on for the function's own query (the owner's policy honours it), the caller's value back after
_ACROSS = "DECLARE before text := current_setting('app.cross_tenant', true);"
_ON = "PERFORM set_config('app.cross_tenant', 'on', true);"
_RESTORE = "PERFORM set_config('app.cross_tenant', coalesce(before, 'off'), true);"

FUNCTIONS = {
    "ipservice_auth_lookup_login(text)": f"""
CREATE OR REPLACE FUNCTION ipservice_auth_lookup_login(login_email text)
RETURNS TABLE (user_id text, tenant_id text, password_hash text, active boolean) {_DEFINER} AS $$
{_ACROSS}
BEGIN
    {_ON}
    RETURN QUERY SELECT u.id::text, u.tenant_id::text, u.password_hash::text, u.active
                 FROM users u WHERE u.email = login_email;
    {_RESTORE}
END $$""",
    # every column of the account but the password hash, and the token's id
    "ipservice_auth_lookup_token(text)": f"""
CREATE OR REPLACE FUNCTION ipservice_auth_lookup_token(token_sha256 text)
RETURNS TABLE (id text, email text, role text, tenant_id text, display_name text, active boolean,
               created_at timestamptz, session_generation integer, token_id text) {_DEFINER} AS $$
{_ACROSS}
    account record;
BEGIN
    {_ON}
    SELECT u.id::text AS user_id, u.email::text AS email, u.role::text AS role, u.tenant_id::text AS tenant_id,
           u.display_name::text AS display_name, u.active AS active, u.created_at AS created_at,
           u.session_generation AS session_generation, t.id::text AS token_id INTO account
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = token_sha256 AND t.expires_at > now() AND u.active;
    {_RESTORE}
    IF account.user_id IS NOT NULL THEN
        PERFORM set_config('app.user_id', account.user_id, true);
        RETURN QUERY SELECT account.user_id, account.email, account.role, account.tenant_id, account.display_name,
                            account.active, account.created_at, account.session_generation, account.token_id;
    END IF;
END $$""",
}


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, visible in VISIBLE.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY account_visibility ON {table} USING ({visible}) WITH CHECK ({visible})")
        op.execute(f"CREATE POLICY owner_cross_tenant ON {table} TO CURRENT_USER "
                   f"USING ({_ACROSS_ON}) WITH CHECK ({_ACROSS_ON})")
    for signature, body in FUNCTIONS.items():
        op.execute(body)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        for table in VISIBLE:
            op.execute(f"DROP POLICY IF EXISTS owner_cross_tenant ON {table}")
            op.execute(f"DROP POLICY IF EXISTS account_visibility ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('session_id')
