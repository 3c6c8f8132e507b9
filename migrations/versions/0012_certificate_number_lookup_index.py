"""certificate number lookup index: tenant first, then the certificate number, for every status

The unique index on the certificate number is partial (records that are not rejected); the import's
duplicate rule asks for a number in every status, which the partial index cannot answer, so each imported
row scanned the tenant's records (issue 14's import profile: ``certification.imports.existing``).

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certification_records", schema=None) as batch_op:
        batch_op.create_index("ix_certification_records_tenant_certificate_no", ["tenant_id", "certificate_no"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("certification_records", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_records_tenant_certificate_no")
