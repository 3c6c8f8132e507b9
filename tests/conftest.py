"""Test fixtures: one app per session on a real database, cleaned after every test.

SQLite (a fresh file) by default; PostgreSQL when IPSERVICE_TEST_DATABASE_URL is set. On PostgreSQL the
schema is rebuilt by the migrations as the owner, and the app runs every transaction as the unprivileged
role ``ipservice_app`` so that row-level security applies (superusers skip it).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ipservice import create_app

PG_URL = os.environ.get("IPSERVICE_TEST_DATABASE_URL", "")
QUEUE_URL = os.environ.get("IPSERVICE_TEST_QUEUE_URL", "redis://127.0.0.1:6379/9")
APP_ROLE = "ipservice_app"
DEMO_PASSWORD = "test-pass-123"


def _prepare_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
        if not exists:
            conn.execute(text(f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS"))
    engine.dispose()


def _grant_postgres(url: str) -> None:
    """What deployment grants too (core.dbroles): the tables, but INSERT and SELECT only on the audit trail,
    and the statistics functions."""
    from ipservice.core.dbroles import grant_app_role

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        grant_app_role(conn, APP_ROLE)
    engine.dispose()


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="ipservice-test-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def app(tmp_root):
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        # rate limiting on, with limits no test reaches (one test lowers them)
        "RATELIMIT_ENABLED": True,
        "RATE_LIMIT_LOGIN": "100000 per minute",
        "RATE_LIMIT_REGISTER": "100000 per minute",
        "RATE_LIMIT_LOGIN_ACCOUNT": "100000 per minute",
        "RATE_LIMIT_REGISTER_REFUSED": "100000 per minute",
        "RATE_LIMIT_RESET_ACCOUNT": "100000 per minute",
        "UPLOAD_DIR": str(tmp_root / "uploads"),
        # jobs run when a test drains the queue (tests/notifications), never in a thread of their own
        "IPSERVICE_QUEUE_INPROCESS": False,
        "QUEUE_SQLITE_FILE": str(tmp_root / "queue.db"),
        "IPSERVICE_SMTP_URL": "",
    }
    if PG_URL:
        _prepare_postgres(PG_URL)
        config["SQLALCHEMY_DATABASE_URI"] = PG_URL
        # the PostgreSQL leg keeps the queue in the real Redis (a database index of its own: set the URL)
        config["IPSERVICE_QUEUE_URL"] = QUEUE_URL
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_root / 'test.db'}"
    application = create_app(config)
    with application.app_context():
        upgrade()
    if PG_URL:
        _grant_postgres(PG_URL)
        application.config["IPSERVICE_DB_APP_ROLE"] = APP_ROLE
    return application


def _all_tables(app):
    from ipservice.extensions import db

    return [t.name for t in reversed(db.metadata.sorted_tables)]


@pytest.fixture
def tenants_copy(tmp_path):
    """A copy of the shipped ``tenants/`` to break on purpose."""
    import shutil

    target = tmp_path / "tenants"
    shutil.copytree(Path(__file__).resolve().parents[1] / "tenants", target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file (which must hold it) by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def load_tenants(app):
    """``tenants.loader.load_all`` with the filing kinds of the app (they say what a folder may hold)."""
    from ipservice.core import filing
    from ipservice.tenants.loader import load_all

    return lambda root: load_all(root, filing.kinds(app))


@pytest.fixture(scope="session")
def _append_only(app):
    """The tables whose rows no one may UPDATE or DELETE on PostgreSQL (the audit trail's trigger)."""
    from ipservice.core.dbroles import append_only_tables
    from ipservice.extensions import db

    if not PG_URL:
        return frozenset()
    with app.app_context(), db.engine.connect() as conn:
        return frozenset(append_only_tables(conn))


@pytest.fixture(autouse=True)
def clean_db(request, app, _append_only):
    """Empty every table after each test. DELETE rather than TRUNCATE: on PostgreSQL a TRUNCATE of every
    table costs ~0.4 s (new files per table); the tests leave a handful of rows. The audit trail refuses
    DELETE to everyone (its trigger has no exception, not even for the owner): those few tables are
    emptied with TRUNCATE, which the owner may and the app role may not."""
    yield
    empty_database(app, _append_only)


def empty_database(app, append_only) -> None:
    """Every table emptied (the audit trail by TRUNCATE, see ``clean_db``)."""
    from ipservice.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if PG_URL:  # an owner that is not a superuser is bound by row-level security: its policy
                conn.execute(text("SELECT set_config('app.cross_tenant', 'on', true)"))
            for table in _all_tables(app):
                verb = "TRUNCATE" if table in append_only else "DELETE FROM"
                conn.execute(text(f"{verb} {table}"))


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """scrypt is slow by design; the tests need many users, not strong hashes (one test checks the real
    one)."""
    from werkzeug.security import generate_password_hash

    from ipservice.accounts import services

    monkeypatch.setattr(services, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def postgres(is_postgres):
    """For tests of what only PostgreSQL has (roles, triggers, row-level security): skipped on SQLite."""
    if not is_postgres:
        pytest.skip("roles, triggers and row-level security are PostgreSQL's; "
                    "set IPSERVICE_TEST_DATABASE_URL")


# --- helpers the tests share -------------------------------------------------------------------------

_USCC_SERIAL = iter(range(1, 10_000_000))


def make_uscc(serial: int | None = None) -> str:
    """A valid 统一社会信用代码 (check character computed by python-stdnum)."""
    from stdnum.cn import uscc

    n = next(_USCC_SERIAL) if serial is None else serial
    body = f"91610131MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A thin JSON client over the Flask test client, with a bearer token."""

    def __init__(self, client, token: str | None = None, lang: str | None = None):
        self.client, self.token, self.lang = client, token, lang

    def headers(self, extra=None):
        h = {}
        if self.token:
            h.update(bearer(self.token))
        if self.lang:
            h["Accept-Language"] = self.lang
        h.update(extra or {})
        return h

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, path, json=None, **kw):
        return self.client.put(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)


def token_for(client, email: str, password: str = DEMO_PASSWORD) -> str:
    r = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["token"]


def register_enterprise(client, tenant: str, name: str = "测试科技有限公司", email: str | None = None,
                        uscc: str | None = None, verified: bool = True) -> dict:
    """An organization registered through the API; ``verified``: its user's address marked proven at once (as
    the verification link would: tests/accounts/test_recovery.py follows the link itself)."""
    email = email or f"e{next(_USCC_SERIAL)}@{tenant}.example.cn"
    body = {"name": name, "uscc": uscc or make_uscc(), "email": email, "password": DEMO_PASSWORD,
            "contact_name": "李四", "contact_phone": "029-88886666", "privacy_notice_version": 1}
    r = client.post(f"/t/{tenant}/api/v1/register", json=body)
    assert r.status_code == 201, r.get_json()
    if verified:
        mark_verified(client.application, email)
    return {**r.get_json(), "email": email, "token": token_for(client, email)}


def mark_verified(app, email: str) -> None:
    from sqlalchemy import update

    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.core.types import utcnow
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test setup: the address proven"):
        db.session.execute(update(User).where(User.email == email).values(email_verified_at=utcnow()))
        db.session.commit()


def create_user(app, email: str, role: str, tenant: str | None) -> None:
    from ipservice.accounts import services
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test setup"):
        services.create_user(email, DEMO_PASSWORD, role, tenant)
        db.session.commit()


@pytest.fixture
def enterprise(client):
    """Factory: ``enterprise("xian")`` registers an enterprise and returns an Api client for it."""

    def make(tenant: str, **kw) -> Api:
        info = register_enterprise(client, tenant, **kw)
        api = Api(client, info["token"])
        api.info = info
        return api

    return make


@pytest.fixture
def bureau(app, client):
    """Factory: ``bureau("xian")`` creates a bureau user and returns an Api client for it."""
    counter = iter(range(1, 1000))

    def make(tenant: str) -> Api:
        email = f"bureau{next(counter)}@{tenant}.gov.cn"
        create_user(app, email, "bureau", tenant)
        api = Api(client, token_for(client, email))
        api.email = email
        return api

    return make


@pytest.fixture
def cross_admin(app, client):
    create_user(app, "province@example.gov.cn", "cross_admin", None)
    return Api(client, token_for(client, "province@example.gov.cn"))


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def page_login(client, email: str, password: str = DEMO_PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP (threaded werkzeug) for browser and concurrency tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped (saying so) where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
