from tests.notifications.conftest import mailbox, queue  # noqa: F401 — the fixtures: a running SMTP server, the job queue
