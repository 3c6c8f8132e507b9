"""kpi: a version on reported actuals and task progress (optimistic concurrency: 409 on a stale edit)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("kpi_actuals", "task_progress"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    for table in ("kpi_actuals", "task_progress"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
