"""custody

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types  # noqa: F401 — custom column types
from ipservice.core.tenancy import rls_statements

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TENANT_TABLES = ("custody_agencies", "custody_enrollments")


def upgrade():
    op.create_table('custody_agencies',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('created_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_custody_agencies')),
    sa.UniqueConstraint('tenant_id', 'uscc', name=op.f('uq_custody_agencies_tenant_id_uscc'))
    )
    op.create_table('custody_enrollments',
    sa.Column('enterprise_scale', sa.String(length=10), nullable=False),
    sa.Column('agency_id', sa.String(length=36), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('government_purchased', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('enterprise_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_by', sa.String(length=36), nullable=False),
    sa.Column('submitted_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['custody_agencies.tenant_id', 'custody_agencies.id'], name=op.f('fk_custody_enrollments_tenant_id_agency_id_custody_agencies')),
    sa.ForeignKeyConstraint(['tenant_id', 'enterprise_id'], ['enterprises.tenant_id', 'enterprises.id'], name=op.f('fk_custody_enrollments_tenant_id_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_custody_enrollments'))
    )
    with op.batch_alter_table('custody_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_enrollments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_enrollments_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_enrollments_status'), ['status'], unique=False)
        batch_op.create_index('ix_custody_enrollments_tenant_submitted_at', ['tenant_id', 'submitted_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    with op.batch_alter_table('custody_enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_enrollments_tenant_submitted_at')
        batch_op.drop_index(batch_op.f('ix_custody_enrollments_status'))
        batch_op.drop_index(batch_op.f('ix_custody_enrollments_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_custody_enrollments_agency_id'))
    op.drop_table('custody_enrollments')
    op.drop_table('custody_agencies')
