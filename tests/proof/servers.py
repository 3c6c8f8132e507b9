"""Real servers for the fault tests: gunicorn serving this checkout, and a throwaway PostgreSQL cluster
(never the shared server: it is restarted by the tests)."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``ipservice:create_app()`` under gunicorn (gthread workers) on ``database_url``."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2, threads: int = 4,
                 app_role: str = ""):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                    "IPSERVICE_INSTANCE_PATH": str(workdir / "instance"),
                    "IPSERVICE_UPLOAD_DIR": str(workdir / "uploads"), "IPSERVICE_RATELIMIT": "0",
                    "IPSERVICE_DB_APP_ROLE": app_role, "IPSERVICE_RETRY_AFTER": "2"}
        self.args = [sys.executable, "-m", "gunicorn", "-c", str(self._empty_conf()), "--bind",
                     f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", str(threads),
                     "--worker-class", "gthread", "--timeout", "30", "--graceful-timeout", "5",
                     "--log-level", "warning", "ipservice:create_app()"]
        self.proc = None

    def _empty_conf(self) -> Path:
        conf = self.workdir / "gunicorn-empty.conf.py"
        conf.write_text("# no settings: everything on the command line\n")
        return conf

    def __enter__(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.wait_until(lambda: requests.get(self.base + "/api/v1/tenants", timeout=2).status_code == 200, 90)
        self.wait_until(lambda: len(self.workers()) == self.expected_workers, 30)
        return self

    @property
    def expected_workers(self) -> int:
        return int(self.args[self.args.index("--workers") + 1])

    def wait_until(self, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout}s:\n{self.log_text()}")

    def workers(self) -> set[int]:
        """The master's worker processes (from /proc)."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                pids.add(int(stat.parent.name))
        return pids

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-5000:]

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port, run by a non-root user
    (``initdb`` refuses root: as root it runs as ``postgres``). ``unavailable()`` says why it cannot."""

    def __init__(self):
        self.bin = pg_bin()
        self.port = free_port()
        self.dir = None
        self.user = None

    def unavailable(self) -> str | None:
        if self.bin is None:
            return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run initdb as"
            if shutil.which("runuser") is None:
                return "running as root without runuser to run initdb as 'postgres'"
            self.user = "postgres"
        return None

    def _run(self, *args, check=True, timeout=60):
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ipservice-pg-"))
        if self.user:
            shutil.chown(self.dir, self.user, self.user)
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.start()
        return self

    def start(self):
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast"):
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "-t", "60", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, writers)."""
        postmaster = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return [postmaster, *children]

    def freeze(self) -> list[int]:
        """SIGSTOP the whole cluster: a hung database (it neither answers nor refuses). Returns the pids for
        ``thaw``; a backend started later cannot start while its postmaster is stopped."""
        pids = self.processes()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def __exit__(self, *exc):
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
