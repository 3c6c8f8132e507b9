"""Clients of the topology: a browser-like session that sends each request either through nginx (HTTPS) or
straight to one node, as nginx would forward it — so a test says which node answers."""
from __future__ import annotations

import itertools
import re
import threading
import time

import requests

_ADDRESSES = itertools.count(10)


def new_address() -> str:
    """A client address of its own (TEST-NET-3), so that one test's limits never meet another's."""
    n = next(_ADDRESSES)
    return f"203.0.113.{n % 250 + 1}" if n < 250 else f"198.51.100.{n % 250 + 1}"


class Browser:
    def __init__(self, topo, address: str | None = None):
        self.topo, self.address = topo, address or new_address()
        self.http = requests.Session()

    def request(self, method: str, path: str, node: int | None = None, headers: dict | None = None, **kw):
        """``node`` None: through nginx; 0 or 1: to that node with the headers nginx sets (docs/deploy.md)."""
        h = {"Referer": self.topo.base + "/"}  # Flask-WTF checks it over HTTPS, as a browser sends it
        if node is None:
            url = self.topo.base + path
        else:
            url = self.topo.node_url(node) + path
            # the Secure session cookie, which a client sends over HTTPS only, handed on as nginx does
            h["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
            h.update({"Host": "127.0.0.1", "X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
                      "X-Forwarded-Host": "127.0.0.1", "X-Forwarded-Port": str(self.topo.https_port)})
        h.update(headers or {})
        kw.setdefault("verify", self.topo.certificate)  # per request: REQUESTS_CA_BUNDLE beats the session's
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return self.http.request(method, url, headers=h, **kw)

    def get(self, path, node=None, **kw):
        return self.request("GET", path, node, **kw)

    def post(self, path, node=None, **kw):
        return self.request("POST", path, node, **kw)

    def csrf(self, path: str, node: int | None = None) -> str:
        page = self.get(path, node)
        assert page.status_code == 200, (page.status_code, page.text[:300])
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert m, f"no CSRF token in {path}"
        return m.group(1)

    def login(self, email: str, password: str, node: int | None = None, token_from: int | None = None):
        token = self.csrf("/login", token_from if token_from is not None else node)
        return self.post("/login", node, data={"email": email, "password": password, "csrf_token": token})

    def copy(self) -> Browser:
        """Another client holding the same cookies (a copied session cookie)."""
        other = Browser(self.topo, self.address)
        for cookie in self.http.cookies:
            other.http.cookies.set_cookie(cookie)
        return other


class Load:
    """``clients`` threads asking for every (path, headers) of ``targets`` through nginx, over and over, until
    the ``with`` block ends; ``log``: (sent, answered, path, status or None, Retry-After or the error)."""

    def __init__(self, topo, targets, clients: int = 3):
        self.topo, self.targets, self.log = topo, targets, []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _ask(self, path, headers):
        sent = time.monotonic()
        try:
            r = Browser(self.topo).get(path, headers=headers, timeout=30)
            self.log.append((sent, time.monotonic(), path, r.status_code, r.headers.get("Retry-After")))
        except requests.RequestException as exc:
            self.log.append((sent, time.monotonic(), path, None, repr(exc)))

    def _run(self):
        while not self._stop.is_set():  # bounded: the block's end sets it
            for target in self.targets:
                self._ask(*target)
            time.sleep(0.05)

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
