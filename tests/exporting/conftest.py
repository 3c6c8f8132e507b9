from tests.notifications.conftest import queue  # noqa: F401 — the job queue, emptied around each test
