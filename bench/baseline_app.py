"""The baseline: a bare Flask + SQLAlchemy app on the same database and gunicorn settings as the service.

What the service is measured against in the same run (bench/run.py): no authentication, no validation,
no tenancy, no audit — one JSON row inserted and committed, and a page of 50 rows selected with an index,
each serialized to JSON by hand. ``gunicorn -c gunicorn.conf.py bench.baseline_app:app``; the database
comes from ``DATABASE_URL`` (the same URL the service is given). ``prepare(url)`` creates and fills its
table before the workers start.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid

from flask import Flask, jsonify, request
from sqlalchemy import JSON, DateTime, Index, String, Text, create_engine, event, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

LIST_SIZE = 50


class Base(DeclarativeBase):
    pass


class Row(Base):
    """One filing-like row: the columns a certification record has, as plain values."""

    __tablename__ = "bench_baseline_rows"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    certificate_no: Mapped[str] = mapped_column(String(64), nullable=False)
    certification_body: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_on: Mapped[str] = mapped_column(String(10), nullable=False)
    expires_on: Mapped[str] = mapped_column(String(10), nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    extra: Mapped[dict] = mapped_column(JSON, nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_bench_baseline_rows_list", "tenant_id", "status", "submitted_at"),)


def make_engine(url: str):
    """The engine with the service's own settings for the database (see ipservice.create_app)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _as_dict(row: Row) -> dict:
    return {"id": row.id, "tenant_id": row.tenant_id, "status": row.status, "certificate_no": row.certificate_no,
            "certification_body": row.certification_body, "issued_on": row.issued_on,
            "expires_on": row.expires_on, "scope": row.scope, "extra": row.extra,
            "submitted_at": row.submitted_at.isoformat()}


def prepare(url: str, rows: int = 1000) -> None:
    """Create the table and fill it with ``rows`` rows (1 in 3 ``submitted``) unless it has some."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        if session.scalar(select(Row.id).limit(1)) is None:
            now = dt.datetime.now(dt.timezone.utc)
            session.execute(insert(Row), [
                {"id": str(uuid.uuid4()), "tenant_id": "hebi", "status": ("submitted", "verified", "rejected")[n % 3],
                 "certificate_no": f"BASE-{n:06d}", "certification_body": "中知（北京）认证有限公司",
                 "issued_on": "2026-03-01", "expires_on": "2029-02-28", "scope": "与研发、生产和销售相关的知识产权管理",
                 "extra": {}, "submitted_at": now - dt.timedelta(minutes=n)} for n in range(rows)])
            session.commit()
    engine.dispose()


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url or os.environ["DATABASE_URL"])

    @app.post("/insert")
    def insert_one():
        data = request.get_json()
        with Session(engine, expire_on_commit=False) as session:  # no reload of the row after the commit
            row = Row(id=str(uuid.uuid4()), tenant_id="hebi", status="submitted",
                      certificate_no=data["certificate_no"], certification_body=data["certification_body"],
                      issued_on=data["issued_on"], expires_on=data["expires_on"], scope=data["scope"],
                      extra={}, submitted_at=dt.datetime.now(dt.timezone.utc))
            session.add(row)
            session.commit()
            return jsonify(_as_dict(row)), 201

    @app.get("/select")
    def select_page():
        with Session(engine) as session:
            rows = session.scalars(select(Row).where(Row.tenant_id == "hebi", Row.status == "submitted")
                                   .order_by(Row.submitted_at.desc()).limit(LIST_SIZE))
            return jsonify([_as_dict(r) for r in rows])

    from bench import same_statements  # the second floor: the service's submission as its statements alone

    app.register_blueprint(same_statements.blueprint(engine, same_statements.role_from_env()))

    @app.get("/health")
    def health():
        return {"status": "ok"}

    return app


app = create_app() if os.environ.get("DATABASE_URL") else None
