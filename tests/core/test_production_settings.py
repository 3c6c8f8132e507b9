"""gunicorn.conf.py, the production worker settings, read as gunicorn reads them."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import gc, runpy, sys
conf = runpy.run_path(sys.argv[1])
made_at_start = [{"a tenant's": "configuration"} for _ in range(1000)]
before = gc.get_freeze_count()
conf["when_ready"](None)
print(conf["preload_app"], before, gc.get_freeze_count() >= before + 1000)
"""


def test_the_master_freezes_what_it_made_before_forking_the_workers():
    """With the app preloaded in the master, everything made at start (every tenant's configuration) is
    moved out of the garbage collector's reach before the workers are forked: a full collection walking
    1 000 tenants' objects took ~0.4 s, the tail of every request it fell on (bench scenario 3)."""
    out = subprocess.run([sys.executable, "-c", CHECK, str(ROOT / "gunicorn.conf.py")], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["True", "0", "True"]


SETTINGS = """
import json, runpy, sys
conf = runpy.run_path(sys.argv[1])
print(json.dumps({"bind": conf["bind"], "forwarded_allow_ips": conf["forwarded_allow_ips"],
                  "worker_class": conf["worker_class"]}))
"""


def _settings(**env) -> dict:
    import json
    import os

    clean = {k: v for k, v in os.environ.items()
             if k not in ("IPSERVICE_BIND", "IPSERVICE_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS")}
    out = subprocess.run([sys.executable, "-c", SETTINGS, str(ROOT / "gunicorn.conf.py")],
                         capture_output=True, text=True, check=True, env={**clean, **env}).stdout
    return json.loads(out)


def test_gunicorn_listens_on_loopback_unless_told_otherwise():
    """Issue 18: it bound 0.0.0.0:8000, so a client could reach gunicorn past nginx, choose its address with
    X-Forwarded-For and hold the gthread workers with slow requests."""
    assert _settings() == {"bind": "127.0.0.1:8000", "forwarded_allow_ips": "127.0.0.1,::1",
                           "worker_class": "gthread"}
    assert _settings(IPSERVICE_BIND="10.0.0.5:8000")["bind"] == "10.0.0.5:8000"


def test_gunicorn_trusts_the_forwarded_scheme_from_the_apps_trusted_proxies():
    assert _settings(IPSERVICE_TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.10")["forwarded_allow_ips"] == \
        "10.0.0.0/8,192.0.2.10"
