"""subsidy money: claims on canonical object identifiers, caps keyed on the canonical USCC (issue 18)

- ``subsidy_claims.object_key`` of a document becomes its canonical form (``core.identifiers``:
  letters and digits only), so the unique constraint refuses every spelling of a claimed object. Where
  two applications already claim spellings of one object, the earliest keeps the claim; the later ones
  keep their old key (they were accepted before; the bureau decides them) and are listed in the log.
- ``subsidy_applications.cap_key`` of a cap keyed on a field ("f:…") becomes the canonical code.

Revision ID: 0013_subsidy_money
Revises: 0012
"""
import logging

from alembic import op
import sqlalchemy as sa

from ipservice.core.identifiers import letters_and_digits

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


def upgrade():
    conn = op.get_bind()
    _across_tenants(conn)
    _canonical_claims(conn)
    _canonical_cap_keys(conn)


def downgrade():
    pass  # the canonical keys are valid keys of the earlier code too
