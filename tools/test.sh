#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, runs them on SQLite, then
# again on PostgreSQL when the server answers at 127.0.0.1:5432 (skipped, saying so, when it does not).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q --disable-pip-version-check -e '.[test]'

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline), with a
# Chinese font so that the screenshots they save can be read (and text is measured as users see it).
if { [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; } \
    && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
    || echo "note: could not install chromium or a Chinese font; browser tests may be skipped"
fi

# The topology tests (tests/topology, PostgreSQL leg) run Debian's nginx and pgbouncer as their own processes.
if { [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/pgbouncer ]; } \
    && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx pgbouncer >/dev/null) \
    || echo "note: could not install nginx or pgbouncer; the topology tests will be skipped"
fi

# axe-core (the accessibility rules the browser crawl runs in every page) from the npm registry, into a
# folder git ignores; npm itself from Debian when missing; without npm the crawl is skipped, saying so.
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null) \
    || echo "note: could not install npm; the browser crawl will be skipped"
fi
if command -v npm >/dev/null 2>&1 && [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null \
    || echo "note: could not install axe-core; the browser crawl will be skipped"
fi

# Every tenant folder loaded and validated in full: the service reads a district's folder only when the
# district is first asked for, so a broken folder is found here, before a deployment, not by its first user.
echo "== tenant folders"
python3 -m flask --app wsgi tenants check

echo "== test suite on SQLite"
python3 -m pytest -p no:cacheprovider -n 2 "$@"

PG_URL="${IPSERVICE_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
if python3 - "$PG_URL" <<'PY' 2>/dev/null
import sys
import psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
psycopg.connect(url, connect_timeout=3).close()
PY
then
  echo "== test suite on PostgreSQL ($PG_URL)"
  IPSERVICE_TEST_DATABASE_URL="$PG_URL" python3 -m pytest -p no:cacheprovider "$@"
else
  echo "== PostgreSQL at $PG_URL does not answer: the PostgreSQL run is SKIPPED"
fi
