"""recovery: e-mail verification of accounts, single-use account links (password reset, verification), the
claim code's mail (issue 21 item 5)

Revision ID: 0021_recovery
Revises: 0021_pageimport

- ``users.email_verified_at``: when the owner proved the address (a verification or reset link used, a claim
  completed with the mailed code). Existing accounts are marked verified at their creation time: they were
  made by an administrator (``users create``, the demo) or registered before verification existed and have
  been mailed their notifications since; leaving them unverified would stop every e-mail of every existing
  user the day of the upgrade, with nothing telling them why. Import placeholders (reserved domains, no
  usable password) stay unverified: nothing can be delivered there.
- ``account_links``: a link's SHA-256 only, its purpose, until when, and ``used_at`` (set once by a
  conditional UPDATE: the database holds single use). PostgreSQL: row-level security like ``api_tokens``; the
  link is used before any user is known, through the SECURITY DEFINER ``ipservice_auth_use_link``, which
  spends it and returns its account (and makes that account visible for the rest of the transaction);
  ``ipservice_auth_link_usable`` says whether a link may still be used (the page's form), nothing more.
- ``ipservice_auth_lookup_token`` returns the account's columns: re-created with ``email_verified_at``.
- ``organization_claims.language`` (the claimant's language, for the code's mail) and ``code_mailed_at``.
"""
from alembic import op
import sqlalchemy as sa

from ipservice.core.types import UTCDateTime

revision = '0021_recovery'
down_revision = '0021_pageimport'  # chained after the parallel branches' migrations
branch_labels = None
depends_on = None

_MINE = "current_setting('app.tenant_id', true)"
_ME = "current_setting('app.user_id', true)"
_ACROSS_ON = "current_setting('app.cross_tenant', true) = 'on'"
VISIBLE = f"user_id = {_ME} OR user_id IN (SELECT u.id FROM users u WHERE u.tenant_id = {_MINE})"
_DEFINER = "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp"
_ACROSS = "DECLARE before text := current_setting('app.cross_tenant', true);"
_ON = "PERFORM set_config('app.cross_tenant', 'on', true);"
_RESTORE = "PERFORM set_config('app.cross_tenant', coalesce(before, 'off'), true);"

USE_LINK = f"""
CREATE OR REPLACE FUNCTION ipservice_auth_use_link(link_sha256 text, link_purpose text, at_time timestamptz)
RETURNS TABLE (user_id text) {_DEFINER} AS $$
{_ACROSS}
    found text;
BEGIN
    {_ON}
    UPDATE account_links l SET used_at = at_time
     WHERE l.token_hash = link_sha256 AND l.purpose = link_purpose
       AND l.used_at IS NULL AND l.expires_at > at_time
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id AND u.active)
    RETURNING l.user_id::text INTO found;
    {_RESTORE}
    IF found IS NOT NULL THEN
        PERFORM set_config('app.user_id', found, true);
        RETURN QUERY SELECT found;
    END IF;
END $$"""

# whether a link may still be used (the page shows its form, or says at once that the link is spent)
LINK_USABLE = f"""
CREATE OR REPLACE FUNCTION ipservice_auth_link_usable(link_sha256 text, link_purpose text,
                                                      at_time timestamptz)
RETURNS boolean {_DEFINER} AS $$
{_ACROSS}
    found boolean;
BEGIN
    {_ON}
    SELECT EXISTS (SELECT 1 FROM account_links l WHERE l.token_hash = link_sha256 AND l.purpose = link_purpose
                   AND l.used_at IS NULL AND l.expires_at > at_time) INTO found;
    {_RESTORE}
    RETURN found;
END $$"""
FUNCTIONS = {"ipservice_auth_use_link(text, text, timestamptz)": USE_LINK,
             "ipservice_auth_link_usable(text, text, timestamptz)": LINK_USABLE}


def _lookup_token(extra: bool) -> str:
    col, sel, ret = ((", email_verified_at timestamptz", ", u.email_verified_at AS email_verified_at",
                      ", account.email_verified_at") if extra else ("", "", ""))
    return f"""
CREATE FUNCTION ipservice_auth_lookup_token(token_sha256 text)
RETURNS TABLE (id text, email text, role text, tenant_id text, display_name text, active boolean,
               created_at timestamptz, session_generation integer{col}, token_id text) {_DEFINER} AS $$
{_ACROSS}
    account record;
BEGIN
    {_ON}
    SELECT u.id::text AS user_id, u.email::text AS email, u.role::text AS role,
           u.tenant_id::text AS tenant_id, u.display_name::text AS display_name, u.active AS active,
           u.created_at AS created_at, u.session_generation AS session_generation{sel},
           t.id::text AS token_id INTO account
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = token_sha256 AND t.expires_at > now() AND u.active;
    {_RESTORE}
    IF account.user_id IS NOT NULL THEN
        PERFORM set_config('app.user_id', account.user_id, true);
        RETURN QUERY SELECT account.user_id, account.email, account.role, account.tenant_id,
                            account.display_name, account.active, account.created_at,
                            account.session_generation{ret}, account.token_id;
    END IF;
END $$"""


def _replace_lookup_token(extra: bool) -> None:
    op.execute("DROP FUNCTION IF EXISTS ipservice_auth_lookup_token(text)")  # its result type changes
    op.execute(_lookup_token(extra))
    op.execute("REVOKE ALL ON FUNCTION ipservice_auth_lookup_token(text) FROM PUBLIC")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', UTCDateTime(timezone=True), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("SET LOCAL app.cross_tenant = 'on'")  # the owner's policy: every account
    op.execute("UPDATE users SET email_verified_at = created_at WHERE password_hash <> '!unusable'")
    op.create_table(
        'account_links',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', UTCDateTime(timezone=True)),
    )
    op.create_index('ix_account_links_user', 'account_links', ['user_id', 'purpose'])
    with op.batch_alter_table('organization_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(8), nullable=True))
        batch_op.add_column(sa.Column('code_mailed_at', UTCDateTime(timezone=True), nullable=True))
    if not postgres:
        return
    op.execute("ALTER TABLE account_links ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE account_links FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY account_visibility ON account_links USING ({VISIBLE}) WITH CHECK ({VISIBLE})")
    op.execute(f"CREATE POLICY owner_cross_tenant ON account_links TO CURRENT_USER "
               f"USING ({_ACROSS_ON}) WITH CHECK ({_ACROSS_ON})")
    for signature, body in FUNCTIONS.items():
        op.execute(body)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    _replace_lookup_token(True)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        _replace_lookup_token(False)
    # ALTER TABLE … DROP COLUMN, not a batch copy: SQLite (3.35+) drops a plain column in place, where copying
    # users or organization_claims would break the foreign keys that point at them
    for table, column in (("organization_claims", "code_mailed_at"), ("organization_claims", "language"),
                          ("users", "email_verified_at")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_index('ix_account_links_user', 'account_links')
    op.drop_table('account_links')
