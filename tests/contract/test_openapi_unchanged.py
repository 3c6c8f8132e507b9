"""The v1 contract does not change (issue 19): the live OpenAPI document still lists every path, method,
parameter and response code of the copy taken before the kinds were put on one surface, and every field of
each request and 2xx answer. Additions are allowed; nothing may go."""
from __future__ import annotations

import json

from tests.contract.snapshot import SNAPSHOT, contract


def _missing(before: dict, now: dict) -> list[str]:
    gone = []
    for path, methods in before.items():
        for method, op in methods.items():
            here = now.get(path, {}).get(method)
            where = f"{method.upper()} {path}"
            if here is None:
                gone.append(f"{where}: operation gone")
                continue
            gone += [f"{where}: parameter {p} gone" for p in op["parameters"] if p not in here["parameters"]]
            if op["body"] is not None:
                gone += [f"{where}: body field {f} gone" for f in op["body"] if f not in (here["body"] or [])]
            for code, fields in op["responses"].items():
                if code not in here["responses"]:
                    gone.append(f"{where}: response {code} gone")
                    continue
                gone += [f"{where} → {code}: field {f} gone"
                         for f in fields if f not in here["responses"][code]]
    return gone


def test_every_v1_operation_of_the_snapshot_is_still_served(client):
    before = json.loads(SNAPSHOT.read_text())
    now = contract(client.get("/api/v1/openapi.json").get_json())
    assert _missing(before, now) == []


def test_the_comparison_sees_a_removed_code_a_field_and_an_operation():
    """The check itself can fail: a copy with one response code, one field and one operation less."""
    before = json.loads(SNAPSHOT.read_text())
    now = json.loads(SNAPSHOT.read_text())
    path = "/t/{tenant}/api/v1/cases/{case_id}/transitions"
    del now[path]["post"]["responses"]["409"]
    now[path]["post"]["responses"]["200"].remove("history")
    del now["/t/{tenant}/api/v1/certifications"]["post"]
    assert len(_missing(before, now)) == 3
