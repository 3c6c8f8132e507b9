import pytest

from tests.notifications.mailbox import Mailbox


@pytest.fixture
def queue(app):
    """The app's job queue, empty before and after the test (SQLite file; Redis in the PostgreSQL leg)."""
    from ipservice.core import jobs

    q = jobs.of(app)
    q.huey.flush()
    yield q
    q.huey.flush()


@pytest.fixture
def mailbox(app, queue, monkeypatch):
    """A running SMTP server the app mails to; failed e-mails may be tried again at once."""
    box = Mailbox().start()
    monkeypatch.setitem(app.config, "IPSERVICE_SMTP_URL", box.url)
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", 0)
    yield box
    box.release.set()
    box.stop()


def drain(app) -> int:
    """Run every queued job, as a worker would, until none is left."""
    from ipservice.core import jobs

    total = 0
    while True:
        n = jobs.drain(app)
        total += n
        if not n:
            return total


def sweep(app) -> None:
    """The periodic sweep, then what it queued."""
    from ipservice.core import jobs

    with app.app_context():
        jobs.run_periodic(app, catch_up_only=True)
    drain(app)
