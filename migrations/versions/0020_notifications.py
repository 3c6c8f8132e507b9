"""notifications: the outbox rows (站内信 and their e-mail) and each user's notification settings (issue 21)

Revision ID: 0020_notifications
Revises: 0013_accounts

A notification belongs to its recipient, not to a tenant (a cross-district administrator has none). On
PostgreSQL the app role sees and writes a row when it is the signed-in user's own (``app.user_id``) or of
the transaction's tenant (``app.tenant_id``: a decision in a tenant writes the notifications of that
tenant's users; a delivery job runs as the recipient). ``app.cross_tenant`` is honoured for the schema
owner only (the command line). The sweep that finds e-mails left waiting reads through a SECURITY DEFINER
function that returns only (id, user, tenant) of those rows; ``flask db create-app-role`` grants it.
"""
from alembic import op
import sqlalchemy as sa

from ipservice.core.types import UTCDateTime

revision = '0020_notifications'
down_revision = '0013_accounts'  # the head of this branch (0013_accounts follows 0013_claims)
branch_labels = None
depends_on = None

_MINE = "current_setting('app.tenant_id', true)"
_ME = "current_setting('app.user_id', true)"
_ACROSS_ON = "current_setting('app.cross_tenant', true) = 'on'"
VISIBLE = f"user_id = {_ME} OR tenant_id = {_MINE}"
TABLES = ("notifications", "notification_settings")

DUE_FUNCTION = """
CREATE OR REPLACE FUNCTION ipservice_notifications_due(at_time timestamptz)
RETURNS TABLE (id text, user_id text, tenant_id text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE before text := current_setting('app.cross_tenant', true);
BEGIN
    PERFORM set_config('app.cross_tenant', 'on', true);
    RETURN QUERY SELECT n.id::text, n.user_id::text, n.tenant_id::text FROM notifications n
        WHERE n.email_wanted AND n.emailed_at IS NULL
          AND (n.email_lease_until IS NULL OR n.email_lease_until < at_time)
          AND (n.email_next_at IS NULL OR n.email_next_at <= at_time)
        ORDER BY n.created_at LIMIT 1000;
    PERFORM set_config('app.cross_tenant', coalesce(before, 'off'), true);
END $$"""


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('tenant_id', sa.String(64)),
        sa.Column('event_class', sa.String(20), nullable=False),
        sa.Column('event', sa.String(64), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', UTCDateTime(timezone=True)),
        sa.Column('email_wanted', sa.Boolean(), nullable=False),
        sa.Column('emailed_at', UTCDateTime(timezone=True)),
        sa.Column('email_attempts', sa.Integer(), nullable=False),
        sa.Column('email_error', sa.Text()),
        sa.Column('email_lease_until', UTCDateTime(timezone=True)),
        sa.Column('email_next_at', UTCDateTime(timezone=True)),
        sa.Column('dedupe_key', sa.String(80)),
        sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_notifications_user_dedupe'),
    )
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'])
    op.create_index('ix_notifications_email_due', 'notifications', ['email_wanted', 'emailed_at'])
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('tenant_id', sa.String(64)),
        sa.Column('language', sa.String(8), nullable=False),
        sa.Column('email_off', sa.JSON(), nullable=False),
        sa.Column('new_filings', sa.String(10), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY recipient_visibility ON {table} USING ({VISIBLE}) WITH CHECK ({VISIBLE})")
        op.execute(f"CREATE POLICY owner_cross_tenant ON {table} TO CURRENT_USER "
                   f"USING ({_ACROSS_ON}) WITH CHECK ({_ACROSS_ON})")
    op.execute(DUE_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION ipservice_notifications_due(timestamptz) FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ipservice_notifications_due(timestamptz)")
    op.drop_table('notification_settings')
    op.drop_index('ix_notifications_email_due', 'notifications')
    op.drop_index('ix_notifications_user_created', 'notifications')
    op.drop_table('notifications')
