"""The filing lists find their rows through tenant-first indexes, never by a sequential scan, on a table of
100 000 filings (PostgreSQL EXPLAIN).

The statements are the ones the list services really run — captured from the engine while
each kind's ``service.page``
serve the bureau's list filtered by status, the bureau's list newest first, and an enterprise's own list,
a page of 50 each — so the tenant filter the session adds and the row-level-security policy are in
them. Each is explained, with its parameters, in the same tenant context and role as the app runs it.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, text

from ipservice.core.tenancy import tenant_context
from ipservice.extensions import db

pytestmark = pytest.mark.postgres

ROWS = 100_000
# The rows are spread over several tenants, as in production: the tenant under test holds 1/TENANTS.
TENANTS = 20
ENTERPRISES_PER_TENANT = 50
TENANT = "xian"
STATUSES = {"certification_records": ("submitted", "verified", "verified", "verified", "rejected"),
            "custody_enrollments": ("submitted", "approved", "approved", "approved", "rejected"),
            "cases": ("submitted", "accepted", "in_progress", "closed", "closed")}


def _tenant_expr(n: str) -> str:
    return f"CASE WHEN {n} % {TENANTS} = 0 THEN '{TENANT}' ELSE 'qp-' || ({n} % {TENANTS}) END"


def _status_expr(table: str, n: str) -> str:
    values = ", ".join(f"'{s}'" for s in STATUSES[table])
    # every enterprise has filings in every status: the status changes with each round of enterprises
    return f"(ARRAY[{values}])[1 + ({n} / {TENANTS * ENTERPRISES_PER_TENANT}) % {len(STATUSES[table])}]"


COMMON = ("tenant_id, id, enterprise_id, status, submitted_by, submitted_at, form_version, extra",
          lambda table: f"{_tenant_expr('n')}, 'qp-' || n, "
                        f"'qp-e-' || (n % {TENANTS}) || '-' || ((n / {TENANTS}) % {ENTERPRISES_PER_TENANT}), "
                        f"{_status_expr(table, 'n')}, 'qp-u', now() - n * interval '5 minutes', 1, '{{}}'")

OWN_COLUMNS = {
    "certification_records": (
        "number, org_type, standard, standard_edition, certificate_no, certification_body, issued_on, "
        "expires_on, scope, subsidy_explanation",
        "'QP-GB-' || n, 'enterprise', 'GB/T 29490', 'GB/T 29490-2013', 'QP-' || n, 'body', DATE '2024-01-01',"
        " DATE '2026-12-31', 'scope', ''"),
    "custody_enrollments": (
        "number, enterprise_scale, agency_id, services, start_date, end_date, government_purchased",
        "'QP-TG-' || n, 'small', 'qp-agency', '[]', DATE '2025-01-01', DATE '2025-12-31', false"),
    "cases": (
        "number, year, seq, case_type, center, ip_type, right_number, right_number_normalized,"
        " counterparty_name, summary, request, applicant_name, applicant_uscc, applicant_email,"
        " accept_due_on, accept_due_estimated, close_due_estimated, updated_at",
        "'QP-' || n, 2025, n, 'assistance', 'center', 'trademark', n::text, n::text, 'party', 'summary',"
        " 'request', 'name', '91610131MA00000000', 'a@example.cn', DATE '2025-01-10', false, false, now()"),
}


def _fill(table: str) -> None:
    """100 000 filings in ``table`` (plus their enterprises, users and an agency), as the owner, in SQL."""
    tenants = f"SELECT {_tenant_expr('t')} AS slug FROM generate_series(0, {TENANTS - 1}) t"
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, email, password_hash, role, tenant_id, display_name, active, created_at) "
            f"SELECT 'qp-user-' || n, 'qp' || n || '@example.cn', 'x', 'enterprise', "
            f"{_tenant_expr('n')}, 'qp', true, now() "
            f"FROM generate_series(0, {TENANTS * ENTERPRISES_PER_TENANT - 1}) n"))
        conn.execute(text(
            "INSERT INTO users (id, email, password_hash, role, tenant_id, display_name, active, created_at) "
            "VALUES ('qp-bureau', 'qp-bureau@example.gov.cn', 'x', 'bureau', "
            f"'{TENANT}', 'qp', true, now())"))
        # Enterprise e of tenant t is owned by user t + TENANTS * e (the user of the same tenant).
        conn.execute(text(
            "INSERT INTO enterprises (tenant_id, id, name, uscc, contact_name, contact_phone, user_id, "
            "created_at) "
            f"SELECT {_tenant_expr('t')}, 'qp-e-' || t || '-' || e, 'qp', 'U' || t || '-' || e, 'c', 'p', "
            f"'qp-user-' || (t + {TENANTS} * e), now() "
            f"FROM generate_series(0, {TENANTS - 1}) t, generate_series(0, {ENTERPRISES_PER_TENANT - 1}) e"))
        conn.execute(text(
            "INSERT INTO custody_agencies (tenant_id, id, name, uscc, contact, approved, created_at) "
            f"SELECT slug, 'qp-agency', 'agency', 'A' || slug, '', true, now() FROM ({tenants}) s"))
        own_cols, own_values = OWN_COLUMNS[table]
        conn.execute(text(
            f"INSERT INTO {table} ({COMMON[0]}, {own_cols}) "
            f"SELECT {COMMON[1](table)}, {own_values} FROM generate_series(1, {ROWS}) n"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in (table, "enterprises", "users", "custody_agencies"):
            conn.execute(text(f"VACUUM ANALYZE {name}"))


def _captured(call) -> list[tuple[str, dict]]:
    """The statements (and parameters) that ``call`` sends to the database."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return seen


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _problems(table: str, statements) -> tuple[int, list[str]]:
    """(how many statements on ``table`` were explained, the problems found): no statement may scan
    ``table`` sequentially, and every read of it goes through an index whose condition starts from the
    tenant (an index on status or enterprise alone reads every tenant's rows of that value)."""
    checked, bad = 0, []
    conn = db.session.connection()
    for statement, parameters in statements:
        if f"FROM {table}" not in statement:
            continue
        checked += 1
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
        shown = f"{statement}\n{json.dumps(plan, indent=1)}"
        reads = [n for n in _nodes(plan) if n.get("Relation Name") == table]
        if any(n["Node Type"] == "Seq Scan" for n in reads):
            bad.append(f"sequential scan of {table}:\n{shown}")
            continue
        for node in reads:
            # an index scan carries its condition; a bitmap heap scan's conditions are on its index scans
            conds = " ".join(n.get("Index Cond", "") for n in _nodes(node))
            if not re.search(r"\btenant_id\b", conds):
                bad.append(f"{table} read by an index without the tenant in its condition:\n{shown}")
    return checked, bad


def _lists(table: str):
    """(name, function of (bureau, enterprise user)) for every list of ``table`` that is checked: the list
    the filing kind's service runs (``page``, the same signature for every kind)."""
    from flask import current_app

    from ipservice.core import filing

    kind = next(k for k in filing.kinds(current_app) if k.model.__tablename__ == table)

    def run(user, filters):
        kind.service.page(user, filters, 1, 50)

    return [
        ("bureau, status=submitted", lambda bureau, own: run(bureau, {"status": "submitted"})),
        ("bureau, newest first", lambda bureau, own: run(bureau, {})),
        ("enterprise's own", lambda bureau, own: run(own, {})),
        ("enterprise's own, status=submitted", lambda bureau, own: run(own, {"status": "submitted"})),
    ]


@pytest.mark.parametrize("table", ["certification_records", "custody_enrollments", "cases"])
def test_filing_lists_use_tenant_first_indexes(app, is_postgres, table):
    if not is_postgres:
        pytest.skip("query plans are checked on PostgreSQL; set IPSERVICE_TEST_DATABASE_URL")
    from ipservice.accounts.models import User

    with app.app_context():
        _fill(table)
    with app.test_request_context(), tenant_context(TENANT):
        bureau = db.session.get(User, "qp-bureau")
        own = db.session.get(User, f"qp-user-{TENANTS * 7}")  # enterprise 7 of the tenant under test
        assert own.tenant_id == TENANT
        for name, call in _lists(table):
            statements = _captured(lambda call=call: call(bureau, own))
            checked, bad = _problems(table, statements)
            assert checked >= 2, f"{name}: expected the page and its count on {table}, saw {statements}"
            assert not bad, f"{name}: " + "\n\n".join(bad)
        db.session.rollback()
