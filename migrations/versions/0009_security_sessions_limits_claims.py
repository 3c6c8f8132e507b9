"""security: session generation of users, rate-limit counters, organization verification and claims (issue 13)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types  # noqa: F401 — custom column types
from ipservice.core.tenancy import rls_statements

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TENANT_TABLES = ("organization_claims",)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    # Flask-Limiter's counters when no Redis is configured (ipservice.core.ratelimit): shared by workers.
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limits_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by', sa.String(length=36), nullable=True))
    op.create_table('organization_claims',
    sa.Column('enterprise_id', sa.String(length=36), nullable=False),
    sa.Column('claimant_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['claimant_id'], ['users.id'], name=op.f('fk_organization_claims_claimant_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'enterprise_id'], ['enterprises.tenant_id', 'enterprises.id'],
                            name=op.f('fk_organization_claims_tenant_id_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_organization_claims'))
    )
    with op.batch_alter_table('organization_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_claims_claimant_id'), ['claimant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_claims_enterprise_id'), ['enterprise_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    op.drop_table('organization_claims')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
        batch_op.drop_column('verified_at')
    op.drop_table('rate_limits')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
