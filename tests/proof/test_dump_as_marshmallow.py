"""Every JSON answer of the API is what marshmallow's own dump gives (issue 23 item 4: the output schemas
dump through ``core.dump.OutSchema``'s planned path): each GET route of the API that needs no argument but
the tenant, and each filing kind's collection and one filing, for the bureau and the enterprise, answered
twice — planned, and with ``OutSchema`` falling back to ``marshmallow.Schema._serialize`` — and compared."""
from __future__ import annotations

import pytest
from marshmallow import Schema

from ipservice.core.dump import OutSchema
from tests.proof import world as W


@pytest.fixture(autouse=True)
def clean_db():
    """The data lives for the module (``world``), not for one test."""
    yield


def _paths(app, world) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments) - {"tenant"}
        if "GET" in rule.methods and "/api/" in rule.rule and not args and "export" not in rule.rule:
            paths.append(rule.rule.replace("<tenant>", W.HOME))
    for kind in world.kinds:
        base = W.collection_rule(app, kind).replace("<tenant>", W.HOME)
        paths += [base, f"{base}/{world.parties['E1'].filings[kind.name]}"]
    return sorted(set(paths))


def test_every_api_answer_is_marshmallows_dump(app, world):
    """Each path twice in a row (the second with marshmallow's own ``_serialize``), so that nothing written
    in between (an access record, a notification) makes the answers differ."""
    callers = {"bureau": world.bureaus[W.HOME][1], "enterprise": world.parties["E1"].token,
               "admin": world.cross_admin[1]}
    compared = set()
    for who, token in callers.items():
        for path in _paths(app, world):
            answers = []
            for planned in (True, False):
                with pytest.MonkeyPatch.context() as mp:
                    if not planned:
                        mp.setattr(OutSchema, "_serialize", Schema._serialize)
                    r = world.client.get(path, headers={"Authorization": f"Bearer {token}"})
                answers.append((r.status_code, r.get_data() if r.is_json else r.mimetype))
            assert answers[0] == answers[1], (who, path)  # a spreadsheet (zip times): its type only
            if answers[0][0] == 200:
                compared.add((who, path))
    for kind in world.kinds:  # the kinds' lists and filings were answered, and compared
        base = W.collection_rule(app, kind).replace("<tenant>", W.HOME)
        assert ("bureau", base) in compared and ("enterprise", base) in compared, kind.name
        assert ("enterprise", f"{base}/{world.parties['E1'].filings[kind.name]}") in compared, kind.name
