"""certification: one subsidy claim per organization and standard, held by a partial unique index

Revision ID: 0006
Revises: 0005

``subsidy_claim`` marks the record that takes its organization's one subsidy for its standard; the partial
unique index lets at most one record that is not rejected carry it. Existing records: the earliest record of
each organization and standard that took the subsidy is marked (records that got an amount by racing before
this index existed keep what they were promised, unmarked, for the bureau to decide).
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CLAIMING = "subsidy_claim AND status <> 'rejected'"


def _takes(rules: dict, row) -> bool:
    """As certification.services._takes_subsidy, from the stored estimate and the tenant's rules."""
    if row.subsidy_prior_id or row.subsidy_amount_cny == 0 or not row.subsidy_rule_code:
        return False
    org_types = rules.get((row.tenant_id, row.subsidy_rule_code))
    if org_types is None:
        return False
    return not org_types or row.org_type in org_types


def _tenant_rules(slugs) -> dict:
    """The rules of the tenants that have records (each tenant's folder is read on demand: a fresh
    database with thousands of tenants reads none)."""
    try:
        from ipservice.tenants import registry

        return {(t.slug, r.code): tuple(r.org_types or ()) for t in map(registry.get, sorted(slugs)) if t
                for r in t.rules}
    except Exception:  # outside the app: no registry, mark nothing
        return {}


def upgrade():
    with op.batch_alter_table('certification_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subsidy_claim', sa.Boolean(), nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the owner is bound by row-level security too
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))
    rows = bind.execute(sa.text(
        "SELECT tenant_id, id, enterprise_id, standard, org_type, subsidy_amount_cny, subsidy_rule_code, "
        "subsidy_prior_id FROM certification_records WHERE status <> 'rejected' "
        "ORDER BY submitted_at, id")).all()
    rules = _tenant_rules({row.tenant_id for row in rows})
    seen = set()
    for row in rows:
        key = (row.tenant_id, row.enterprise_id, row.standard)
        if key in seen or not _takes(rules, row):
            continue
        seen.add(key)
        bind.execute(sa.text("UPDATE certification_records SET subsidy_claim = :t WHERE tenant_id = :tenant "
                             "AND id = :id"), {"t": True, "tenant": row.tenant_id, "id": row.id})
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'off', true)"))
    with op.batch_alter_table('certification_records', schema=None) as batch_op:
        batch_op.create_index('uq_certification_records_subsidy_claim', ['tenant_id', 'enterprise_id', 'standard'],
                              unique=True, postgresql_where=sa.text(CLAIMING), sqlite_where=sa.text(CLAIMING))


def downgrade():
    with op.batch_alter_table('certification_records', schema=None) as batch_op:
        batch_op.drop_index('uq_certification_records_subsidy_claim')
        batch_op.drop_column('subsidy_claim')
