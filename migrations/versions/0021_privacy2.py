"""Erasure requests say what retention rules keep of the person (issue 22): ``erasure_requests.held``.

Revision ID: 0021_privacy2
Revises: 0021_exports
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_privacy2'
down_revision = '0021_exports'  # chained after the parallel branch's migration
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('erasure_requests', sa.Column('held', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('erasure_requests', 'held')
