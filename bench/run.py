"""The benchmark: the service against a bare Flask + SQLAlchemy baseline, in one run, on one machine.

    python3 bench/run.py --db sqlite|postgres [--quick] [--profile]

See bench/README.md for what is measured and how to read the table. Results go to
bench/results/<timestamp>-<db>.json and the table between the markers in bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

from bench import profiles as flame  # noqa: E402

PROFILE_TAG = "after"  # --profile-tag: the state the flame graphs show (issue 14: before/after)
from bench import report  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
USER_AGENT = "ipservice-bench"
SUBMIT_TENANT = "hebi"   # the tenant whose enterprises file, whose bureau lists, and that is copied x1000
HOME_TENANT = "xian"     # tenant home and KPI table (the largest KPI table)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_now() -> dict:
    one, five, fifteen = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"at": dt.datetime.now().isoformat(timespec="seconds"), "loadavg": [one, five, fifteen], "uptime": uptime}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- databases ------------------------------------------------------------------------------------------

class Database:
    """One benchmark database: a SQLite file in the work folder, or a PostgreSQL database bench_<name>."""

    def __init__(self, kind: str, name: str, workdir: Path, pg_base: str):
        self.kind, self.name = ("postgresql" if kind == "postgres" else kind), name
        if kind == "sqlite":
            self.path = workdir / f"{name}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.pg_base = pg_base.rstrip("/")
            self.dbname = f"bench_{name}"
            self.url = f"{self.pg_base}/{self.dbname}"

    def _admin(self):
        import psycopg

        return psycopg.connect(self.pg_base.replace("postgresql+psycopg://", "postgresql://") + "/postgres",
                               autocommit=True)

    def create(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            return
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.dbname}")
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'ipservice_app'").fetchone():
                conn.execute("CREATE ROLE ipservice_app NOLOGIN NOSUPERUSER NOBYPASSRLS")

    def grant_app_role(self) -> None:
        if self.kind != "postgresql":
            return
        # What production grants (ipservice.core.dbroles): tables and sequences, the append-only tables
        # without UPDATE/DELETE, and EXECUTE on the statistics functions (GET /api/v1/stats needs them).
        from sqlalchemy import create_engine

        from ipservice.core.dbroles import grant_app_role

        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                grant_app_role(conn, "ipservice_app")
        finally:
            engine.dispose()

    def connect(self):
        if self.kind == "sqlite":
            return _SqliteConn(self.path)
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    def scalar(self, sql: str, params: tuple = ()):
        with self.connect() as conn:
            return conn.execute(sql.replace("?", "%s") if self.kind != "sqlite" else sql, params).fetchone()[0]

    def analyze(self) -> None:
        with self.connect() as conn:
            conn.execute("ANALYZE")

    def drop(self) -> None:
        if self.kind == "sqlite":
            self.create()
            return
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")


class _SqliteConn:
    def __init__(self, path):
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()


def versions(db_kind: str, pg_base: str) -> dict:
    out = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    if db_kind == "postgres":
        import psycopg

        with psycopg.connect(pg_base.replace("postgresql+psycopg://", "postgresql://") + "/postgres") as conn:
            out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    try:
        out["wrk"] = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip()
    except OSError:
        out["wrk"] = None
    import gunicorn

    out["gunicorn"] = gunicorn.__version__
    return out


def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        mem = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "cpu": model, "memory": mem, "system": platform.platform()}


def git_info() -> dict:
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()

    # "dirty": the measured code (anything outside bench/) differs from the commit
    dirty = [line for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return {"commit": git("rev-parse", "HEAD"), "short": git("rev-parse", "--short", "HEAD"),
            "branch": git("rev-parse", "--abbrev-ref", "HEAD"), "dirty": bool(dirty)}


# --- processes ------------------------------------------------------------------------------------------

class Env:
    """The environment of the service's processes (server, CLI, seed) for one database."""

    def __init__(self, workdir: Path, db: Database, tenants_dir: Path | None = None, app_role: str = ""):
        self.vars = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": "bench-secret-key",
                     "DATABASE_URL": db.url, "IPSERVICE_UPLOAD_DIR": str(workdir / "uploads"),
                     "IPSERVICE_DB_APP_ROLE": app_role}
        self.vars.pop("WEB_CONCURRENCY", None)
        if tenants_dir is not None:
            self.vars["IPSERVICE_TENANTS_DIR"] = str(tenants_dir)

    def but(self, **changes) -> Env:
        clone = Env.__new__(Env)
        clone.vars = {**self.vars, **changes}
        return clone


def flask_cli(env: Env, *args, log_file: Path | None = None) -> None:
    out = open(log_file, "a") if log_file else subprocess.DEVNULL
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env.vars,
                       check=True, stdout=out, stderr=out)
    finally:
        if log_file:
            out.close()


class Server:
    """gunicorn with the project's gunicorn.conf.py (its worker model), on a free loopback port."""

    def __init__(self, name: str, app_spec: str, env: Env, workdir: Path, health: str):
        self.name, self.app_spec, self.env, self.health = name, app_spec, env, health
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        self.proc = None
        self.startup_seconds = None

    def start(self, timeout: float = 300) -> Server:
        env = self.env.but(IPSERVICE_BIND=f"127.0.0.1:{self.port}")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), self.app_spec],
            cwd=ROOT, env=env.vars, stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + self.health, timeout=5) as r:
                    if r.status == 200:
                        self.startup_seconds = round(time.monotonic() - started, 2)
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer in {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its own workers
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def login_cookie(base: str, email: str, password: str) -> str:
    """A logged-in session cookie through the login page (CSRF token and all)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": csrf}).encode()).read()
    cookie = next((c for c in jar if c.name == "session"), None)
    if cookie is None:
        raise RuntimeError(f"login of {email} failed")
    return f"session={cookie.value}"


# --- the load generator ----------------------------------------------------------------------------------

class Load:
    def __init__(self, args, workdir: Path):
        self.duration, self.warmup = args.duration, args.warmup
        self.connections, self.threads, self.rounds = args.connections, args.threads, args.rounds
        self.workdir = workdir
        self.runs: dict[str, dict] = {}
        self.nonce = 0

    def wrk(self, server: Server, method: str, path: str, seconds: float, *, body: str = "",
            tokens: list[str] | None = None, cookie: str = "", connections: int | None = None,
            header: str = "") -> dict:
        self.nonce += 1
        out = self.workdir / f"wrk-{self.nonce}.json"
        token_file = self.workdir / f"tokens-{self.nonce}.txt"
        token_file.write_text("\n".join(tokens or []) + "\n")
        env = {**os.environ, "BENCH_METHOD": method, "BENCH_PATH": path, "BENCH_BODY": body,
               "BENCH_TOKENS": str(token_file) if tokens else "", "BENCH_COOKIE": cookie,
               "BENCH_NONCE": f"R{int(time.time())}N{self.nonce}", "BENCH_OUT": str(out)}
        connections = connections or self.connections
        cmd = [WRK, f"-t{min(self.threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
               "-H", f"User-Agent: {USER_AGENT}", *(["-H", header] if header else []),
               "-s", str(BENCH / "wrk" / "scenario.lua"), server.base]
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        raw = json.loads(out.read_text())
        seconds_run = raw["duration_us"] / 1e6
        errors = sum(raw["errors"].values())
        lat = raw["latency_us"]
        return {"requests": raw["requests"], "seconds": round(seconds_run, 2),
                "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
                "errors": raw["errors"], "error_count": errors,
                "p50_ms": round(lat["p50"] / 1000, 2), "p90_ms": round(lat["p90"] / 1000, 2),
                "p95_ms": round(lat["p95"] / 1000, 2), "p99_ms": round(lat["p99"] / 1000, 2),
                "mean_ms": round(lat["mean"] / 1000, 2), "max_ms": round(lat["max"] / 1000, 2)}

    def group(self, specs: list[tuple]) -> None:
        """Measure several (name, server, method, path, options) in turn, ``rounds`` times each, so that
        what is compared shares the same moments of a shared machine's load. Per name: requests and
        seconds summed (req/s), latency percentiles the mean of the rounds' percentiles."""
        for name, server, method, path, kw in specs:
            if method == "GET":
                _probe(name, server, path, **kw)
        if self.warmup:
            for _name, server, method, path, kw in specs:
                self.wrk(server, method, path, self.warmup, **kw)
        parts: dict[str, list] = {spec[0]: [] for spec in specs}
        per_round = max(2.0, self.duration / self.rounds)
        for _round in range(self.rounds):
            for name, server, method, path, kw in specs:
                load_before = os.getloadavg()[0]
                r = self.wrk(server, method, path, per_round, **kw)
                r["load1"] = round(load_before, 2)
                parts[name].append(r)
        for name, server, method, path, _kw in specs:
            rounds = parts[name]
            requests, seconds = sum(r["requests"] for r in rounds), sum(r["seconds"] for r in rounds)
            errors = {k: sum(r["errors"][k] for r in rounds) for k in rounds[0]["errors"]}
            result = {"server": server.name, "method": method, "path": path, "requests": requests,
                      "seconds": round(seconds, 2), "rps": round(requests / seconds, 1) if seconds else 0.0,
                      "errors": errors, "error_count": sum(errors.values()),
                      **{k: round(statistics.mean(r[k] for r in rounds), 2)
                         for k in ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "mean_ms")},
                      "max_ms": max(r["max_ms"] for r in rounds),
                      "rounds": [{k: r[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "load1")} for r in rounds]}
            self.runs[name] = result
            flag = f"  ERRORS {result['errors']}" if result["error_count"] else ""
            spread = "/".join(f"{r['rps']:.0f}" for r in rounds)
            log(f"  {name:<28} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.1f}  p95 {result['p95_ms']:>7.1f}"
                f"  p99 {result['p99_ms']:>7.1f} ms  (rounds {spread}; load {rounds[0]['load1']:.1f}){flag}")


def profile(name: str, db_kind: str, server: Server, load: Load, seconds: float, method: str, path: str,
            **kw) -> dict:
    """py-spy on every worker of ``server`` while wrk drives the scenario; the SVG and its top costs."""
    svg = BENCH / "profiles" / f"{name}-{db_kind}-{PROFILE_TAG}.svg"
    spy = subprocess.Popen(["py-spy", "record", "--subprocesses", "--nonblocking", "-r", "97", "-d", str(int(seconds)),
                            "-o", str(svg), "--pid", str(server.proc.pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    load.wrk(server, method, path, seconds + 1, **kw)
    _out, err = spy.communicate(timeout=120)
    if spy.returncode != 0 or not svg.exists():
        log(f"  py-spy failed for {name}: {err.strip()[-300:]}")
        return {"svg": None, "error": err.strip()[-300:]}
    result = {"svg": str(svg.relative_to(ROOT)), **flame.analyse(svg)}
    top = ", ".join(f"{x['name']} {x['share']:.0%}" for x in result["app"][:3])
    log(f"  profile {svg.name}: {result['samples']} samples; {top}")
    return result


# --- data ------------------------------------------------------------------------------------------------

def prepare(db: Database, env: Env, workdir: Path, seed_args: list[str], kind: str = "main") -> dict:
    db.create()
    flask_cli(env.but(IPSERVICE_DB_APP_ROLE=""), "db", "upgrade", log_file=workdir / "setup.log")
    db.grant_app_role()
    creds_file = workdir / f"creds-{db.name}.json"
    with open(workdir / "setup.log", "a") as out:
        subprocess.run([sys.executable, str(BENCH / "seed.py"), kind, "--out", str(creds_file), *seed_args],
                       cwd=ROOT, env=env.but(IPSERVICE_DB_APP_ROLE="").vars, check=True, stdout=out, stderr=out)
    if kind == "main":
        from bench.baseline_app import prepare as prepare_baseline

        prepare_baseline(db.url)
    db.analyze()
    return json.loads(creds_file.read_text())


def big_tenants_dir(workdir: Path, count: int) -> Path:
    """The four tenants plus copies of the template tenant with new slugs, ``count`` in all."""
    target = workdir / "tenants-big"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "tenants", target)
    template = ROOT / "tenants" / SUBMIT_TENANT
    existing = len([p for p in target.iterdir() if p.is_dir()])
    for n in range(1, count - existing + 1):
        slug = f"{SUBMIT_TENANT}-{n:04d}"
        folder = target / slug
        shutil.copytree(template, folder)
        toml = folder / "tenant.toml"
        toml.write_text(re.sub(r'^slug = ".*"$', f'slug = "{slug}"', toml.read_text(encoding="utf-8"), count=1,
                               flags=re.M), encoding="utf-8")
    return target


def ab_measurement(env: Env, tenant: dict, creds: dict, batches: int) -> dict:
    """``bench/ab.py`` in a process of its own with the service's environment (see its docstring)."""
    spec = {"tenant": SUBMIT_TENANT, "enterprise_tokens": [e["token"] for e in tenant["enterprises"]],
            "bureau_token": tenant["bureau"]["token"], "bureau_email": tenant["bureau"]["email"],
            "password": creds["password"], "batches": batches, "batch": 10}
    done = subprocess.run([sys.executable, "-m", "bench.ab", json.dumps(spec)], cwd=ROOT, env=env.vars,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"bench/ab.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def startup_footprint(env: Env) -> dict:
    """``create_app()`` in a fresh process (what gunicorn's master does with preload_app, and any process
    of the service at boot): its wall time, the process's resident memory after it and the objects it
    made (gc-tracked)."""
    code = ("import gc, time; t = time.perf_counter(); import wsgi; s = time.perf_counter() - t; "
            "rss = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:')); "
            "print(s, rss, len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env.vars, check=True, capture_output=True,
                         text=True).stdout
    seconds, rss_kb, objects = out.strip().splitlines()[-1].split()
    return {"create_app_s": round(float(seconds), 2), "rss_mb": round(int(rss_kb) / 1024, 1),
            "objects": int(objects)}


def workers_rss_mb(server: Server) -> float | None:
    """The largest resident memory of ``server``'s gunicorn workers (the master's children), as they are."""
    pid = server.proc.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    sizes = []
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")]
    return round(max(sizes) / 1024, 1) if sizes else None


# --- the import ----------------------------------------------------------------------------------------

def _wait_rusage(proc) -> tuple[int, int]:
    """(exit status, peak resident set size in KB) of a finished child (ru_maxrss, Linux: KB)."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss


def service_import(db: Database, env: Env, workdir: Path, file: Path, rows: int, series: str, budget: float,
                   bureau_email: str) -> dict:
    """``flask import certifications`` of ``file``, stopped ``budget`` s after its first row is committed:
    rows/s from the rows committed (polled in the database every second; the end seen within 50 ms), peak
    memory of the process."""
    count_sql = ("SELECT count(*) FROM certification_records WHERE tenant_id = ? AND certificate_no LIKE ?")
    pattern = f"IMP{series}%"
    out = open(workdir / f"import-{series}.out", "w")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "import", "certifications",
                             "--tenant", SUBMIT_TENANT, "--as", bureau_email, str(file)],
                            cwd=ROOT, env=env.vars, stdout=out, stderr=subprocess.STDOUT)
    samples, first, exited_at = [], None, None

    def exited() -> bool:
        # WNOWAIT: see the end without reaping the child, so that _wait_rusage still gets its rusage
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    while True:
        # a sample every second; the end is seen within 50 ms (not at the next whole second: an import of a
        # few seconds was measured up to a second too long)
        tick = time.monotonic() + 1
        while time.monotonic() < tick and exited_at is None:
            time.sleep(0.05)
            if exited():
                exited_at = time.monotonic()
        elapsed = time.monotonic() - started
        done = exited_at is not None or exited()
        try:
            n = db.scalar(count_sql, (SUBMIT_TENANT, pattern))
        except Exception:  # noqa: BLE001 — a busy SQLite file: try again next second
            time.sleep(0.05)
            continue
        samples.append((round(elapsed, 2), n))
        if n and first is None:
            first = samples[-1]
        if done:
            break
        # the budget counts from the first committed row (reading a large file comes before it)
        if (first is not None and elapsed - first[0] > budget) or elapsed > budget + 900:
            proc.send_signal(signal.SIGTERM)
            break
    code, peak = _wait_rusage(proc)
    ended = (exited_at or time.monotonic()) - started
    out.close()
    final = db.scalar(count_sql, (SUBMIT_TENANT, pattern))
    finished = code == 0 and final == rows
    last = samples[-1]
    steady = None
    if first is not None and last[0] > first[0] and last[1] > first[1]:
        steady = (last[1] - first[1]) / (last[0] - first[0])
    result = {"rows": rows, "rows_imported": final, "finished": finished, "exit_code": code,
              "seconds": round(ended, 1), "peak_rss_mb": round(peak / 1024, 1),
              "first_row_after_s": first[0] if first else None,
              "rows_per_s_steady": round(steady, 2) if steady else None}
    if finished:
        result["rows_per_s"] = round(rows / ended, 2)
        result["extrapolated"] = False
    elif steady:
        total = (first[0] if first else 0) + rows / steady
        result["rows_per_s"] = round(rows / total, 2)
        result["estimated_total_s"] = round(total, 1)
        result["extrapolated"] = True
    else:
        result["rows_per_s"] = None
        result["extrapolated"] = True
    return result


def baseline_import(db: Database, env: Env, file: Path, rows: int, budget: float) -> dict:
    proc = subprocess.Popen([sys.executable, str(BENCH / "baseline_import.py"), db.url, str(file),
                             "--max-seconds", str(budget)], cwd=ROOT, env=env.vars, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _code, peak = _wait_rusage(proc)
    raw = json.loads(out.strip().splitlines()[-1])
    rate = raw["rows"] / raw["seconds"] if raw["seconds"] else None
    result = {"rows": rows, "rows_imported": raw["rows"], "finished": raw["finished"], "seconds": raw["seconds"],
              "peak_rss_mb": round(peak / 1024, 1), "rows_per_s": round(rate, 1) if rate else None,
              "extrapolated": not raw["finished"]}
    if not raw["finished"] and rate:
        result["estimated_total_s"] = round(rows / rate, 1)
    return result


# --- the run ---------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description="ipservice benchmark against a bare Flask + SQLAlchemy baseline")
    p.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--quick", action="store_true", help="a few minutes: short runs, 200 tenants in scenario 3, smaller import files")
    p.add_argument("--duration", type=float, help="seconds per measured run (default 15, quick 5)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each run (default 2, quick 1)")
    p.add_argument("--rounds", type=int, help="interleaved rounds per comparison (default 3, quick 1)")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--scenarios", default="1,2,3,4,5,6", help="which scenarios, e.g. 1,2")
    p.add_argument("--big-tenants", type=int, help="scenario 3: tenants (default 1000, quick 200)")
    p.add_argument("--big-filings", type=int, help="scenario 3: filings in every other tenant (default 1000, quick 200); the listed tenant has as many as in the 4-tenant database")
    p.add_argument("--import-rows", help="sizes of the import files (default 10000,100000; quick 1000,10000)")
    p.add_argument("--import-budget", type=float,
                   help="seconds each import may run before its rate is extrapolated (default 30, quick 10)")
    p.add_argument("--profile", action="store_true", help="also record py-spy flame graphs into bench/profiles/")
    p.add_argument("--profile-seconds", type=float, default=12)
    p.add_argument("--profile-tag", default="after",
                   help="flame graphs are profiles/<scenario>-<db>-<tag>.svg (the *-before.svg ones are kept)")
    p.add_argument("--pg-url", default=os.environ.get("IPSERVICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"),
                   help="PostgreSQL server (databases bench_main and bench_big are created there)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (databases, logs)")
    p.add_argument("--no-readme", action="store_true", help="do not rewrite the table in bench/README.md")
    args = p.parse_args(argv)
    args.duration = args.duration or (5 if args.quick else 15)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    args.big_tenants = args.big_tenants or (200 if args.quick else 1000)
    args.big_filings = args.big_filings or (200 if args.quick else 1000)
    args.import_rows = [int(x) for x in (args.import_rows or ("1000,10000" if args.quick else "10000,100000")).split(",")]
    args.import_budget = args.import_budget or (10 if args.quick else 30)
    args.scenarios = {int(x) for x in args.scenarios.split(",") if x.strip()}
    if args.db == "sqlite":
        args.scenarios.discard(4)  # row-level security is PostgreSQL's
    return args


def main(argv=None) -> Path:
    args = parse_args(argv)
    if not Path(WRK).exists():
        sys.exit("wrk is needed: apt-get install wrk")
    global PROFILE_TAG
    PROFILE_TAG = args.profile_tag
    if args.profile and not shutil.which("py-spy"):
        sys.exit("--profile needs py-spy: python3 -m pip install py-spy")
    workdir = Path(tempfile.mkdtemp(prefix=f"ipservice-bench-{args.db}-"))
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "profiles").mkdir(exist_ok=True)
    started_at = dt.datetime.now()
    result = {"started_at": started_at.isoformat(timespec="seconds"), "db": args.db, "quick": args.quick,
              "machine": machine(), "versions": versions(args.db, args.pg_url), "git": git_info(),
              "load": {"before": load_now()},
              "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                           "wrk_threads": args.threads, "gunicorn": _gunicorn_settings(),
                           "big_tenants": args.big_tenants, "big_filings": args.big_filings,
                           "import_rows": args.import_rows, "import_budget_s": args.import_budget},
              "runs": {}, "profiles": {}, "notes": []}
    log(f"work folder {workdir}; machine load: {result['load']['before']['uptime']}")
    load = Load(args, workdir)
    servers: list[Server] = []
    production_role = "ipservice_app" if args.db == "postgres" else ""
    try:
        db = Database(args.db, "main", workdir, args.pg_url)
        env = Env(workdir, db, app_role=production_role)
        seed_args = ["--bench-enterprises", "10" if args.quick else "40"]
        log("preparing the database: migrations, accounts, a year of filings in every tenant")
        creds = prepare(db, env, workdir, seed_args)
        result["seed"] = {"seconds": creds["seconds"], "per_tenant": creds["counts"]}
        tenant = creds["tenants"][SUBMIT_TENANT]
        enterprise_tokens = [e["token"] for e in tenant["enterprises"]]
        bureau_token = tenant["bureau"]["token"]
        list_api = f"/t/{SUBMIT_TENANT}/api/v1/certifications?status=submitted"
        list_page = f"/t/{SUBMIT_TENANT}/certifications/?status=submitted"

        baseline = Server("baseline", "bench.baseline_app:app",
                          env.but(IPSERVICE_DB_APP_ROLE="", BENCH_SAME_ROLE=production_role), workdir, "/health")
        service = Server("service", "wsgi:app", env, workdir, "/api/v1/health")
        servers += [baseline, service]
        baseline.start()
        service.start()
        result["startup"] = {"tenants_4": {"first_answer_s": service.startup_seconds, **startup_footprint(env)}}
        cookies = {"bureau": login_cookie(service.base, tenant["bureau"]["email"], creds["password"]),
                   "home_bureau": login_cookie(service.base, creds["tenants"][HOME_TENANT]["bureau"]["email"],
                                               creds["password"]),
                   "cross_admin": login_cookie(service.base, creds["cross_admin"]["email"], creds["password"])}
        submit_cert = ("POST", f"/t/{SUBMIT_TENANT}/api/v1/certifications",
                       {"body": "certification", "tokens": enterprise_tokens})
        submit_case = ("POST", f"/t/{SUBMIT_TENANT}/api/v1/cases", {"body": "case", "tokens": enterprise_tokens})
        get_list_api = ("GET", list_api, {"tokens": [bureau_token]})
        get_list_page = ("GET", list_page, {"cookie": cookies["bureau"]})
        kpi_path = f"/t/{HOME_TENANT}/api/v1/kpis?year={started_at.year}"

        # Lists first, before the submissions add to the list's tenant (scenario 3 compares the same list).
        if 2 in args.scenarios:
            log("scenario 2: the bureau's filtered list vs the baseline's 50-row select")
            load.group([("baseline_select", baseline, "GET", "/select", {}),
                        ("list_api", service, *get_list_api), ("list_page", service, *get_list_page)])
            if args.profile:
                result["profiles"]["list-api"] = profile("list-api", args.db, service, load, args.profile_seconds,
                                                         *get_list_api[:2], **get_list_api[2])
                result["profiles"]["list-page"] = profile("list-page", args.db, service, load, args.profile_seconds,
                                                          *get_list_page[:2], **get_list_page[2])
        if 6 in args.scenarios:
            log("scenario 6: tenant home, KPI table, statistics with a year of filings")
            load.group([("home_page", service, "GET", f"/t/{HOME_TENANT}/worklist", {"cookie": cookies["home_bureau"]}),
                        ("kpi_api", service, "GET", kpi_path, {}),
                        ("stats_page", service, "GET", "/stats", {"cookie": cookies["cross_admin"]}),
                        ("stats_api", service, "GET", "/api/v1/stats", {"tokens": [creds["cross_admin"]["token"]]})])
            # a published document (core/http_cache.py): its body, and its revalidation by a client that has it
            policy = f"/t/{SUBMIT_TENANT}/api/v1/policy"
            with urllib.request.urlopen(service.base + policy, timeout=30) as r:
                etag = r.headers["ETag"]
            load.group([("policy_doc", service, "GET", policy, {}),
                        ("policy_doc_304", service, "GET", policy, {"header": f"If-None-Match: {etag}"})])
            if args.profile:
                result["profiles"]["kpi"] = profile("kpi", args.db, service, load, args.profile_seconds, "GET", kpi_path)
        if 3 in args.scenarios:
            log(f"scenario 3: {args.big_tenants} tenants x {args.big_filings} filings vs 4 tenants")
            big_db = Database(args.db, "big", workdir, args.pg_url)
            tenants_dir = big_tenants_dir(workdir, args.big_tenants)
            big_env = Env(workdir, big_db, tenants_dir, app_role=production_role)
            t0 = time.monotonic()
            big_creds = prepare(big_db, big_env, workdir, [*seed_args, "--copies", str(args.big_filings)], kind="big")
            result["big"] = {"prepare_s": round(time.monotonic() - t0, 1), "copy_s": big_creds["copy_seconds"],
                             "tenants": big_creds["tenant_count"],
                             "filings": big_db.scalar("SELECT count(*) FROM certification_records"),
                             "list_tenant_filings": big_db.scalar(
                                 "SELECT count(*) FROM certification_records WHERE tenant_id = ?", (SUBMIT_TENANT,))}
            log(f"  {result['big']['filings']} filings in {result['big']['tenants']} tenants "
                f"(prepared in {result['big']['prepare_s']} s)")
            big = Server("service-big", "wsgi:app", big_env, workdir, "/api/v1/health")
            servers.append(big)
            big.start(timeout=900)
            # create_app() with 4 and with N tenants in turns, 3 times each, the median of each: the two
            # sides share the machine's moments (it is shared and loaded), as the load runs do
            turns = {"tenants_4": [], f"tenants_{args.big_tenants}": []}
            for _ in range(3):
                for key, side_env in (("tenants_4", env), (f"tenants_{args.big_tenants}", big_env)):
                    turns[key].append(startup_footprint(side_env))
            result["startup"]["turns"] = turns
            result["startup"][f"tenants_{args.big_tenants}"] = {"first_answer_s": big.startup_seconds}
            for key, measured in turns.items():
                middle = sorted(measured, key=lambda m: m["create_app_s"])[1]
                result["startup"][key].update(middle)
            log(f"  start-up: {result['startup'][f'tenants_{args.big_tenants}']}")
            big_tenant = big_creds["tenants"][SUBMIT_TENANT]
            big_cookie = login_cookie(big.base, big_tenant["bureau"]["email"], big_creds["password"])
            big_api = ("GET", list_api, {"tokens": [big_tenant["bureau"]["token"]]})
            big_page = ("GET", list_page, {"cookie": big_cookie})
            load.group([("list_api_4", service, *get_list_api), ("list_api_big", big, *big_api),
                        ("list_page_4", service, *get_list_page), ("list_page_big", big, *big_page)])
            # the same with one connection: each request's own latency, no queueing behind the others
            one = {"connections": 1}
            load.group([("list_api_4_c1", service, *get_list_api[:2], {**get_list_api[2], **one}),
                        ("list_api_big_c1", big, *big_api[:2], {**big_api[2], **one}),
                        ("list_page_4_c1", service, *get_list_page[:2], {**get_list_page[2], **one}),
                        ("list_page_big_c1", big, *big_page[:2], {**big_page[2], **one})])
            # each side's workers after serving the same lists (a worker holds the tenants it served)
            for key, server in (("tenants_4", service), (f"tenants_{args.big_tenants}", big)):
                result["startup"][key]["worker_rss_mb"] = workers_rss_mb(server)
            log(f"  workers' RSS after the lists: {result['startup']}")
            big.stop()
            if not args.keep:
                big_db.drop()
        if 1 in args.scenarios:
            log("scenario 1: submitting a filing vs the baseline's single-row insert")
            load.group([("baseline_insert", baseline, "POST", "/insert", {"body": "baseline"}),
                        ("same_statements", baseline, "POST", f"/same/t/{SUBMIT_TENANT}/certifications",
                         {"body": "certification", "tokens": enterprise_tokens}),
                        ("certification_submit", service, *submit_cert), ("case_submit", service, *submit_case)])
            _check_created(db, result)
            if args.profile:
                result["profiles"]["submit-certification"] = profile(
                    "submit-certification", args.db, service, load, args.profile_seconds, *submit_cert[:2],
                    **submit_cert[2])
                result["profiles"]["submit-case"] = profile(
                    "submit-case", args.db, service, load, args.profile_seconds, *submit_case[:2], **submit_case[2])
        if 4 in args.scenarios:
            log("scenario 4: row-level security with the app role vs the schema owner without it")
            owner = Server("service-owner", "wsgi:app", env.but(IPSERVICE_DB_APP_ROLE=""), workdir, "/api/v1/health")
            servers.append(owner)
            owner.start()
            specs = [("certification_submit", submit_cert), ("list_api", get_list_api)]
            if not args.quick:
                specs += [("case_submit", submit_case), ("list_page", get_list_page)]
            group = []
            for name, (method, path, kw) in specs:
                group += [(f"{name}_rls", service, method, path, kw), (f"{name}_owner", owner, method, path, kw)]
            load.group(group)
            owner.stop()
            log("scenario 4, in-process: the same requests one at a time, RLS and owner in alternating batches")
            result["ab"] = ab_measurement(env, tenant, creds, batches=10 if args.quick else 40)
            for name, m in result["ab"]["kinds"].items():
                log(f"  {name:<24} RLS {m['rls_ms']:7.2f} ms  owner {m['owner_ms']:7.2f} ms  ratio {m['ratio']:.0%}")
        service.stop()
        baseline.stop()

        if 5 in args.scenarios:
            log(f"scenario 5: bulk import of {', '.join(map(str, args.import_rows))} rows "
                f"(each stopped after {args.import_budget:.0f} s and extrapolated)")
            result["import"] = _imports(args, db, env, workdir, tenant["bureau"]["email"], result)
    finally:
        for s in servers:
            s.stop()
    result["runs"] = load.runs
    result["load"]["after"] = load_now()
    result["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    result["scenarios"] = report.scenarios(result)
    out = BENCH / "results" / f"{started_at.strftime('%Y%m%dT%H%M%S')}-{args.db}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    log(f"results: {out.relative_to(ROOT)}")
    for row in result["scenarios"]:
        log(f"  {row['id']:<4} {row['title']:<58} {row['value_text']:>12}  target {row['target_text']:<10} "
            f"{row['verdict']}")
    if not args.no_readme:
        report.update_readme()
    if args.keep:
        log(f"kept {workdir}")
    else:
        if args.db == "postgres":
            db.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def _gunicorn_settings() -> dict:
    ns: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
         {"__name__": "gunicorn_conf", **ns}, ns)
    return {"workers": ns["workers"], "threads": ns["threads"], "worker_class": ns["worker_class"],
            "max_requests": ns["max_requests"]}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _probe(name: str, server: Server, path: str, *, tokens: list[str] | None = None, cookie: str = "",
           header: str = "", **_other) -> None:
    """One request as wrk will send it: what is measured must be the page itself, not a redirect to it or
    an error page (wrk counts neither; the list page's URL without its trailing slash was a 308 once)."""
    req = urllib.request.Request(server.base + path, headers={"User-Agent": USER_AGENT})
    if tokens:
        req.add_header("Authorization", f"Bearer {tokens[0]}")
    if cookie:
        req.add_header("Cookie", cookie)
    if header:
        key, _sep, value = header.partition(":")
        req.add_header(key.strip(), value.strip())
    try:
        status = urllib.request.build_opener(_NoRedirect).open(req, timeout=60).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    expected = 304 if header.lower().startswith("if-none-match") else 200
    if status != expected:
        raise SystemExit(f"{name}: GET {path} answers {status}, not {expected}: the run would measure that")


def _check_created(db: Database, result: dict) -> None:
    """Every accepted POST filed something: the rows in the database match the requests answered."""
    made = db.scalar("SELECT count(*) FROM certification_records WHERE tenant_id = ? AND certificate_no LIKE ?",
                     (SUBMIT_TENANT, "BN%"))
    result["checks"] = {"certifications_filed": made}


def _imports(args, db: Database, env: Env, workdir: Path, bureau_email: str, result: dict) -> dict:
    from bench.ledger import write_ledger

    out = {"sizes": {}}
    series = iter(["AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH"])
    for rows in args.import_rows:
        s = next(series)
        t0 = time.monotonic()
        file = write_ledger(workdir / f"ledger-{rows}.xlsx", rows, s)
        size = {"file_mb": round(file.stat().st_size / 1e6, 2), "generate_s": round(time.monotonic() - t0, 1)}
        size["baseline"] = baseline_import(db, env, file, rows, args.import_budget)
        log(f"  {rows} rows, row-per-commit baseline: {size['baseline']['rows_per_s']} rows/s, "
            f"{size['baseline']['peak_rss_mb']} MB{' (extrapolated)' if size['baseline']['extrapolated'] else ''}")
        size["service"] = service_import(db, env, workdir, file, rows, s, args.import_budget, bureau_email)
        svc = size["service"]
        log(f"  {rows} rows, flask import certifications: {svc['rows_per_s']} rows/s "
            f"({svc['rows_imported']} imported in {svc['seconds']} s, first row after {svc['first_row_after_s']} s), "
            f"{svc['peak_rss_mb']} MB{' (extrapolated)' if svc['extrapolated'] else ''}")
        out["sizes"][str(rows)] = size
    if args.profile:
        s = next(series)
        file = write_ledger(workdir / "ledger-profile.xlsx", 20000, s)
        svg = BENCH / "profiles" / f"import-{args.db}-{PROFILE_TAG}.svg"
        log(f"  profiling the import ({args.profile_seconds:.0f} s)")
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "import", "certifications",
                                 "--tenant", SUBMIT_TENANT, "--as", bureau_email, str(file)],
                                cwd=ROOT, env=env.vars, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        waited = time.monotonic()  # profile the rows, not the start-up: wait for the first row
        while proc.poll() is None and time.monotonic() - waited < 120 and not db.scalar(
                "SELECT count(*) FROM certification_records WHERE certificate_no LIKE ?", (f"IMP{s}%",)):
            time.sleep(0.5)
        subprocess.run(["py-spy", "record", "-r", "97", "-d", str(int(args.profile_seconds)), "-o", str(svg),
                        "--pid", str(proc.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if svg.exists():
            result["profiles"]["import"] = {"svg": str(svg.relative_to(ROOT)), **flame.analyse(svg)}
    return out


if __name__ == "__main__":
    main()
