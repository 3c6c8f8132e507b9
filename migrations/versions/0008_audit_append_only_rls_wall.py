"""audit trail append-only; the RLS wall without a switch for the app role; statistics functions

Revision ID: 0008
Revises: 0007

PostgreSQL only (SQLite has no roles, triggers of this kind or row-level security):
- ``audit_events`` and ``case_transitions`` refuse UPDATE and DELETE for every role (trigger ``append_only``);
  the app role gets INSERT and SELECT only on them (``core.dbroles.grant_app_role``).
- Every row-level-security policy is re-created by ``core.tenancy.rls_statements``: ``app.cross_tenant`` is
  honoured only for the schema owner (the role running this migration).
- Statistics read across tenants through SECURITY DEFINER functions owned by the schema owner, which return
  counts per tenant only; EXECUTE is granted to the app role by ``grant_app_role``, not to PUBLIC.
"""
from alembic import op
import sqlalchemy as sa

from ipservice.core.dbroles import REFUSE_CHANGE_FUNCTION, append_only_statements
from ipservice.core.tenancy import rls_statements

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "case_transitions")

# Each function runs as its owner, with a fixed search_path, and switches app.cross_tenant on for its own
# query only (the owner's policy honours it; a function-level SET of a custom setting would need superuser
# rights on PostgreSQL 15), restoring the caller's value before it returns.
_DEFINER = "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp"
_ACROSS = "DECLARE before text := current_setting('app.cross_tenant', true);\nBEGIN\n    PERFORM set_config('app.cross_tenant', 'on', true);"
_RESTORE = "    PERFORM set_config('app.cross_tenant', coalesce(before, 'off'), true);\nEND"

FUNCTIONS = {
    # Filings of any kind by tenant and current status: the table must be a tenant table under row-level
    # security with a status column (a filing), so that nothing but those counts can be asked for.
    "ipservice_status_counts(regclass)": f"""
CREATE OR REPLACE FUNCTION ipservice_status_counts(filings regclass)
RETURNS TABLE (tenant_id text, status text, n bigint) {_DEFINER} AS $$
{_ACROSS}
    IF NOT EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE c.oid = filings AND s.nspname = 'public' AND c.relrowsecurity
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'status')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'submitted_at')
    ) THEN
        RAISE EXCEPTION '% is not a filing table', filings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT tenant_id::text, status::text, count(*) FROM %s GROUP BY 1, 2 ORDER BY 1, 2', filings);
{_RESTORE} $$""",
    # Cases by tenant, type and status (by_type and by_status are its sums).
    "ipservice_case_counts()": f"""
CREATE OR REPLACE FUNCTION ipservice_case_counts()
RETURNS TABLE (tenant_id text, case_type text, status text, n bigint) {_DEFINER} AS $$
{_ACROSS}
    RETURN QUERY SELECT c.tenant_id::text, c.case_type::text, c.status::text, count(*)
                 FROM cases c GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
{_RESTORE} $$""",
    # Median calendar days from submission to closing, by the dates in China (cases.services.days_to_close).
    "ipservice_case_median_days_to_close()": f"""
CREATE OR REPLACE FUNCTION ipservice_case_median_days_to_close()
RETURNS TABLE (tenant_id text, median_days double precision) {_DEFINER} AS $$
{_ACROSS}
    RETURN QUERY SELECT c.tenant_id::text, percentile_cont(0.5) WITHIN GROUP (ORDER BY
                        ((c.closed_at AT TIME ZONE 'Asia/Shanghai')::date
                         - (c.submitted_at AT TIME ZONE 'Asia/Shanghai')::date))
                 FROM cases c WHERE c.status = 'closed' AND c.closed_at IS NOT NULL GROUP BY 1 ORDER BY 1;
{_RESTORE} $$""",
}


def _tenant_tables(bind) -> list[str]:
    return list(bind.execute(sa.text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1")).scalars())


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(REFUSE_CHANGE_FUNCTION)
    for table in APPEND_ONLY:
        for statement in append_only_statements(table):
            op.execute(statement)
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
    for table in _tenant_tables(bind):
        for statement in rls_statements(table):
            op.execute(statement)
    for signature, body in FUNCTIONS.items():
        op.execute(body)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS ipservice_refuse_change()")
    check = ("tenant_id = current_setting('app.tenant_id', true) "
             "OR current_setting('app.cross_tenant', true) = 'on'")
    for table in _tenant_tables(bind):
        op.execute(f"DROP POLICY IF EXISTS owner_cross_tenant ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({check}) WITH CHECK ({check})")
