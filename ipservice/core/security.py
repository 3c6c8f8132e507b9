"""Transport and browser security, wired once by the app factory.

- Behind reverse proxies (``IPSERVICE_PROXY_COUNT`` = how many of them add X-Forwarded-* headers),
  Werkzeug's ProxyFix takes the client address, scheme and host from the headers those proxies set, on
  requests that come from a trusted proxy (``IPSERVICE_TRUSTED_PROXIES``) and from nowhere else: without
  the setting, or from any other peer, forwarded headers are ignored (``core/proxies.py``), so a client
  cannot forge its address to dodge the rate limits or to write a false one into the audit trail.
- Served over HTTPS (``PREFERRED_URL_SCHEME=https``): the session and remember cookies are ``Secure``,
  and every HTTPS answer carries HSTS.
- A Content-Security-Policy with no inline script or style (the templates have none; a test keeps it so).
- ``Cache-Control: no-store`` on every dynamic answer: pages, API answers and exports hold personal data
  or depend on who asks; only the static assets and the published documents (``core/http_cache``: policy,
  forms, subsidy rules, the KPI table, the same for every reader) may be cached.
"""
from __future__ import annotations

import logging
import os

from flask import current_app, request

from ipservice.core import proxies

log = logging.getLogger(__name__)

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def install(app) -> None:
    proxies.install(app)
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.after_request(_headers)
    _rate_limit_storage(app)


def _rate_limit_storage(app) -> None:
    """Redis when RATELIMIT_STORAGE_URI says so; otherwise the service's database, shared by every worker.
    A store of one process (memory://) with several gunicorn workers is said loudly at start."""
    from ipservice.core import ratelimit  # registers the database+… storages with ``limits``

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = ratelimit.PREFIX + str(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["RATELIMIT_STORAGE_OPTIONS"] = _storage_options(app)
    workers = int(os.environ.get("IPSERVICE_WORKERS") or 1)  # set by gunicorn.conf.py
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and workers > 1:
        log.warning("rate limits count in each worker's memory (RATELIMIT_STORAGE_URI=%s) while %d gunicorn "
                    "workers run: every worker allows the full limit and a restart forgets it; unset "
                    "RATELIMIT_STORAGE_URI (database) or point it at Redis",
                    app.config["RATELIMIT_STORAGE_URI"], workers)


def _storage_options(app) -> dict:
    """The store's errors wrapped as ``limits``' StorageError (one error for every store: 503, in
    core/unavailable.py), and Redis's waits bounded (the database store takes the app's own timeouts:
    core/ratelimit.py). Flask-Limiter merges these into what an earlier app of the process set, so only
    options that the database and memory stores ignore are set here."""
    options = {"wrap_exceptions": True}
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss", "valkey")):
        timeout = float(app.config["IPSERVICE_REDIS_TIMEOUT"]) or None
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    return options


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={int(current_app.config['HSTS_MAX_AGE'])}; includeSubDomains")
    if request.endpoint != "static" and not getattr(response, "published_document", False):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
