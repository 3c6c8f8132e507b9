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

TENANT_TABLES = ()


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    pass
