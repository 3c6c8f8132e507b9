"""Case numbers under real concurrency: many intakes at once against a real server with several worker
processes (gunicorn; werkzeug's threaded server where gunicorn is missing), on the test database —
SQLite by default, PostgreSQL with IPSERVICE_TEST_DATABASE_URL. The numbers must be 1..N, no gap, no
duplicate; a retried request (same Idempotency-Key) files once; refused requests take no number."""
from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from ipservice.core.types import CHINA
from tests.cases.conftest import case_body

ROOT = Path(__file__).resolve().parents[2]
DISTINCT, DUPLICATE_PAIRS, REFUSED = 50, 5, 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


@pytest.fixture
def live_server(app, tmp_root):
    """The app served by gunicorn (3 worker processes x 4 threads) on the test database."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
           "IPSERVICE_UPLOAD_DIR": str(tmp_root / "uploads"), "IPSERVICE_RATELIMIT": "0",
           "IPSERVICE_DB_APP_ROLE": app.config.get("IPSERVICE_DB_APP_ROLE", "")}
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        gunicorn = None
    if gunicorn is None:  # pragma: no cover - gunicorn is a dependency; keep the test meaningful anyway
        from werkzeug.serving import make_server

        from ipservice import create_app

        server_app = create_app({**app.config, "TESTING": False})
        server = make_server("127.0.0.1", port, server_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        _wait_healthy(base)
        yield base
        server.shutdown()
        return
    conf = tmp_root / "gunicorn-empty.conf.py"
    conf.write_text("# no settings: everything on the command line\n")
    with open(tmp_root / f"gunicorn-{port}.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}", "--workers",
             "3", "--threads", "4", "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning",
             "ipservice:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(base, proc)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_concurrent_intakes_get_numbers_without_gaps_or_duplicates(app, enterprise, live_server, tmp_root):
    applicants = [enterprise("xian") for _ in range(5)]
    year = dt.datetime.now(CHINA).year
    jobs = []
    for i in range(DISTINCT):
        jobs.append(("distinct", applicants[i % 5].token, case_body(summary=f"并发案件 {i}"), None))
    for i in range(DUPLICATE_PAIRS):
        for _copy in range(2):
            jobs.append(("retry", applicants[i].token, case_body(summary=f"重试案件 {i}"), f"retry-{i}"))
    for i in range(REFUSED):
        jobs.append(("refused", applicants[i].token, case_body(right_number="202010566088.1"), None))
    barrier = threading.Barrier(len(jobs))

    def submit(job):
        kind, token, body, key = job
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        barrier.wait(timeout=60)
        r = requests.post(f"{live_server}/t/xian/api/v1/cases", json=body, headers=headers, timeout=120)
        is_json = r.headers.get("Content-Type", "").startswith("application/json")
        return kind, r.status_code, (r.json() if is_json else r.text)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(submit, jobs))

    log = "".join(p.read_text() for p in tmp_root.glob("gunicorn-*.log"))
    assert all(code != 500 for _k, code, _b in results), log
    distinct = [b for k, code, b in results if k == "distinct"]
    assert all(code == 201 for k, code, _b in results if k == "distinct"), (distinct, log)
    assert all(code == 422 for k, code, _b in results if k == "refused")
    retries = [(code, b) for k, code, b in results if k == "retry"]
    assert all(code in (201, 409) for code, _b in retries), retries  # 409: the first copy is still in flight
    expected = DISTINCT + DUPLICATE_PAIRS

    from ipservice.cases.models import Case
    from ipservice.core import numbering
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("xian"):
        rows = db.session.execute(select(Case.number, Case.seq, Case.year, Case.summary)).all()
        assert numbering.current_value("case", year) == expected
    assert len(rows) == expected
    assert sorted(r.seq for r in rows) == list(range(1, expected + 1))
    assert sorted(r.number for r in rows) == [f"XA-{year}-{n:06d}" for n in range(1, expected + 1)]
    assert len({r.summary for r in rows}) == expected  # each retried request filed once
    numbers = {b["number"] for k, code, b in results if code == 201}
    assert numbers <= {r.number for r in rows} and len(numbers) >= DISTINCT + 1
