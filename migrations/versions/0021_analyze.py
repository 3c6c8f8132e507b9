"""the planner's statistics for a bulk import (issue 23 item 5): ``ipservice_analyze(table)``, a SECURITY
DEFINER function the app role may call to ANALYZE one of the service's tables it is filling (only the owner
may ANALYZE; a never-analyzed table makes every chunk's ``IN`` look-up a scan of the tenant's rows)

Revision ID: 0021_analyze
Revises: 0021_privacy2
"""
from alembic import op

revision = '0021_analyze'
down_revision = '0021_privacy2'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION ipservice_analyze(target text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = target
                   AND t.tablename <> 'alembic_version') THEN
        RAISE EXCEPTION 'no table % of the service to analyze', target USING ERRCODE = 'undefined_table';
    END IF;
    EXECUTE format('ANALYZE public.%I', target);
END $$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION ipservice_analyze(text) FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ipservice_analyze(text)")
