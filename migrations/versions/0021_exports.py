"""large exports built by a job (issue 21 item 7): ``export_jobs``, a tenant table under row-level security

Revision ID: 0021_exports
Revises: 0020_filing_numbers
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types
from ipservice.core.tenancy import rls_statements

revision = '0021_exports'
down_revision = '0020_filing_numbers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('fmt', sa.String(length=8), nullable=False),
        sa.Column('query', sa.JSON(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'))
    op.create_index('ix_export_jobs_user_id', 'export_jobs', ['user_id'])
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements('export_jobs'):
            op.execute(statement)


def downgrade():
    op.drop_table('export_jobs')
