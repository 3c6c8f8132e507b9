"""The topology of docs/deploy.md (tests/topology/stack.py), started once for the directory's tests, on the
PostgreSQL leg of the suite only (IPSERVICE_TEST_DATABASE_URL): nginx, two gunicorn nodes, pgbouncer in
transaction mode to the test database as a LOGIN app role of its own, Redis db 14 for the limits."""
from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.topology import stack

ROLE = "ipservice_topology_app"  # the deployment's ipservice_app, a name of its own on the shared server
PASSWORD = "topology-pass-7Qz"
REDIS_DB = 14
QUEUE_DB = 13  # the job queue's (the suite's own queue is db 9)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/topology/" in str(item.fspath):
            item.add_marker(pytest.mark.topology)


def skip_reason() -> str | None:
    if not PG_URL:
        return "the topology runs in the PostgreSQL leg of the suite (set IPSERVICE_TEST_DATABASE_URL)"
    reason = stack.missing()
    if reason:
        return reason
    try:
        import redis

        redis.Redis(port=6379, db=REDIS_DB, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        return f"Redis does not answer at 127.0.0.1:6379 ({exc})"
    return None


def create_login_role(app, role: str = ROLE, password: str = PASSWORD) -> None:
    """What deployment does after ``db upgrade``: ``flask db create-app-role <role> --password …``."""
    result = app.test_cli_runner().invoke(args=["db", "create-app-role", role, "--password", password])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def topology_mailbox():
    """The SMTP server the topology's worker mails to (a real one, aiosmtpd)."""
    from tests.notifications.mailbox import Mailbox

    box = Mailbox().start()
    yield box
    box.release.set()
    box.stop()


@pytest.fixture(scope="session")
def topology(app, topology_mailbox):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    create_login_role(app)
    with stack.Stack(PG_URL, ROLE, PASSWORD, redis_db=REDIS_DB, queue_db=QUEUE_DB,
                     smtp_url=topology_mailbox.url) as s:
        yield s
