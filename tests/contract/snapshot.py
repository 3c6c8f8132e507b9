"""The v1 contract as the OpenAPI document states it: every path, method, response code, and the fields of
each request and 2xx response body. ``python -m tests.contract.snapshot`` writes ``openapi_v1.json`` (taken
before issue 19's restructuring); the test compares the live document with it."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "openapi_v1.json"
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(doc: dict, schema: dict | None) -> dict:
    while schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema or {}


def _fields(doc: dict, schema: dict | None) -> list[str]:
    """The top-level property names of a body (an array: its items'), sorted."""
    schema = _resolve(doc, schema)
    if schema.get("type") == "array":
        schema = _resolve(doc, schema.get("items"))
    return sorted(schema.get("properties", {}))


def _json_schema(content: dict | None) -> dict | None:
    if not content:
        return None
    return (content.get("application/json") or {}).get("schema")


def contract(doc: dict) -> dict:
    """``{path: {method: {"responses": {code: [fields]}, "parameters": [...], "body": [fields]}}}``."""
    out = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = sorted(f"{p['in']}:{p['name']}"
                            for p in op.get("parameters", []) + item.get("parameters", []))
            body = op.get("requestBody", {}).get("content")
            out.setdefault(path, {})[method] = {
                "parameters": params,
                "body": _fields(doc, _json_schema(body)) if body else None,
                "responses": {code: _fields(doc, _json_schema(r.get("content")))
                              for code, r in sorted(op.get("responses", {}).items())},
            }
    return out


def live() -> dict:
    from ipservice import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "snapshot",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tempfile.mkdtemp()}/snapshot.db"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(contract(live()), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"wrote {SNAPSHOT}\n")
