"""Production worker settings for a 2-core machine.

Sync workers suit this I/O-light, database-bound service: (2 x cores) + 1 workers, each with a few
threads so that a slow upload does not block the worker.
"""
import multiprocessing
import os

bind = os.environ.get("IPSERVICE_BIND", "0.0.0.0:8000")
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
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    # The app warns at start when its rate-limit counters would not be shared by the workers.
    os.environ["IPSERVICE_WORKERS"] = str(server.cfg.workers)
