"""imports from a page (issue 21, item 6): the imports and their report rows, tenant tables under row-level
security (PostgreSQL)

Revision ID: 0021_pageimport
Revises: 0021_analyze
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types
from ipservice.core.tenancy import rls_statements

revision = '0021_pageimport'
down_revision = '0021_analyze'  # chained after the parallel branches' migrations
branch_labels = None
depends_on = None

TABLES = ("imports", "import_rows")


def upgrade():
    op.create_table(
        'imports',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('processed', sa.Integer(), nullable=False),
        sa.Column('ok', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('last_row', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_until', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'))
    op.create_index('ix_imports_created', 'imports', ['tenant_id', 'created_at'])
    op.create_index('ix_imports_status', 'imports', ['tenant_id', 'status'])
    op.create_table(
        'import_rows',
        sa.Column('import_id', sa.String(length=36), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'),
        sa.UniqueConstraint('tenant_id', 'import_id', 'row', name='uq_import_rows_row'))
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for statement in rls_statements(table):
            op.execute(statement)


def downgrade():
    op.drop_table('import_rows')
    op.drop_index('ix_imports_status', 'imports')
    op.drop_index('ix_imports_created', 'imports')
    op.drop_table('imports')
