"""filing numbers for custody enrollments and certification records (issue 20): every filing kind numbered
per tenant and year, unique in the tenant

Revision ID: 0020_filing_numbers
Revises: 0013_accounts

Existing rows are numbered in the order they were submitted, per tenant and year (China time), in the
format ``{prefix}-TG-{year}-{seq:06d}`` (托管) and ``{prefix}-GB-{year}-{seq:06d}`` (贯标), with the
tenant's case-number prefix; the counters (``core.numbering``) continue from the last number given.
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

from ipservice.core.ids import new_id
from ipservice.core.numbering import number_text
from ipservice.core.types import CHINA, UTCDateTime

revision = '0020_filing_numbers'
down_revision = '0020_privacy'  # chained after the parallel branches' migrations
branch_labels = None
depends_on = None

KINDS = (("custody_enrollments", "TG"), ("certification_records", "GB"))
KIND_NAMES = {"custody_enrollments": "custody", "certification_records": "certification"}


def _prefixes(bind, table: str, kind: str) -> dict:
    """The number prefix of ``kind`` (its forms.toml section) of each tenant that has rows in ``table``
    (each tenant's folder is read on demand: a fresh database with thousands of tenants reads none)."""
    try:
        from ipservice.tenants import registry

        slugs = bind.execute(sa.text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars().all()
        return {t.slug: t.forms.option(kind, "number_prefix") for t in map(registry.get, sorted(slugs)) if t}
    except Exception:  # outside the app: the slug in capitals
        return {}


def _number_existing(bind, table: str, code: str, prefixes: dict) -> None:
    rows = sa.table(table, sa.column("tenant_id"), sa.column("id"), sa.column("submitted_at", UTCDateTime()),
                    sa.column("number"))
    counters = sa.table("counters", sa.column("tenant_id"), sa.column("id"), sa.column("name"),
                        sa.column("year"), sa.column("value"))
    last: dict = {}
    for row in bind.execute(sa.select(rows.c.tenant_id, rows.c.id, rows.c.submitted_at)
                            .order_by(rows.c.tenant_id, rows.c.submitted_at, rows.c.id)).all():
        at = row.submitted_at if row.submitted_at.tzinfo else row.submitted_at.replace(tzinfo=dt.timezone.utc)
        key = (row.tenant_id, at.astimezone(CHINA).year)
        last[key] = last.get(key, 0) + 1
        number = number_text(prefixes.get(row.tenant_id, row.tenant_id.upper()), code, key[1], last[key])
        bind.execute(rows.update().where(rows.c.tenant_id == row.tenant_id, rows.c.id == row.id)
                     .values(number=number))
    for (tenant_id, year), value in last.items():
        bind.execute(counters.insert().values(tenant_id=tenant_id, id=new_id(), name=table, year=year,
                                              value=value))


def upgrade():
    for table, _code in KINDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('number', sa.String(length=40), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the owner is bound by row-level security too
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))
    for table, code in KINDS:
        _number_existing(bind, table, code, _prefixes(bind, table, KIND_NAMES[table]))
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'off', true)"))
    for table, _code in KINDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('number', existing_type=sa.String(length=40), nullable=False)
            batch_op.create_unique_constraint(f'uq_{table}_number', ['tenant_id', 'number'])


def downgrade():
    bind = op.get_bind()
    for table, _code in KINDS:
        bind.execute(sa.text("DELETE FROM counters WHERE name = :name"), {"name": table})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_number', type_='unique')
            batch_op.drop_column('number')
