"""Shared by the subsidy tests: patent numbers with their check digit, bodies per rule, filing through the
API."""
from __future__ import annotations

import itertools

_SERIAL = itertools.count(1)
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)  # CNIPA's check-digit weights


def patent(year: int = 2018, kind: str = "1") -> str:
    """A new, valid Chinese patent application number (12 digits and the check character, with a dot)."""
    body = f"{year}{kind}{next(_SERIAL):07d}"
    rest = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11
    return f"{body}.{'X' if rest == 10 else rest}"


def doc(prefix: str = "DOC") -> str:
    return f"{prefix}-{next(_SERIAL):06d}"


def pct(year: int = 2018) -> str:
    return f"PCT/CN{year}/{next(_SERIAL):06d}"


def uscc() -> str:
    from stdnum.cn import uscc as stdnum

    body = f"91610100MA{next(_SERIAL) + 500000:07d}"
    return body + stdnum.calc_check_digit(body)


def apply(api, tenant: str, rule: str, basis: str, **fields):
    body = {"rule": rule, "basis_date": basis, "org_type": fields.pop("org_type", "enterprise"), **fields}
    return api.post(f"/t/{tenant}/api/v1/subsidy-applications", json=body)


def filed(api, tenant, rule, basis, **fields) -> dict:
    r = apply(api, tenant, rule, basis, **fields)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def decide(bureau, tenant, app_id, decision="approve", **body):
    return bureau.post(f"/t/{tenant}/api/v1/subsidy-applications/{app_id}/decision",
                       json={"decision": decision, **body})


def migration(name: str):
    """A migration module of ``migrations/versions`` by file name, to run its data steps in a test."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
