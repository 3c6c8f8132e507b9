"""The real consumer (``flask --app wsgi worker``) in a process of its own: killed with SIGKILL while it
sends,
the e-mail is sent by the next worker, once. Two deliveries of one notification at the same moment: one
e-mail (the conditional UPDATE that takes it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import APP_ROLE, PG_URL, QUEUE_URL
from tests.notifications.conftest import drain
from tests.notifications.test_outbox import _case_filed, _rows

ROOT = Path(__file__).resolve().parents[2]


def _worker(app, mailbox, tmp_root) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
           "IPSERVICE_SMTP_URL": mailbox.url, "IPSERVICE_MAIL_LEASE_SECONDS": "2",
           "IPSERVICE_INSTANCE_PATH": str(tmp_root / "worker-instance")}
    if PG_URL:
        env.update(IPSERVICE_QUEUE_URL=QUEUE_URL, IPSERVICE_DB_APP_ROLE=APP_ROLE)
    else:
        env["IPSERVICE_QUEUE_FILE"] = app.config["QUEUE_SQLITE_FILE"]
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(condition, what: str, seconds: float = 90):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_job_delivers_once_after_a_restart(app, client, enterprise, bureau, mailbox,
                                                               tmp_root):
    from ipservice.core.types import utcnow

    e, b, case_id = _case_filed(client, enterprise, bureau)
    drain(app)  # the bureau's notice of the new case, sent here
    mailbox.hang_next = True  # the first message is held: the worker waits for the server's answer
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    first = _worker(app, mailbox, tmp_root)
    try:
        assert mailbox.hanging.wait(90), "the worker never sent"
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    [note] = [n for n in _rows(app) if n.event == "case.accepted"]
    assert note.emailed_at is None and note.email_attempts == 1
    mailbox.release.set()
    _wait(lambda: utcnow() > note.email_lease_until, "the dead worker's lease to run out")
    second = _worker(app, mailbox, tmp_root)
    try:
        _wait(lambda: mailbox.to(e.info["email"]), "the e-mail")
        _wait(lambda: [n for n in _rows(app) if n.event == "case.accepted"][0].emailed_at,
              "the row to say so")
    finally:
        second.terminate()
        second.wait(30)
    assert len(mailbox.to(e.info["email"])) == 1
    [note] = [n for n in _rows(app) if n.event == "case.accepted"]
    assert note.email_attempts == 2 and note.email_error is None


def test_two_deliveries_of_one_notification_at_once_send_one_email(app, client, enterprise, bureau, mailbox):
    from ipservice.core import jobs

    e, b, case_id = _case_filed(client, enterprise, bureau)
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    [note] = [n for n in _rows(app) if n.event == "case.accepted"]
    barrier = threading.Barrier(4)

    def deliver():
        barrier.wait(30)
        jobs.of(app).run("notifications.email", (note.id, note.user_id, note.tenant_id))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(mailbox.to(e.info["email"])) == 1
    assert [n for n in _rows(app) if n.event == "case.accepted"][0].email_attempts == 1


def test_without_a_worker_the_web_process_runs_the_jobs(app, client, enterprise, bureau, mailbox, tmp_root):
    """``flask run`` alone (IPSERVICE_QUEUE_INPROCESS, the default): the first request starts a consumer
    thread in the web process, which sends the e-mail. An app of its own, on a queue of its own."""
    from ipservice import create_app
    from tests.conftest import Api

    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI":
              app.config["SQLALCHEMY_DATABASE_URI"], "IPSERVICE_QUEUE_INPROCESS": True,
              "IPSERVICE_SMTP_URL": mailbox.url,
              # the suite's rate-limit settings: Flask-Limiter's extension is one per process, and an app made
              # with limits off would switch them off for the suite's app too (a later limit test saw no 429)
              **{k: app.config[k] for k in app.config if k.startswith(("RATELIMIT_", "RATE_LIMIT_"))},
              "QUEUE_SQLITE_FILE": str(tmp_root / "inprocess-queue.db"),
              "INSTANCE_PATH": str(tmp_root / "inproc")}
    if PG_URL:  # another Redis database than the suite's queue
        config.update(IPSERVICE_QUEUE_URL=QUEUE_URL.rsplit("/", 1)[0] + "/10", IPSERVICE_DB_APP_ROLE=APP_ROLE)
    web = create_app(config)
    from ipservice.core import jobs

    jobs.of(web).huey.flush()
    try:
        e, b, case_id = _case_filed(client, enterprise, bureau)
        other = Api(web.test_client(), b.token)
        assert other.post(f"/t/xian/api/v1/cases/{case_id}/transitions",
                          json={"to": "accepted"}).status_code == 200
        _wait(lambda: mailbox.to(e.info["email"]), "the e-mail sent by the web process's own consumer")
        thread = jobs.of(web).thread
        assert thread is not None and thread.is_alive()
    finally:  # the thread ends with the test: left running it fails on the next test's database
        jobs.stop_inprocess(web)
    assert not thread.is_alive()
