"""Configuration from the environment; every setting has a default that works on a fresh machine."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    # On PostgreSQL, each transaction runs as this role (SET LOCAL ROLE) so that row-level security
    # applies even when the connection itself is the schema owner. Empty: use the connection's role.
    IPSERVICE_DB_APP_ROLE = os.environ.get("IPSERVICE_DB_APP_ROLE", "")
    # A connection is checked before each use, so after a database restart the next request reconnects.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # While the database is unreachable every request is 503 with this Retry-After (core/unavailable.py).
    RETRY_AFTER_SECONDS = int(os.environ.get("IPSERVICE_RETRY_AFTER", "5"))
    # Timeouts, in seconds (core/dbtimeouts.py): a database that hangs is answered 503 in seconds, never a
    # worker that hangs with it. 0 turns one off. PostgreSQL: connecting (libpq connect_timeout), a statement
    # (statement_timeout, and the client gives up one second later: a frozen server cancels nothing), waiting
    # for a row or table lock (lock_timeout); the pool's wait for a free connection; the readiness check
    # (/api/v1/health/ready) as a whole. SQLite: how long a writer waits for the file's lock (busy_timeout).
    IPSERVICE_DB_CONNECT_TIMEOUT = float(os.environ.get("IPSERVICE_DB_CONNECT_TIMEOUT", "3"))
    IPSERVICE_DB_STATEMENT_TIMEOUT = float(os.environ.get("IPSERVICE_DB_STATEMENT_TIMEOUT", "10"))
    IPSERVICE_DB_LOCK_TIMEOUT = float(os.environ.get("IPSERVICE_DB_LOCK_TIMEOUT", "5"))
    IPSERVICE_DB_POOL_TIMEOUT = float(os.environ.get("IPSERVICE_DB_POOL_TIMEOUT", "5"))
    IPSERVICE_DB_READY_TIMEOUT = float(os.environ.get("IPSERVICE_DB_READY_TIMEOUT", "2"))
    # psycopg prepares a statement on the server once it has run this many times on a connection. Off by
    # default: behind pgbouncer in transaction mode (docs/deploy.md) before 1.21, or without its
    # max_prepared_statements, the next transaction of the connection lands on another server connection,
    # where the statement "does not exist" (or "already exists"): a 500. Set a number (psycopg's own
    # default is 5) only on a direct connection or a pgbouncer that tracks prepared statements.
    IPSERVICE_DB_PREPARE_THRESHOLD = os.environ.get("IPSERVICE_DB_PREPARE_THRESHOLD", "")
    IPSERVICE_SQLITE_BUSY_TIMEOUT = float(os.environ.get("IPSERVICE_SQLITE_BUSY_TIMEOUT", "10"))
    # Rate-limit store in Redis: connecting and each command (seconds).
    IPSERVICE_REDIS_TIMEOUT = float(os.environ.get("IPSERVICE_REDIS_TIMEOUT", "2"))
    TENANTS_DIR = os.environ.get("IPSERVICE_TENANTS_DIR", str(ROOT / "tenants"))
    # Tenants are read on demand (tenants/store.py): at start only each folder's identity; a tenant's full
    # configuration on its first use, kept in an LRU cache of this many tenants per process.
    IPSERVICE_TENANT_CACHE = int(os.environ.get("IPSERVICE_TENANT_CACHE", "256"))
    # 1: every folder loaded and checked at start, the first broken one stopping it (as before on-demand
    # loading); 0: a broken folder makes its own district answer 503 and the others serve. Unset: strict
    # when TESTING. `flask --app wsgi tenants check` checks every folder before a deployment either way.
    IPSERVICE_TENANTS_STRICT = {"1": True, "0": False}.get(os.environ.get("IPSERVICE_TENANTS_STRICT", ""))
    SEEDS_DIR = os.environ.get("IPSERVICE_SEEDS_DIR", str(ROOT.parent / "shared" / "seeds"))
    TRANSLATIONS_DIR = str(ROOT / "translations")
    UPLOAD_DIR = os.environ.get("IPSERVICE_UPLOAD_DIR", "")
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # 10 MB attachments plus multipart overhead
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # A JSON body (or any body that is not a form) is refused above this size (413) and above this many
    # object keys at any depth (422), before it is parsed into schema errors (core/request_guard.py).
    MAX_JSON_BYTES = int(os.environ.get("IPSERVICE_MAX_JSON_BYTES", str(1024 * 1024)))
    MAX_JSON_KEYS = int(os.environ.get("IPSERVICE_MAX_JSON_KEYS", "200"))
    TOKEN_TTL_HOURS = int(os.environ.get("IPSERVICE_TOKEN_TTL_HOURS", "12"))
    # How long an approved claim's code proves the claimant's e-mail (ipservice.organizations.completion).
    CLAIM_CODE_TTL_HOURS = int(os.environ.get("IPSERVICE_CLAIM_CODE_TTL_HOURS", "72"))
    # A password-reset link: one hour (it gives the account). A verification link: seven days — it proves the
    # address and gives nothing else, and a registration mail may lie unread over a week of holidays.
    RESET_LINK_TTL_MINUTES = int(os.environ.get("IPSERVICE_RESET_LINK_TTL_MINUTES", "60"))
    VERIFY_LINK_TTL_HOURS = int(os.environ.get("IPSERVICE_VERIFY_LINK_TTL_HOURS", str(7 * 24)))
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    API_TITLE = "ipservice"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {"components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
    # Served over HTTPS (behind nginx): "https" makes the cookies Secure; HSTS goes with every HTTPS answer.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # How many reverse proxies in front add X-Forwarded-For/-Proto/-Host (nginx alone: 1). 0: none trusted.
    IPSERVICE_PROXY_COUNT = int(os.environ.get("IPSERVICE_PROXY_COUNT", "0"))
    # The peers whose X-Forwarded-* headers count (addresses or networks, separated by commas or spaces):
    # a request from any other address is taken at its own address, whatever it sends (core/proxies.py).
    IPSERVICE_TRUSTED_PROXIES = os.environ.get("IPSERVICE_TRUSTED_PROXIES", "127.0.0.1,::1")
    HSTS_MAX_AGE = int(os.environ.get("IPSERVICE_HSTS_MAX_AGE", str(365 * 24 * 3600)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A form's CSRF token is good for this many seconds (Flask-WTF); a login renews it.
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("IPSERVICE_CSRF_TIME_LIMIT", str(4 * 3600)))
    RATELIMIT_ENABLED = os.environ.get("IPSERVICE_RATELIMIT", "1") == "1"
    # Where the counters live: Redis when set (redis://host:6379/0), otherwise the service's own database
    # (database://, ipservice.core.ratelimit), so that every worker and every restart shares them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_HEADERS_ENABLED = True
    # Per client address (behind nginx, the address ProxyFix takes from X-Forwarded-For), for the login page
    # and the token endpoint together.
    RATE_LIMIT_LOGIN = os.environ.get("IPSERVICE_RATE_LIMIT_LOGIN", "30 per minute")
    # Failed logins per account (e-mail), whatever the address: a slow guesser spread over many addresses.
    RATE_LIMIT_LOGIN_ACCOUNT = os.environ.get("IPSERVICE_RATE_LIMIT_LOGIN_ACCOUNT", "10 per 15 minutes")
    # Password-reset requests for one typed e-mail (known or not: the same count), from any address.
    RATE_LIMIT_RESET_ACCOUNT = os.environ.get("IPSERVICE_RATE_LIMIT_RESET_ACCOUNT", "5 per hour")
    RATE_LIMIT_REGISTER = os.environ.get("IPSERVICE_RATE_LIMIT_REGISTER", "20 per minute")
    # Registrations refused for an unusable e-mail or a registered USCC, per address (enumeration).
    RATE_LIMIT_REGISTER_REFUSED = os.environ.get("IPSERVICE_RATE_LIMIT_REGISTER_REFUSED", "10 per hour")
    JSON_SORT_KEYS = False
    # The job queue (ipservice.core.jobs): redis://host:6379/<db>, or empty for a SQLite file in the instance
    # folder. IPSERVICE_QUEUE_INPROCESS=1 runs the jobs in a thread of the web process (no worker started);
    # gunicorn.conf.py turns it off by default, for `flask --app wsgi worker` to run them.
    IPSERVICE_QUEUE_URL = os.environ.get("IPSERVICE_QUEUE_URL", "")
    QUEUE_SQLITE_FILE = os.environ.get("IPSERVICE_QUEUE_FILE", "")  # default: queue.db in the instance folder
    IPSERVICE_QUEUE_INPROCESS = os.environ.get("IPSERVICE_QUEUE_INPROCESS", "1") == "1"
    # An export of more rows than this is built by a job (ipservice.exporting), not in the request.
    EXPORT_JOB_ROWS = int(os.environ.get("IPSERVICE_EXPORT_JOB_ROWS", "10000"))
    # E-mail (ipservice.core.mail): smtp://host:port, smtps://…, ?starttls=1, user:password@; empty: no
    # e-mail.
    IPSERVICE_SMTP_URL = os.environ.get("IPSERVICE_SMTP_URL", "")
    IPSERVICE_MAIL_FROM = os.environ.get("IPSERVICE_MAIL_FROM", "ipservice@localhost")
    # Where links in e-mails point (the service's public address); empty: http://localhost:5000.
    IPSERVICE_BASE_URL = os.environ.get("IPSERVICE_BASE_URL", "")
    # A failed e-mail is tried again after this many seconds, doubled per attempt (at most an hour); a
    # delivery a worker took and did not finish is taken again after the lease.
    MAIL_RETRY_SECONDS = int(os.environ.get("IPSERVICE_MAIL_RETRY_SECONDS", "60"))
    MAIL_LEASE_SECONDS = int(os.environ.get("IPSERVICE_MAIL_LEASE_SECONDS", "300"))
    # Imports from a page (ipservice.importing): the largest workbook taken, and how long a job holds an
    # import between two chunks before the sweep gives it to another worker (it died); tries before it is
    # failed.
    IMPORT_MAX_BYTES = int(os.environ.get("IPSERVICE_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
    IMPORT_LEASE_SECONDS = int(os.environ.get("IPSERVICE_IMPORT_LEASE_SECONDS", "600"))
    IMPORT_MAX_ATTEMPTS = 3
