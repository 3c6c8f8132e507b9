"""subsidy applications: the applications, the claims that make one subsidy per object, the evidence kinds

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types  # noqa: F401 — custom column types
from ipservice.core.tenancy import rls_statements

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TENANT_TABLES = ("subsidy_applications", "subsidy_claims", "subsidy_evidence")


def upgrade():
    op.create_table('subsidy_applications',
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=80), nullable=False),
    sa.Column('org_type', sa.String(length=30), nullable=False),
    sa.Column('basis_date', sa.Date(), nullable=False),
    sa.Column('basis_year', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('base_amount_cny', sa.BigInteger(), nullable=True),
    sa.Column('objects', sa.JSON(), nullable=False),
    sa.Column('cap_key', sa.String(length=80), nullable=True),
    sa.Column('estimate_cny', sa.BigInteger(), nullable=True),
    sa.Column('estimate_used_cny', sa.BigInteger(), nullable=False),
    sa.Column('estimate_explanation', sa.Text(), nullable=False),
    sa.Column('granted_cny', sa.BigInteger(), nullable=True),
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
    sa.ForeignKeyConstraint(['tenant_id', 'enterprise_id'], ['enterprises.tenant_id', 'enterprises.id'], name=op.f('fk_subsidy_applications_tenant_id_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_subsidy_applications')),
    sa.UniqueConstraint('tenant_id', 'year', 'seq', name=op.f('uq_subsidy_applications_tenant_id_year_seq'))
    )
    with op.batch_alter_table('subsidy_applications', schema=None) as batch_op:
        batch_op.create_index('ix_subsidy_applications_cap', ['tenant_id', 'rule_code', 'cap_key', 'basis_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_applications_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_applications_rule_code'), ['rule_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_applications_status'), ['status'], unique=False)
        batch_op.create_index('ix_subsidy_applications_tenant_submitted_at', ['tenant_id', 'submitted_at'], unique=False)

    op.create_table('subsidy_claims',
    sa.Column('claim_group', sa.String(length=80), nullable=False),
    sa.Column('object_key', sa.String(length=160), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['subsidy_applications.tenant_id', 'subsidy_applications.id'], name=op.f('fk_subsidy_claims_tenant_id_application_id_subsidy_applications')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_subsidy_claims')),
    sa.UniqueConstraint('tenant_id', 'claim_group', 'object_key', name=op.f('uq_subsidy_claims_tenant_id_claim_group_object_key'))
    )
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_claims_application_id'), ['application_id'], unique=False)

    op.create_table('subsidy_evidence',
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('attachment_id', sa.String(length=36), nullable=False),
    sa.Column('document', sa.String(length=80), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['subsidy_applications.tenant_id', 'subsidy_applications.id'], name=op.f('fk_subsidy_evidence_tenant_id_application_id_subsidy_applications')),
    sa.ForeignKeyConstraint(['tenant_id', 'attachment_id'], ['attachments.tenant_id', 'attachments.id'], name=op.f('fk_subsidy_evidence_tenant_id_attachment_id_attachments')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_subsidy_evidence')),
    sa.UniqueConstraint('tenant_id', 'attachment_id', name=op.f('uq_subsidy_evidence_tenant_id_attachment_id'))
    )
    with op.batch_alter_table('subsidy_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_evidence_application_id'), ['application_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    with op.batch_alter_table('subsidy_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidy_evidence_application_id'))

    op.drop_table('subsidy_evidence')
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidy_claims_application_id'))

    op.drop_table('subsidy_claims')
    with op.batch_alter_table('subsidy_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_subsidy_applications_tenant_submitted_at')
        batch_op.drop_index(batch_op.f('ix_subsidy_applications_status'))
        batch_op.drop_index(batch_op.f('ix_subsidy_applications_rule_code'))
        batch_op.drop_index(batch_op.f('ix_subsidy_applications_enterprise_id'))
        batch_op.drop_index('ix_subsidy_applications_cap')

    op.drop_table('subsidy_applications')
