"""Racing requests against the app served over real HTTP (the session's threaded server, see
``tests/conftest.py: live_server``): every request runs in its own thread with its own database connection,
all released at once by a barrier, on SQLite or PostgreSQL like the rest of the suite."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests


def race(base: str, requests_: list[tuple[str, str, dict, dict | None]]) -> list[tuple[int, object]]:
    """Send ``(method, path, headers, json)`` requests at the same moment; ``[(status, body)]`` in order."""
    barrier = threading.Barrier(len(requests_))

    def send(req):
        method, path, headers, body = req
        barrier.wait(timeout=60)
        r = requests.request(method, base + path, json=body, headers=headers, timeout=120)
        is_json = r.headers.get("Content-Type", "").startswith("application/json")
        return r.status_code, (r.json() if is_json and r.content else r.text)  # a 204 has no body

    with ThreadPoolExecutor(max_workers=len(requests_)) as pool:
        return list(pool.map(send, requests_))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
