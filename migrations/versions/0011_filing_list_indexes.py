"""filing list indexes: tenant first, then the list's filter, then its order (newest first)

The filing lists (the bureau's queue filtered by status, an enterprise's own filings, newest first, a
page of 50) filter by tenant, then by status or enterprise, and order by submission time with a
tie-breaker (``id``; ``seq`` for cases). These indexes serve each list and its count without a
sequential scan; tests/test_query_plans.py checks the plans on PostgreSQL.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (table, index name, columns)
INDEXES = (
    ("certification_records", "ix_certification_records_tenant_status_submitted",
     ["tenant_id", "status", "submitted_at", "id"]),
    ("certification_records", "ix_certification_records_tenant_enterprise_submitted",
     ["tenant_id", "enterprise_id", "submitted_at", "id"]),
    ("custody_enrollments", "ix_custody_enrollments_tenant_status_submitted",
     ["tenant_id", "status", "submitted_at", "id"]),
    ("custody_enrollments", "ix_custody_enrollments_tenant_enterprise_submitted",
     ["tenant_id", "enterprise_id", "submitted_at", "id"]),
    ("cases", "ix_cases_tenant_submitted", ["tenant_id", "submitted_at", "seq"]),
    ("cases", "ix_cases_tenant_status_submitted", ["tenant_id", "status", "submitted_at", "seq"]),
    ("cases", "ix_cases_tenant_enterprise_submitted", ["tenant_id", "enterprise_id", "submitted_at", "seq"]),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
