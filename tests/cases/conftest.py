"""Helpers for the case tests: a valid body per tenant, filing and moving cases through the API."""
from __future__ import annotations

import pytest

# Real, published Chinese patent application numbers (check digits verified by hand and by the code).
INVENTION = "202010566088.9"        # ZL202010566088.9, an invention (type digit 1)
UTILITY_MODEL = "2023211609569"     # CN219910140U, application 2023211609569 (type digit 2)
DESIGN = "2016300227706"            # a design (type digit 3)
OLD_FORMAT = "97101765.4"           # the pre-2003 format (8 digits + check)
OLD_FORMAT_X = "95115608.X"         # pre-2003, check character X

# The path from submitted to each status, as (move, needs bureau?) steps.
PATHS = {
    "submitted": [],
    "accepted": ["accepted"],
    "declined": ["declined"],
    "in_progress": ["accepted", "in_progress"],
    "mediated": ["accepted", "in_progress", "mediated"],
    "resolved": ["accepted", "in_progress", "resolved"],
    "closed": ["accepted", "in_progress", "resolved", "closed"],
    "withdrawn": ["withdrawn"],
}
DEFAULT_TYPE = {"xian": "assistance", "hebi": "assistance", "guangzhou": "assistance",
                "tianjin-bonded": "assistance"}


def case_body(tenant: str = "xian", **over) -> dict:
    body = {
        "case_type": DEFAULT_TYPE[tenant],
        "ip_type": "patent",
        "right_number": INVENTION,
        "counterparty_name": "某某侵权贸易有限公司",
        "summary": "对方在电商平台销售的产品落入我方专利保护范围。",
        "request": "请求提供维权援助并组织调解。",
    }
    if tenant == "tianjin-bonded":
        body["center"] = "tj-ppc"
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def file_case(api, tenant: str = "xian", expect: int = 201, **over) -> dict:
    r = api.post(f"/t/{tenant}/api/v1/cases", json=case_body(tenant, **over))
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def move(api, tenant: str, case_id: str, to: str, note: str | None = "说明", expect: int = 200) -> dict:
    body = {"to": to}
    if note is not None:
        body["note"] = note
    r = api.post(f"/t/{tenant}/api/v1/cases/{case_id}/transitions", json=body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def bring_to(status: str, applicant, officer, tenant: str = "xian", **over) -> dict:
    """A new case of ``applicant`` moved to ``status`` (the bureau ``officer`` makes its moves)."""
    case = file_case(applicant, tenant, **over)
    for step in PATHS[status]:
        case = move(applicant if step == "withdrawn" else officer, tenant, case["id"], step)
    assert case["status"] == status
    return case


@pytest.fixture
def xian_pair(enterprise, bureau):
    """An enterprise and the bureau of Xi'an."""
    return enterprise("xian"), bureau("xian")


def with_cases(tenant, **changes):
    """A copy of ``tenant`` whose cases.toml (``tenant.part("case")``) has ``changes``."""
    import dataclasses

    return dataclasses.replace(tenant, parts={**tenant.parts,
                                              "case": dataclasses.replace(tenant.part("case"), **changes)})
