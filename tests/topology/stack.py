"""The production shape of docs/deploy.md, run on loopback: nginx (TLS) in front of two gunicorn nodes of
the service, one pgbouncer in transaction mode between them and PostgreSQL, Redis for the limits.

Every configuration file is GENERATED from the fenced blocks of ``docs/deploy.md`` — the nginx server
blocks, ``pgbouncer.ini`` and its ``userlist.txt``, ``/etc/ipservice/env`` — with only addresses, ports,
paths, names and secrets substituted (``Stack.generate``): what the doc shows is what was tested. The
generated files stay in the stack's folder while it runs (``Stack.dir``); the processes are the test's own
(never the system services), on free loopback ports, and all stopped at the end.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.proof.servers import ROOT, free_port

DOC = ROOT / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
SECRET = "topology-secret-the-same-on-every-node"
WAIT = 90  # seconds: a start on a loaded machine


def missing() -> str | None:
    """Why the topology cannot run here (None: it can)."""
    for name, path in (("nginx", NGINX), ("pgbouncer", PGBOUNCER), ("openssl", shutil.which("openssl"))):
        if not path or not os.access(path, os.X_OK):
            return f"{name} is not installed (apt-get install -y nginx pgbouncer; tools/test.sh does as root)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run pgbouncer as (it refuses root)"
    return None


# --- the doc's blocks -------------------------------------------------------------------------------------

def doc_block(first_line: str | None = None, info: str | None = None) -> str:
    """The fenced block of docs/deploy.md that starts with ``first_line`` (or whose info string is
    ``info``)."""
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                                 re.MULTILINE | re.DOTALL):
        if (info is not None and lang == info) or (first_line is not None and body.startswith(first_line)):
            return body
    raise LookupError(f"docs/deploy.md has no block {first_line or info!r}")


def _set(text: str, key: str, value: str) -> str:
    """``key = …`` (ini) or ``KEY=…`` (env) given ``value``; the doc must have the key."""
    pattern = re.compile(rf"^({re.escape(key)}\s*=\s*)([^;#\n]*?)(\s*([;#].*)?)$", re.MULTILINE)
    assert pattern.search(text), f"docs/deploy.md: {key} is not in the block any more"
    return pattern.sub(lambda m: m.group(1) + value + m.group(3), text, count=1)


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"docs/deploy.md: {old!r} is not in the block any more"
    return text.replace(old, new)


# --- the processes ----------------------------------------------------------------------------------------

class Process:
    def __init__(self, name: str, args: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT):
        self.name, self.args, self.log_path, self.env, self.cwd = name, args, log, env, cwd
        self.proc = None

    def start(self) -> None:
        self.log = open(self.log_path, "a")  # noqa: SIM115 - open while the process runs, closed by stop()
        # a group of its own: the node's master and workers die together (SIGKILL of the whole node)
        self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.kill(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # a worker its master left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
        self.proc = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def wait_until(self, ready, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.log_text()}")
            try:
                if ready():
                    return
            except (requests.RequestException, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_text()}")


class Stack:
    """nginx → node 0, node 1 (gunicorn, gunicorn.conf.py) → pgbouncer → the database at ``owner_url``'s
    server and database, as ``role`` (LOGIN, ``password``); Redis db ``redis_db`` for the limits.

    The job queue's worker runs beside the nodes (``Stack.worker``), from the unit file the doc shows and the
    same env file; the queue is Redis db ``queue_db``, mail goes to ``smtp_url``."""

    def __init__(self, owner_url: str, role: str, password: str, redis_db: int = 14, pool_size: int = 5,
                 nodes: int = 2, env: dict | None = None, queue_db: int = 13, smtp_url: str = ""):
        self.dir = Path(tempfile.mkdtemp(prefix="ipservice-topology-"))
        os.chmod(self.dir, 0o755)
        self.target = urlsplit(owner_url.replace("postgresql+psycopg://", "postgresql://"))
        self.role, self.password, self.redis_db, self.pool_size = role, password, redis_db, pool_size
        self.queue_db, self.smtp_url = queue_db, smtp_url
        self.worker: Process | None = None
        self.extra_env = env or {}
        self.bouncer_port = free_port()
        self.https_port, self.http_port = free_port(), free_port()
        self.node_ports = [free_port() for _ in range(nodes)]
        self.base = f"https://127.0.0.1:{self.https_port}"
        # nginx's, self-signed: the clients trust it
        self.certificate = str(self.dir / "tls" / "fullchain.pem")
        self.user = "postgres" if os.geteuid() == 0 else None  # pgbouncer refuses to run as root
        self.processes: list[Process] = []
        self.nodes: list[Process] = []

    # what the doc shows, with this stack's ports and paths
    def generate(self) -> dict[str, Path]:
        d = self.dir
        ini = doc_block("; /etc/pgbouncer/pgbouncer.ini")
        inline = [line for line in ini.splitlines()
                  if "=" in line and ";" in line and not line.startswith(";")]
        assert not inline, \
            f"docs/deploy.md: pgbouncer takes a ';' after a value as part of the value: {inline}"
        ini = _replace(ini, "host=db-host port=5432 dbname=ipservice",
                       f"host={self.target.hostname} port={self.target.port or 5432} "
                       f"dbname={self.target.path.lstrip('/')}")
        for key, value in (("listen_port", str(self.bouncer_port)),
                           ("default_pool_size", str(self.pool_size)),
                           ("auth_file", str(d / "userlist.txt")), ("logfile", str(d / "pgbouncer.log")),
                           ("pidfile", str(d / "pgbouncer.pid"))):
            ini = _set(ini, key, value)
        userlist = _replace(doc_block('"ipservice_app"'), '"ipservice_app" "the-app-role-password"',
                            f'"{self.role}" "{self.password}"')
        nginx = self._nginx(doc_block(info="nginx"))
        env = doc_block("# /etc/ipservice/env\n")
        url = f"postgresql+psycopg://{self.role}:{self.password}@127.0.0.1:{self.bouncer_port}/ipservice"
        for key, value in (("SECRET_KEY", SECRET), ("DATABASE_URL", url),
                           ("RATELIMIT_STORAGE_URI", f"redis://127.0.0.1:6379/{self.redis_db}"),
                           ("IPSERVICE_UPLOAD_DIR", str(d / "shared-uploads")),
                           ("IPSERVICE_QUEUE_URL", f"redis://127.0.0.1:6379/{self.queue_db}"),
                           ("IPSERVICE_SMTP_URL", self.smtp_url), ("IPSERVICE_BASE_URL", self.base),
                           ("IPSERVICE_EXPORT_JOB_ROWS", "5")):
            env = _set(env, key, value)
        files = {"pgbouncer.ini": ini, "userlist.txt": userlist, "nginx.conf": nginx, "env": env,
                 "ipservice-worker.service": doc_block("# /etc/systemd/system/ipservice-worker.service")}
        for name, text in files.items():
            (d / name).write_text(text, encoding="utf-8")
        return {name: d / name for name in files}

    def _nginx(self, block: str) -> str:
        d = self.dir
        block = _replace(block, "server 127.0.0.1:8000 ", f"server 127.0.0.1:{self.node_ports[0]} ")
        second = (f"server 127.0.0.1:{self.node_ports[1]} " if len(self.node_ports) > 1
                  else "server 127.0.0.1:9 down ")
        block = _replace(block, "server 10.0.0.12:8000 ", second)
        block = _replace(block, "listen 80;", f"listen 127.0.0.1:{self.http_port};")
        block = _replace(block, "listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;")
        block = _replace(block, "/etc/ssl/ip.example.gov.cn/", f"{d}/tls/")
        block = _replace(block, "/srv/ipservice/static/", f"{ROOT}/static/")
        temp = d / "nginx-temp"
        paths = "\n".join(f"    {kind}_temp_path {temp}/{kind};" for kind in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""  # its temp files in this folder, no other user's
        return (f"{user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log warn;\n"
                f"events {{ worker_connections 1024; }}\nhttp {{\n    include /etc/nginx/mime.types;\n"
                f"    access_log {d}/nginx-access.log;\n{paths}\n" + block + "}\n")

    def node_env(self, i: int) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("IPSERVICE_", "RATELIMIT_", "DATABASE_"))}
        for line in (self.dir / "env").read_text().splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                env[key.strip()] = value.strip()
        env.update(IPSERVICE_INSTANCE_PATH=str(self.dir / f"node{i}" / "instance"),
                   IPSERVICE_BIND=f"127.0.0.1:{self.node_ports[i]}", WEB_CONCURRENCY="2", **self.extra_env)
        return env

    # --- starting and stopping ----------------------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        import redis

        for db in (self.redis_db, self.queue_db):
            redis.Redis(port=6379, db=db, socket_timeout=5).flushdb()
        self.generate()
        (self.dir / "shared-uploads").mkdir()
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.dir / "nginx-temp" / kind).mkdir(parents=True)
        self._certificate()
        self._start_pgbouncer()
        self.nodes = [self._node(i) for i in range(len(self.node_ports))]
        for node in self.nodes:
            node.start()
        self._start_nginx()
        self.worker = self._worker()
        self.worker.start()
        for i in range(len(self.nodes)):
            self.wait_node(i)
        self.nginx.wait_until(
            lambda: requests.get(self.base + "/api/v1/health", verify=self.certificate, timeout=5).ok)

    def _certificate(self) -> None:
        tls = self.dir / "tls"
        tls.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
                       check=True, capture_output=True, timeout=60)

    def _start_pgbouncer(self) -> None:
        args = [PGBOUNCER, str(self.dir / "pgbouncer.ini")]
        if self.user:
            uid = pwd.getpwnam(self.user)
            for path in (self.dir / "pgbouncer.ini", self.dir / "userlist.txt"):
                os.chown(path, uid.pw_uid, uid.pw_gid)
            (self.dir / "pgbouncer.log").touch()
            os.chown(self.dir / "pgbouncer.log", uid.pw_uid, uid.pw_gid)
            os.chown(self.dir, uid.pw_uid, uid.pw_gid)  # its pid file
            args[1:1] = ["-u", self.user]
        self.pgbouncer = Process("pgbouncer", args, self.dir / "pgbouncer.out")
        self.processes.append(self.pgbouncer)
        self.pgbouncer.start()
        self.pgbouncer.wait_until(lambda: _port_open(self.bouncer_port), 30)

    def _node(self, i: int) -> Process:
        (self.dir / f"node{i}").mkdir(exist_ok=True)
        node = Process(f"node {i}", [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                     "--control-socket", str(self.dir / f"node{i}" / "gunicorn.ctl"),
                                     "wsgi:app"], self.dir / f"node{i}" / "gunicorn.log",
                                     env=self.node_env(i))
        self.processes.append(node)
        return node

    def _worker(self) -> Process:
        """The unit's ``ExecStart`` (``…/flask --app wsgi worker …``), run with this Python, in a folder of
        its
        own, with the nodes' env file."""
        unit = (self.dir / "ipservice-worker.service").read_text()
        command = re.search(r"^ExecStart=\S*/flask (.+)$", unit, re.MULTILINE)
        assert command, "docs/deploy.md: the worker unit's ExecStart runs flask no more"
        (self.dir / "worker").mkdir(exist_ok=True)
        env = {**self.node_env(0), "IPSERVICE_INSTANCE_PATH": str(self.dir / "worker" / "instance")}
        env.pop("IPSERVICE_BIND", None)
        worker = Process("worker", [sys.executable, "-m", "flask", *command.group(1).split()],
                         self.dir / "worker" / "worker.log", env=env)
        self.processes.append(worker)
        return worker

    def _start_nginx(self) -> None:
        args = [NGINX, "-p", str(self.dir), "-e", str(self.dir / "nginx-error.log"), "-c",
                str(self.dir / "nginx.conf"), "-g", "daemon off;"]
        self.nginx = Process("nginx", args, self.dir / "nginx.out")
        self.processes.append(self.nginx)
        self.nginx.start()

    def node_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.node_ports[i]}"

    def wait_node(self, i: int) -> None:
        self.nodes[i].wait_until(lambda: requests.get(self.node_url(i) + "/api/v1/health", timeout=5).ok)

    def restart_node(self, i: int) -> None:
        """A node that was killed, started again as it was (the same env and port)."""
        self.nodes[i].stop()
        self.nodes[i].start()
        self.wait_node(i)

    def bouncer_url(self) -> str:
        """libpq URL of the pooler as the app role (for raw queries through it)."""
        return f"postgresql://{self.role}:{self.password}@127.0.0.1:{self.bouncer_port}/ipservice"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_text()}" for p in self.processes)

    def stop(self) -> None:
        for p in reversed(self.processes):
            with contextlib.suppress(Exception):  # the others are stopped all the same
                p.stop()
        if os.environ.get("IPSERVICE_TOPOLOGY_KEEP"):  # to read the logs and generated files afterwards
            print(f"topology kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0
