"""The job queue: work that must not hold a request (delivering notifications, digests, later imports and
large exports) runs as a job of Huey.

- The store: ``IPSERVICE_QUEUE_URL=redis://host:6379/<db>`` (RedisHuey; the database index in the URL keeps
  parallel deployments and test runs apart), otherwise a SQLite file ``queue.db`` in the instance folder
  (SqliteHuey) — nothing to set up on a fresh machine.
- Areas register jobs by name (``job(app, name, fn)``, ``periodic(app, name, fn, minutes)``); one Huey task
  runs a job by name inside an app context, so a job is a plain function of its JSON-able arguments.
- ``enqueue(name, *args)`` from a request or command queues the job **after the transaction commits** (a
  rolled-back change queues nothing; a job never runs before the row it reads exists).
- ``flask --app wsgi worker`` runs the consumer. Without a worker, ``IPSERVICE_QUEUE_INPROCESS=1`` (the
  default except under gunicorn, see ``gunicorn.conf.py``) runs a consumer thread in the web process, started
  by the first request.

Huey removes a job from the queue when a worker takes it: a worker killed mid-job loses that job. What a
job must do is therefore remembered by the database (the outbox row), and the areas' periodic sweeps queue
again whatever was not done — every job is idempotent (it claims its row with a conditional UPDATE).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
KEY = "ipservice.jobs"
PENDING = "ipservice.jobs.pending"


class Queue:
    """One app's queue: its Huey, its jobs by name, its periodic jobs."""

    def __init__(self, app, huey):
        self.app, self.huey = app, huey
        self.jobs: dict = {}
        self.periodic: list = []
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()  # set: the in-process consumer ends (stop_inprocess)
        self.lock = threading.Lock()

        @huey.task(name="ipservice.job")
        def run_job(name, args):
            self.run(name, args)

        self.task = run_job

    def run(self, name: str, args) -> None:
        fn = self.jobs.get(name)
        if fn is None:
            log.error("job %s is not known: dropped", name)
            return
        with self.app.app_context():
            fn(*args)


def make_huey(app):
    from huey import RedisHuey, SqliteHuey

    url = app.config.get("IPSERVICE_QUEUE_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("ipservice", url=url)
    if url:
        raise RuntimeError(f"IPSERVICE_QUEUE_URL {url!r}: only redis:// is understood (or unset: embedded)")
    filename = app.config.get("QUEUE_SQLITE_FILE") or str(Path(app.instance_path) / "queue.db")
    return SqliteHuey("ipservice", filename=filename)


def install(app) -> Queue:
    """The app's queue (called by the app factory before the areas register their jobs)."""
    queue = Queue(app, make_huey(app))
    app.extensions[KEY] = queue
    _listen_once()
    if app.config.get("IPSERVICE_QUEUE_INPROCESS"):
        app.before_request(lambda: start_inprocess(app))
    return queue


def of(app=None) -> Queue:
    return (app or current_app).extensions[KEY]


def job(app, name: str, fn):
    """Register ``fn(*args)`` as the job ``name`` (run in an app context, without a tenant)."""
    of(app).jobs[name] = fn
    return fn


def periodic(app, name: str, fn, minutes: int = 1, hour: str = "*", minute: str | None = None,
             catch_up: bool = False) -> None:
    """Run the job ``name`` periodically: every ``minutes`` minutes, or at ``hour``:``minute`` (UTC);
    ``catch_up``: also when a worker starts (a sweep for what a dead worker left)."""
    from huey import crontab

    queue = of(app)
    job(app, name, fn)
    schedule = crontab(minute=minute if minute is not None else f"*/{minutes}", hour=hour, strict=False)
    queue.periodic.append((name, schedule, catch_up))
    queue.huey.periodic_task(schedule, name=f"ipservice.periodic.{name}")(lambda: queue.run(name, ()))


def enqueue(name: str, *args) -> None:
    """Queue job ``name`` once the current transaction commits (nothing if it rolls back)."""
    from ipservice.extensions import db

    queue = of()
    if name not in queue.jobs:
        raise KeyError(f"no job {name!r}")
    db.session().info.setdefault(PENDING, []).append((queue, name, list(args)))


def enqueue_now(name: str, *args, app=None) -> None:
    """Queue job ``name`` now (no transaction to wait for: a periodic sweep, the command line)."""
    queue = of(app)
    queue.task(name, list(args))


def _listen_once() -> None:
    if getattr(_listen_once, "done", False):
        return
    _listen_once.done = True

    @event.listens_for(Session, "after_commit")
    def _queue_after_commit(session):
        for queue, name, args in session.info.pop(PENDING, []):
            try:
                queue.task(name, args)
            except Exception:  # the store is down: the outbox row waits for the next sweep
                log.exception("could not queue job %s; a sweep will queue it again", name)

    @event.listens_for(Session, "after_soft_rollback")
    def _forget_on_rollback(session, previous_transaction):
        if previous_transaction.parent is None:
            session.info.pop(PENDING, None)


def drain(app=None, limit: int = 1000) -> int:
    """Run every job waiting in the queue, in this process, now; the number run (tests, a worker starting)."""
    huey = of(app).huey
    done = 0
    while done < limit:
        task = huey.dequeue()
        if task is None:
            return done
        huey.execute(task)
        done += 1
    return done


def run_periodic(app=None, catch_up_only: bool = False) -> None:
    """Run the periodic jobs now, in this process (tests; a worker starting runs its catch-up jobs)."""
    queue = of(app)
    for name, _schedule, catch_up in queue.periodic:
        if catch_up or not catch_up_only:
            queue.run(name, ())


def start_inprocess(app) -> None:
    """A consumer thread in this web process (no worker deployed): takes the jobs one by one and runs the
    periodic jobs on their schedule."""
    queue = of(app)
    with queue.lock:
        if queue.thread is not None:
            return
        queue.thread = threading.Thread(target=_consume, args=(queue,), name="ipservice-jobs", daemon=True)
        queue.thread.start()
        log.info("jobs run in this web process (IPSERVICE_QUEUE_INPROCESS); "
                 "start `flask worker` to move them")


def stop_inprocess(app, timeout: float = 10) -> None:
    """End the app's consumer thread (an app that goes away before its process: a test's). Left running, it
    kept failing on a database that was gone, and its logged tracebacks (which call ``ast.parse`` on
    Python 3.11) broke another thread's ``ast.parse`` at the same moment (CPython gh-106905)."""
    queue = of(app)
    with queue.lock:
        thread, queue.thread = queue.thread, None
    if thread is not None:
        queue.stopping.set()
        thread.join(timeout)
        queue.stopping.clear()


def _consume(queue: Queue) -> None:
    last_minute = None
    while not queue.stopping.is_set():
        try:
            now = queue.huey._get_timestamp()
            minute = now.replace(second=0, microsecond=0)
            if minute != last_minute:
                last_minute = minute
                for name, schedule, _catch_up in queue.periodic:
                    if schedule(now):
                        queue.run(name, ())
            task = queue.huey.dequeue()
            if task is None:
                queue.stopping.wait(1)
                continue
            queue.huey.execute(task)
        except Exception:  # a job's failure is its own; the thread goes on
            log.exception("a job failed in the in-process consumer")
            queue.stopping.wait(1)


def consumer(app, workers: int = 1):
    """The Huey consumer of the app's queue (``flask worker``)."""
    from huey.consumer import Consumer

    return Consumer(of(app).huey, workers=workers, worker_type="thread", periodic=True)
