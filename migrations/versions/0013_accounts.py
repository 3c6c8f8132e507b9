"""accounts: the page session that issued an API token (issue 18)

Revision ID: 0013_accounts
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013_accounts'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('session_id')
