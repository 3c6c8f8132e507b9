"""claims without e-mail squatting (issue 18): the claimant's details on the claim, an account only when bound

Revision ID: 0013_claims
Revises: 0012

- ``organization_claims`` gets the claimant's ``email`` and ``password_hash``, the approval's single-use
  ``code_hash`` / ``code_expires_at`` and ``completed_at``; ``claimant_id`` (the account, made when the
  claimant completes) and ``enterprise_id`` (none when no organization had the USCC) become nullable.
- Data: every claim takes the e-mail and password hash of the inactive account made for it. An approved
  claim was bound already (``completed_at`` = its decision). A pending or rejected claim gives its inactive
  account up — the address is free again; the pending claim goes on under the new model (approval → code →
  completion). Accounts that own an organization, hold another claim's binding or are active are kept.
- PostgreSQL: ``ipservice_claims_of_email(text)``, a SECURITY DEFINER function (owned by the schema owner,
  EXECUTE granted to the app role by ``create-app-role``) returning the unbound claims of one e-mail across
  tenants, for the login to tell a claimant the claim's state (the login has no tenant).
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types

revision = '0013_claims'
down_revision = '0013_subsidy_money'  # chained after the parallel branch's migration
branch_labels = None
depends_on = None

_DEFINER = "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp"
FUNCTION = "ipservice_claims_of_email(text)"
FUNCTION_BODY = f"""
CREATE OR REPLACE FUNCTION ipservice_claims_of_email(claimant_email text)
RETURNS TABLE (tenant_id text, id text, status text, password_hash text, reason text,
               code_expires_at timestamptz, created_at timestamptz) {_DEFINER} AS $$
DECLARE before text := current_setting('app.cross_tenant', true);
BEGIN
    PERFORM set_config('app.cross_tenant', 'on', true);
    RETURN QUERY SELECT c.tenant_id::text, c.id::text, c.status::text, c.password_hash::text, c.reason::text,
                        c.code_expires_at, c.created_at
                 FROM organization_claims c
                 WHERE c.email = claimant_email AND c.completed_at IS NULL
                 ORDER BY c.created_at DESC LIMIT 5;
    PERFORM set_config('app.cross_tenant', coalesce(before, 'off'), true);
END $$"""


def _across(on: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"SELECT set_config('app.cross_tenant', '{'on' if on else 'off'}', true)"))


def upgrade():
    with op.batch_alter_table('organization_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('code_expires_at', ipservice.core.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('completed_at', ipservice.core.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column('claimant_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column('enterprise_id', existing_type=sa.String(length=36), nullable=True)
    _across(True)
    op.execute("UPDATE organization_claims SET "
               "email = (SELECT u.email FROM users u WHERE u.id = organization_claims.claimant_id), "
               "password_hash = (SELECT u.password_hash FROM users u WHERE u.id = organization_claims.claimant_id)")
    op.execute("UPDATE organization_claims SET completed_at = decided_at WHERE status = 'approved'")
    op.execute("CREATE TEMPORARY TABLE freed_claimants AS SELECT claimant_id AS id FROM organization_claims "
               "WHERE status <> 'approved'")
    op.execute("UPDATE organization_claims SET claimant_id = NULL WHERE status <> 'approved'")
    op.execute("DELETE FROM api_tokens WHERE user_id IN (SELECT f.id FROM freed_claimants f JOIN users u ON "
               "u.id = f.id WHERE NOT u.active)")
    op.execute("DELETE FROM users WHERE id IN (SELECT id FROM freed_claimants) AND NOT active "
               "AND id NOT IN (SELECT user_id FROM enterprises) "
               "AND id NOT IN (SELECT claimant_id FROM organization_claims WHERE claimant_id IS NOT NULL)")
    op.execute("DROP TABLE freed_claimants")
    _across(False)
    with op.batch_alter_table('organization_claims', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_index(batch_op.f('ix_organization_claims_email'), ['email'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_organization_claims_code_hash'), ['code_hash'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION_BODY)
        op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    # an unbound claim had an inactive account in the old model: it cannot be made back (the address may
    # have been registered since), so unbound claims go
    _across(True)
    op.execute("DELETE FROM organization_claims WHERE claimant_id IS NULL")
    _across(False)
    with op.batch_alter_table('organization_claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organization_claims_code_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_organization_claims_email'))
        batch_op.alter_column('enterprise_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('claimant_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column('completed_at')
        batch_op.drop_column('code_expires_at')
        batch_op.drop_column('code_hash')
        batch_op.drop_column('password_hash')
        batch_op.drop_column('email')
