"""``core.dump.OutSchema`` dumps what marshmallow's own ``Schema`` dumps, field type by field type: the
planned path reads values and calls each field's ``_serialize`` itself, so any difference would be a
field it reads differently (issue 23 item 4)."""
from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from marshmallow import Schema, fields, post_dump

from ipservice.core.dump import OutSchema
from ipservice.core.openapi import ComputedNested, ComputedString


def _pair(body: dict):
    """The same fields on marshmallow's Schema and on OutSchema (nested schemas too)."""
    def make(base):
        inner = type("Inner", (base,), {"a": fields.String(), "n": fields.Integer(allow_none=True)})
        attrs = {
            "text": fields.String(), "number_text": fields.String(),
            "none_text": fields.String(allow_none=True), "count": fields.Integer(), "ratio": fields.Float(),
            "flag": fields.Boolean(), "day": fields.Date(), "at": fields.DateTime(), "ident": fields.UUID(),
            "raw": fields.Raw(), "mapping": fields.Dict(),
            "renamed": fields.String(attribute="source"), "keyed": fields.String(data_key="outKey"),
            "dotted": fields.String(attribute="inner.a"), "defaulted": fields.String(dump_default="d"),
            "absent": fields.String(), "inner": fields.Nested(inner),
            "inners": fields.List(fields.Nested(inner)),
            "none_inner": fields.Nested(inner, allow_none=True), "method": fields.Method("_shout"),
            "function": fields.Function(lambda obj: "fn"), "constant": fields.Constant(7),
            "computed": ComputedString(compute=lambda obj: f"c-{obj_id(obj)}"),
            "computed_nested": ComputedNested(inner, compute=lambda obj: {"a": "x", "n": 1}),
            "_shout": lambda self, obj: "M",
            "add_extra": post_dump(lambda self, data, **kw: {**data, "hooked": True}),
            **body}
        return type("Out", (base,), attrs)
    return make(Schema), make(OutSchema)


def obj_id(obj):
    return obj["text"] if isinstance(obj, dict) else obj.text


def _values(n: int) -> dict:
    return {"text": f"t{n}", "number_text": 40 + n, "none_text": None, "count": "5", "ratio": 1,
            "flag": "yes",
            "day": dt.date(2026, 1, n + 1), "at": dt.datetime(2026, 1, 1, 8, n, tzinfo=dt.UTC),
            "ident": uuid.UUID(int=n), "raw": [n], "mapping": {"k": n}, "keyed": "k",
            "inner": {"a": "i", "n": None}, "inners": [{"a": "j", "n": 2}], "none_inner": None,
            "source": 9}


def test_out_schema_dumps_what_marshmallow_dumps_from_objects_and_dicts():
    plain, fast = _pair({})
    objects = [SimpleNamespace(**_values(n)) for n in range(3)] + [_values(n) for n in range(3, 6)]
    expected = plain(many=True).dump(objects)
    assert fast(many=True).dump(objects) == expected
    assert fast().dump(objects[0]) == plain().dump(objects[0])
    assert fast(only=("text", "inner")).dump(objects, many=True) == plain(only=("text", "inner")).dump(
        objects, many=True)
    assert "absent" not in expected[0] and expected[0]["defaulted"] == "d" and expected[0]["hooked"]
    assert expected[0]["number_text"] == "40" and expected[0]["outKey"] == "k"
    assert expected[0]["dotted"] == "i"
