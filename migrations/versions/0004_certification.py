"""certification

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types  # noqa: F401 — custom column types
from ipservice.core.tenancy import rls_statements

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TENANT_TABLES = ("certification_records",)

# A certificate number is unique in the tenant among records that are not rejected (partial index; both
# SQLite and PostgreSQL support it, and it contains the distribution column tenant_id for Citus).
ACTIVE = "status <> 'rejected'"


def upgrade():
    op.create_table('certification_records',
    sa.Column('org_type', sa.String(length=30), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('standard_edition', sa.String(length=30), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=False),
    sa.Column('certification_body', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('consulting_agency', sa.String(length=200), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('subsidy_amount_cny', sa.Integer(), nullable=True),
    sa.Column('subsidy_rule_code', sa.String(length=80), nullable=True),
    sa.Column('subsidy_explanation', sa.Text(), nullable=False),
    sa.Column('subsidy_prior_id', sa.String(length=36), nullable=True),
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
    sa.ForeignKeyConstraint(['tenant_id', 'enterprise_id'], ['enterprises.tenant_id', 'enterprises.id'], name=op.f('fk_certification_records_tenant_id_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_certification_records'))
    )
    with op.batch_alter_table('certification_records', schema=None) as batch_op:
        batch_op.create_index('uq_certification_records_active_certificate_no', ['tenant_id', 'certificate_no'],
                              unique=True, postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
        batch_op.create_index('ix_certification_records_org_standard', ['tenant_id', 'enterprise_id', 'standard'], unique=False)
        batch_op.create_index('ix_certification_records_submitted_at', ['tenant_id', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_records_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_records_status'), ['status'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    with op.batch_alter_table('certification_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_records_status'))
        batch_op.drop_index(batch_op.f('ix_certification_records_enterprise_id'))
        batch_op.drop_index('ix_certification_records_submitted_at')
        batch_op.drop_index('ix_certification_records_org_standard')
        batch_op.drop_index('uq_certification_records_active_certificate_no')
    op.drop_table('certification_records')
