"""Scenario 4 without the load generator: the same requests in one process, one after another, through two
apps on the same database — row-level security with the app role, and the schema owner without it — in
short alternating batches.

On a shared 2-core machine the wrk runs of scenario 4 swing by ±40 % from one round to the next (other
processes, PostgreSQL's own background work, queueing behind five workers), more than the difference being
measured. Here nothing queues: each request runs alone, the two sides alternate every ``--batch`` requests
so that whatever else the machine does falls on both, and the ratio is of the medians of the per-batch
times. What it measures is the cost the policies and the role switch add to a request (in the app and in
PostgreSQL), which is what the target is about.

    python3 -m bench.ab '<json: {"tenant", "enterprise_tokens", "bureau_token", "bureau_email", "password"}>'

run by ``bench/run.py`` with the service's environment (``DATABASE_URL``, ``SECRET_KEY``, …); prints one JSON
object: per request kind, the median milliseconds of each side and their ratio (owner ÷ RLS: the share of
the owner's speed that RLS keeps, as the wrk rows report it).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import uuid


def _apps():
    from ipservice import create_app

    common = {"RATELIMIT_ENABLED": False}
    return {"rls": create_app({**common, "IPSERVICE_DB_APP_ROLE": "ipservice_app"}),
            "owner": create_app({**common, "IPSERVICE_DB_APP_ROLE": ""})}


def _certification(n: int) -> dict:
    return {"org_type": "enterprise", "certificate_no": f"AB-{uuid.uuid4().hex[:12]}", "certification_body":
            "中知（北京）认证有限公司", "issued_on": "2025-03-01", "expires_on": "2028-02-28",
            "scope": "与研发、生产和销售相关的知识产权管理"}


def _case(n: int) -> dict:
    return {"case_type": "assistance", "ip_type": "trademark", "right_number": str(10000000 + (n * 7919) % 89999999),
            "counterparty_name": "某某商贸有限公司", "summary": "对方在其网店销售的商品上使用与我方注册商标相同的标识。",
            "request": "请求协助调查取证并调解。"}


def main(argv: list[str]) -> dict:
    spec = json.loads(argv[0])
    batches = int(spec.get("batches", 30))
    per_batch = int(spec.get("batch", 10))
    tenant = spec["tenant"]
    apps = _apps()
    clients = {side: app.test_client() for side, app in apps.items()}
    for side, client in clients.items():  # a session cookie per app (same secret: either would do)
        page = client.get("/login")
        import re

        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
        client.post("/login", data={"email": spec["bureau_email"], "password": spec["password"],
                                    "csrf_token": csrf.group(1) if csrf else ""})
    tokens = spec["enterprise_tokens"]
    counter = iter(range(10**9))

    def submit(client, path, body):
        n = next(counter)
        r = client.post(path, json=body(n), headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}",
                                                     "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, (path, r.status_code, r.get_data(as_text=True)[:300])

    def get(client, path, headers=None):
        r = client.get(path, headers=headers or {})
        assert r.status_code == 200, (path, r.status_code)

    bureau = {"Authorization": f"Bearer {spec['bureau_token']}"}
    kinds = {
        "certification_submit": lambda c: submit(c, f"/t/{tenant}/api/v1/certifications", _certification),
        "case_submit": lambda c: submit(c, f"/t/{tenant}/api/v1/cases", _case),
        "list_api": lambda c: get(c, f"/t/{tenant}/api/v1/certifications?status=submitted", bureau),
        "list_page": lambda c: get(c, f"/t/{tenant}/certifications/?status=submitted"),
    }
    out = {"batches": batches, "batch": per_batch, "kinds": {}}
    for name, call in kinds.items():
        for client in clients.values():  # warm-up: schemas, plans, caches
            for _ in range(per_batch):
                call(client)
        times = {"rls": [], "owner": []}
        for i in range(batches):
            order = ("rls", "owner") if i % 2 == 0 else ("owner", "rls")
            for side in order:
                t0 = time.perf_counter()
                for _ in range(per_batch):
                    call(clients[side])
                times[side].append((time.perf_counter() - t0) / per_batch * 1000)
        rls, owner = statistics.median(times["rls"]), statistics.median(times["owner"])
        out["kinds"][name] = {"rls_ms": round(rls, 2), "owner_ms": round(owner, 2), "ratio": round(owner / rls, 3),
                              "rls_ms_all": [round(t, 2) for t in times["rls"]],
                              "owner_ms_all": [round(t, 2) for t in times["owner"]]}
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
