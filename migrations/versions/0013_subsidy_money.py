"""subsidy money: claims on canonical object identifiers, caps keyed on the canonical USCC (issue 18)

- ``subsidy_claims.object_key`` of a document becomes its canonical form (``core.identifiers``:
  letters and digits only), so the unique constraint refuses every spelling of a claimed object. Where
  two applications already claim spellings of one object, the earliest keeps the claim; the later ones
  keep their old key (they were accepted before; the bureau decides them) and are listed in the log.
- ``subsidy_applications.cap_key`` of a cap keyed on a field ("f:…") becomes the canonical code.
- ``budget_line_totals``: the running total of each budget line, which approvals update (and lock) to
  decide the budget warning exactly under concurrency; initialised here from the approved applications
  and the verified 贯标 certification records of each tenant that has any (``subsidy.budget``).

Revision ID: 0013_subsidy_money
Revises: 0012
"""
import logging

from alembic import op
import sqlalchemy as sa

from ipservice.core.identifiers import letters_and_digits
from ipservice.core.ids import new_id
from ipservice.core.tenancy import rls_statements

revision = '0013_subsidy_money'
down_revision = '0012'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _across_tenants(conn):
    if conn.dialect.name == "postgresql":  # the owner is bound by row-level security: its own policy
        conn.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))


def _canonical_claims(conn):
    rows = conn.execute(sa.text(
        "SELECT c.tenant_id, c.id, c.claim_group, c.object_key, a.number FROM subsidy_claims c "
        "JOIN subsidy_applications a ON a.tenant_id = c.tenant_id AND a.id = c.application_id "
        "ORDER BY a.submitted_at, a.seq")).all()
    taken = {(t, g, k) for t, _i, g, k, _n in rows}
    for tenant_id, claim_id, group, key, number in rows:
        if not key.startswith("document:"):
            continue
        canonical = "document:" + letters_and_digits(key[len("document:"):])
        if canonical == key:
            continue
        if (tenant_id, group, canonical) in taken or canonical == "document:":
            log.warning("subsidy claim of %s/%s (%s) spells an object claimed already: %s kept",
                        tenant_id, number, group, key)
            continue
        taken.discard((tenant_id, group, key))
        taken.add((tenant_id, group, canonical))
        conn.execute(sa.text("UPDATE subsidy_claims SET object_key = :k WHERE tenant_id = :t AND id = :i"),
                     {"k": canonical, "t": tenant_id, "i": claim_id})


def _canonical_cap_keys(conn):
    rows = conn.execute(sa.text(
        "SELECT DISTINCT cap_key FROM subsidy_applications WHERE cap_key LIKE 'f:%'")).scalars().all()
    for key in rows:
        canonical = "f:" + letters_and_digits(key[2:])
        if canonical != key:
            conn.execute(sa.text("UPDATE subsidy_applications SET cap_key = :new WHERE cap_key = :old"),
                         {"new": canonical, "old": key})


def _grants(conn) -> dict[str, list[tuple[str, int, int]]]:
    """``{tenant_id: [(rule, year, amount)]}``: approved grants and verified 贯标 subsidies."""
    out: dict[str, list] = {}
    for tenant_id, rule, year, amount in conn.execute(sa.text(
            "SELECT tenant_id, rule_code, basis_year, SUM(COALESCE(granted_cny, 0)) FROM subsidy_applications "
            "WHERE status = 'approved' GROUP BY tenant_id, rule_code, basis_year")):
        out.setdefault(tenant_id, []).append((rule, int(year), int(amount or 0)))
    for tenant_id, rule, issued_on, amount in conn.execute(sa.text(
            "SELECT tenant_id, subsidy_rule_code, issued_on, subsidy_amount_cny FROM certification_records "
            "WHERE status = 'verified' AND subsidy_amount_cny > 0")):
        out.setdefault(tenant_id, []).append((rule, int(str(issued_on)[:4]), int(amount)))
    return out


def initialise_budget_totals(conn, find_tenant) -> None:
    """One running total per budget line of each tenant with grants (``find_tenant(slug)``: its config);
    the other tenants' rows are made at their first approval (``subsidy.budget.prepare``)."""
    from ipservice.subsidy.config import KIND

    table = sa.table("budget_line_totals", sa.column("tenant_id"), sa.column("id"), sa.column("budget"),
                     sa.column("committed_cny"))
    for tenant_id, grants in _grants(conn).items():
        tenant = find_tenant(tenant_id)
        config = tenant.parts.get(KIND) if tenant is not None else None
        for b in config.budgets if config is not None else ():
            covered = config.rules_within(b.code)
            committed = sum(a for rule, year, a in grants if rule in covered and year in b.years)
            conn.execute(table.insert().values(tenant_id=tenant_id, id=new_id(), budget=b.code,
                                               committed_cny=committed))


def upgrade():
    op.create_table('budget_line_totals',
    sa.Column('budget', sa.String(length=80), nullable=False),
    sa.Column('committed_cny', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_budget_line_totals')),
    sa.UniqueConstraint('tenant_id', 'budget', name=op.f('uq_budget_line_totals_tenant_id_budget'))
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for statement in rls_statements("budget_line_totals"):
            op.execute(statement)
    _across_tenants(conn)
    _canonical_claims(conn)
    _canonical_cap_keys(conn)
    from flask import current_app

    initialise_budget_totals(conn, current_app.extensions["ipservice.find_tenant"])


def downgrade():
    # the canonical claim and cap keys are valid keys of the earlier code too: they stay
    op.drop_table('budget_line_totals')
