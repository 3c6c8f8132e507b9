"""An import keeps the planner's statistics of the tables it fills (issue 23 item 5, PostgreSQL): the app
role, which may not ANALYZE (only the owner may), has the tables analyzed through ``ipservice_analyze``, and
``importing.statistics.refresh`` does it for a table that was never analyzed or changed a lot since."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ipservice.core.tenancy import tenant_context
from ipservice.extensions import db

pytestmark = pytest.mark.postgres

COLUMNS = ("tenant_id, id, enterprise_id, status, submitted_by, submitted_at, form_version, extra, number, "
           "org_type, "
           "standard, standard_edition, certificate_no, certification_body, issued_on, expires_on, scope, "
           "subsidy_explanation")


def _fill(enterprise_id: str, rows: int) -> None:
    values = ("'xian', 'st-' || n, :e, 'submitted', 'u', now(), 1, '{}', 'ST-' || n, 'enterprise', "
              "'STAT-TEST', 'STAT-TEST-2013', 'ST-' || n, 'body', DATE '2024-01-01', DATE '2026-12-31', "
              "'scope', ''")
    db.session.execute(text(f"INSERT INTO certification_records ({COLUMNS}) SELECT {values} "
                            "FROM generate_series(1, :rows) n"), {"e": enterprise_id, "rows": rows})


def _counted() -> float:
    """The rows the last analysis counted (pg_class; pg_stats hides tables under row-level security)."""
    return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'certification_records'"))


def test_the_app_role_has_a_table_it_fills_analyzed(app, postgres, enterprise):
    from ipservice.importing import statistics

    owner = enterprise("xian")
    with app.app_context(), tenant_context("xian"):
        assert db.session.scalar(text("SELECT current_user")) != db.session.scalar(text(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'certification_records'"))
        _fill(owner.info["id"], 2000)
        # a warning only: the app role is not the owner
        db.session.execute(text("ANALYZE certification_records"))
        assert _counted() != 2000
        assert "certification_records" in statistics.refresh({"certification_records": 2000})
        assert _counted() == 2000  # the statistics now describe the rows written
        assert statistics.stale({"certification_records": 500}) == []  # too few to matter
        assert statistics.stale({"certification_records": 5000}) == ["certification_records"]
        # each table by its own count: the organizations analyzed now leave the records' count standing
        assert "enterprises" in statistics.refresh({"enterprises": 2000, "certification_records": 100})
        assert statistics.stale({"enterprises": 0,
                                 "certification_records": 5000}) == ["certification_records"]
        db.session.rollback()


def test_only_the_services_tables_can_be_analyzed(app, postgres):
    with app.app_context(), tenant_context("xian"):
        with pytest.raises(DBAPIError, match="no table"):
            db.session.execute(text("SELECT ipservice_analyze('pg_authid')"))
        db.session.rollback()


def test_nothing_to_do_on_sqlite(app, is_postgres):
    from ipservice.importing import statistics

    if is_postgres:
        pytest.skip("the SQLite answer")
    with app.app_context():
        assert statistics.refresh({"certification_records": 5000}) == []
