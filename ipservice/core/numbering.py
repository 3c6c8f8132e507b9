"""Gap-free numbers per tenant and year (case numbers XA-2026-000001 …).

A counter row ``(tenant_id, name, year) → value`` is incremented with one atomic
``UPDATE counters SET value = value + 1 … RETURNING value`` **inside the caller's transaction**:

- no duplicates: the UPDATE locks the row (PostgreSQL) or the database (SQLite) until the transaction
  ends, so concurrent intakes on any number of worker processes are serialized on the counter;
- no gaps: a transaction that rolls back (validation after the number, a failed insert) rolls the
  increment back with it, so the number is handed out again.

On SQLite the UPDATE is meant to be the transaction's first write, so that the write lock is taken at
once (with the busy timeout) instead of upgrading a read snapshot, which can fail with "database is
locked". Callers therefore validate everything first and ask for the number right before inserting.
The first number of a year inserts the row (``INSERT … ON CONFLICT DO NOTHING``), then increments it.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, update
from ipservice.core.locks import conflict_insert
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.ids import new_id
from ipservice.core.tenancy import TenantContextError, TenantScoped, current_tenant_id
from ipservice.extensions import db


class Counter(TenantScoped, db.Model):
    """编号计数器 — the last number handed out for one kind of record in one tenant and year."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "name", "year"),)


def _increment(name: str, year: int, by: int = 1) -> int | None:
    stmt = (
        update(Counter)
        .where(Counter.name == name, Counter.year == year)
        .values(value=Counter.value + by)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).scalar()


def _create(tenant_id: str, name: str, year: int) -> None:
    stmt = conflict_insert(Counter.__table__).values(tenant_id=tenant_id, id=new_id(), name=name, year=year,
                                                     value=0)
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["tenant_id", "name", "year"]))


def next_value(name: str, year: int, count: int = 1) -> int:
    """The next number of ``name`` in ``year`` for the current tenant, in the current transaction; with
    ``count``, the last of ``count`` consecutive numbers taken at once (a bulk import's chunk)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantContextError("numbering needs a tenant in context")
    value = _increment(name, year, count)
    if value is None:
        _create(tenant_id, name, year)
        value = _increment(name, year, count)
    if value is None:  # pragma: no cover - the row exists now
        raise RuntimeError(f"counter {name}/{year} could not be created")
    return int(value)


def filing_number(name: str, code: str, year: int) -> str:
    """The next number of a filing kind numbered ``{prefix}-{code}-{year}-{seq:06d}`` (custody ``TG``,
    certification ``GB``), taken as ``next_value`` takes it: inside the caller's transaction, before the
    insert. The unique constraint (tenant, number) on the kind's table backs it."""
    return number_text(kind_prefix(name), code, year, next_value(name, year))


def kind_prefix(table: str) -> str:
    """The current tenant's number prefix of the filing kind stored in ``table``: its forms.toml section's
    ``number_prefix`` (the kinds numbered here have no file of their own)."""
    from ipservice.core import filing
    from ipservice.core.tenancy import current_tenant

    name = next(k.name for k in filing.kinds() if k.model.__tablename__ == table)
    return current_tenant().forms.option(name, "number_prefix")


def number_rows(rows: list[dict], name: str, code: str) -> None:
    """Number the rows a bulk import inserts (``submitted_at`` set), in their order: one UPDATE per year
    whatever the number of rows."""
    from ipservice.core.types import CHINA

    prefix = kind_prefix(name)
    by_year: dict[int, list[dict]] = {}
    for row in rows:
        by_year.setdefault(row["submitted_at"].astimezone(CHINA).year, []).append(row)
    for year, taken in sorted(by_year.items()):
        first = next_value(name, year, len(taken)) - len(taken) + 1
        for seq, row in enumerate(taken, start=first):
            row["number"] = number_text(prefix, code, year, seq)


def number_text(prefix: str, code: str, year: int, seq: int) -> str:
    return f"{prefix}-{code}-{year}-{seq:06d}"


def current_value(name: str, year: int) -> int:
    """The last number handed out (0 when none) — for display and tests."""
    from sqlalchemy import select

    value = db.session.scalar(select(Counter.value).where(Counter.name == name, Counter.year == year))
    return int(value or 0)
