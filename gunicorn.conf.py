"""Production worker settings for a 2-core machine, behind nginx on the same host (docs/deploy.md).

gthread workers: (2 x cores) + 1 processes of 4 threads each, for this database-bound service. A thread
reads its request itself, so a client that sends slowly holds a thread for as long as it likes: a dozen
slow clients hold every thread. That is why gunicorn listens on 127.0.0.1 only (``IPSERVICE_BIND`` to
change it) and nginx faces the clients: it reads each request whole before passing it on
(``proxy_request_buffering on``) and takes the answer at once (``proxy_buffering on``), so the workers only
ever talk to a fast local peer. The forwarded headers count only from ``IPSERVICE_TRUSTED_PROXIES``
(the app: core/proxies.py; gunicorn's own scheme handling: ``forwarded_allow_ips``, the same list).
"""
import gc
import multiprocessing
import os
import re

bind = os.environ.get("IPSERVICE_BIND", "127.0.0.1:8000")  # nginx in front; never the clients directly
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = 4
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ",".join(
    re.split(r"[\s,;]+", os.environ.get("IPSERVICE_TRUSTED_PROXIES", "127.0.0.1,::1").strip()))
# The app is made once in the master; workers are forks of it, so a worker recycled by max_requests answers
# at once (issue 14, scenario 3). Since issue 23 the app reads only each tenant folder's identity at start;
# a worker reads a district's full configuration on its first request there and keeps up to
# IPSERVICE_TENANT_CACHE of them (ipservice/tenants/store.py). Database connections are not shared: see
# post_fork.
preload_app = True
# Read by the app as it is made (before on_starting, with preload_app): the rate-limit storage warning.
os.environ.setdefault("IPSERVICE_WORKERS", str(workers))
# Under gunicorn the jobs are run by `flask --app wsgi worker` (deploy it beside gunicorn); set this to 1 to
# run them in a thread of each web worker instead (a small site without a worker).
os.environ.setdefault("IPSERVICE_QUEUE_INPROCESS", "0")


def on_starting(server):
    # The app warns at start when its rate-limit counters would not be shared by the workers.
    os.environ["IPSERVICE_WORKERS"] = str(server.cfg.workers)


def when_ready(server):
    # Everything made at start (every tenant's configuration, before issue 23) lives as long as the process: out of
    # the garbage collector's reach, so that a full collection does not walk it again every few hundred
    # requests (with 1 000 tenants one took ~0.4 s: the p95 of bench scenario 3). The workers forked after
    # this inherit it, and keep sharing its memory pages with the master.
    gc.freeze()


def post_fork(server, worker):
    # A forked worker must not use the master's pooled connections (there are none normally: the master
    # answers no request; this makes sure).
    app = server.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with app.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)
