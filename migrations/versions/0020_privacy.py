"""personal information (issue 22): the access record, erasure requests, accepted notice versions; the audit
trail's trigger lets exactly one SECURITY DEFINER function take an erased person's data out

Revision ID: 0020_privacy
Revises: 0013_accounts

- ``personal_data_accesses``, ``erasure_requests`` (one open request per person: unique ``open_for``),
  ``privacy_consents``: tenant tables under row-level security (PostgreSQL).
- ``ipservice_refuse_change()`` (the ``append_only`` trigger of audit_events and case_transitions) still
  refuses every DELETE and every UPDATE, except an UPDATE that runs as the table's owner while
  ``ipservice.erasing`` is set and changes nothing but ``actor_email``, ``detail`` or ``by_email``. The app
  role is never the owner; the only way it has to run as the owner is ``ipservice_erase_person_in_audit``,
  which acts for an approved, not yet carried out erasure request of the current tenant, on that person's
  events only (``ipservice.privacy.scrub``).
"""
from alembic import op
import sqlalchemy as sa

import ipservice.core.types
from ipservice.core.dbroles import REFUSE_CHANGE_FUNCTION
from ipservice.core.tenancy import rls_statements

revision = '0020_privacy'
down_revision = '0020_notifications'  # chained after the parallel branch's migration
branch_labels = None
depends_on = None

TABLES = ("personal_data_accesses", "erasure_requests", "privacy_consents")

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION ipservice_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE kept text[] := ARRAY['actor_email', 'detail', 'by_email'];
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('ipservice.erasing', true), '') <> ''
       AND current_user = (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                           WHERE c.oid = TG_RELID)
       AND (to_jsonb(NEW) - kept) = (to_jsonb(OLD) - kept) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""
FUNCTION = "ipservice_erase_person_in_audit(text, text[], text[], text[], text, text)"
FUNCTION_BODY = """
CREATE OR REPLACE FUNCTION ipservice_erase_person_in_audit(
    request_id text, object_ids text[], needles text[], emails text[], erased_email text, erased text)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    tenant text := current_setting('app.tenant_id', true);
    person text;
    needle text;
    quoted text;
BEGIN
    SELECT e.user_id INTO person FROM erasure_requests e
     WHERE e.tenant_id = tenant AND e.id = request_id AND e.status = 'approved' AND e.erased_at IS NULL;
    IF person IS NULL THEN
        RAISE EXCEPTION 'no approved erasure request % to carry out', request_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('ipservice.erasing', request_id, true);
    UPDATE audit_events a SET actor_email = erased_email
     WHERE a.tenant_id = tenant AND a.actor_email = ANY(emails);
    FOREACH needle IN ARRAY needles LOOP
        CONTINUE WHEN length(needle) < 2;
        quoted := to_jsonb(needle)::text;
        quoted := substr(quoted, 2, length(quoted) - 2);  -- as it stands inside a JSON string
        UPDATE audit_events a SET detail = replace(a.detail::jsonb::text, quoted, erased)::json
         WHERE a.tenant_id = tenant
           AND (a.actor_id = person OR a.object_id = ANY(object_ids) OR a.actor_email = erased_email)
           AND strpos(a.detail::jsonb::text, quoted) > 0;
    END LOOP;
    UPDATE case_transitions t SET by_email = erased_email WHERE t.tenant_id = tenant AND t.by_email = ANY(emails);
    PERFORM set_config('ipservice.erasing', '', true);
END $$
"""


def upgrade():
    op.create_table(
        'personal_data_accesses',
        sa.Column('at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('official_id', sa.String(length=36), nullable=False),
        sa.Column('what', sa.String(length=20), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.String(length=36), nullable=True),
        sa.Column('enterprise_id', sa.String(length=36), nullable=True),
        sa.Column('full_contact', sa.Boolean(), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'))
    op.create_index('ix_personal_data_accesses_enterprise', 'personal_data_accesses',
                    ['tenant_id', 'enterprise_id', 'at'])
    op.create_index('ix_personal_data_accesses_official', 'personal_data_accesses',
                    ['tenant_id', 'official_id', 'at'])
    op.create_table(
        'erasure_requests',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('open_for', sa.String(length=36), nullable=True),
        sa.Column('created_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('decided_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=36), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('erased_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'),
        sa.UniqueConstraint('tenant_id', 'open_for', name='uq_erasure_requests_open'))
    op.create_index('ix_erasure_requests_user_id', 'erasure_requests', ['user_id'])
    op.create_table(
        'privacy_consents',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('accepted_at', ipservice.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'id'),
        sa.UniqueConstraint('tenant_id', 'user_id', 'version'))
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for statement in rls_statements(table):
            op.execute(statement)
    op.execute(REFUSE_CHANGE)
    op.execute(FUNCTION_BODY)
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
        op.execute(REFUSE_CHANGE_FUNCTION)  # 0008's: no exception
    for table in reversed(TABLES):
        op.drop_table(table)
