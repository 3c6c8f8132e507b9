from flask.views import MethodView
from ipservice.extensions import Blueprint
from marshmallow import Schema, fields, post_dump, validate

from ipservice.core import filing
from ipservice.core.access import access
from ipservice.core.types import ChinaDateTime
from ipservice.stats import services
from ipservice.core.dump import OutSchema

blp = Blueprint("api_stats", __name__, url_prefix="/api/v1",
                description="跨地区统计 — cross-district statistics")


class KpiProgress(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    source = fields.String()
    unit = fields.String()
    year = fields.Integer()
    target = fields.Float(allow_none=True)
    actual = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True)


class _PerKind:
    """Each filing kind's counts under its key (``custody``, ``certifications``, ``cases``…), dumped with the
    kind's own schema: the registry, not this module, knows the kinds."""

    totals = False

    @post_dump(pass_original=True)
    def kinds(self, data, original, **kwargs):
        for kind in filing.kinds():
            schema = (kind.totals_schema or kind.stats_schema) if self.totals else kind.stats_schema
            value = original.get(kind.key)
            data[kind.key] = schema().dump(value) if schema is not None and value is not None else value
        for key, value in original.items():  # what a kind adds beside its counts (``stats_extra``)
            data.setdefault(key, value)
        return data


class TenantStats(_PerKind, Schema):
    """A district's counts per filing kind (its key and shape: ``GET /forms`` kinds; e.g. ``custody``:
    ``{submitted, approved, rejected}``, ``cases``: ``{total, by_type, by_status, closure_rate,
    median_days_to_close}``) and its KPI progress."""

    slug = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kpis = fields.List(fields.Nested(KpiProgress))


class Totals(_PerKind, Schema):
    """The districts' counts together, per filing kind."""

    totals = True


class StatsOut(OutSchema):
    generated_at = ChinaDateTime()
    tenants = fields.List(fields.Nested(TenantStats))
    totals = fields.Nested(Totals)


class StatsQuery(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "KPI progress in this year (default: each indicator's "
                                                   "latest target year)"})


@blp.route("/stats")
class Stats(MethodView):
    @access("cross_admin")
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsOut)
    def get(self, query):
        """Aggregates per district, side by side: counts by status, case closure, KPI progress."""
        return services.aggregate(query.get("year"))


def document_kinds(app, api) -> None:
    """Declare each filing kind's key in ``TenantStats`` and ``Totals`` of the OpenAPI document, with the
    kind's own schema (see ``_PerKind``). The kinds are known once every area has registered its own, so
    the document is completed when it is first served, not when this blueprint is registered."""
    spec = api.spec
    if getattr(spec, "_ipservice_kinds_documented", False):
        return
    resolve = api.ma_plugin.converter.resolve_nested_schema
    for name, totals in (("TenantStats", False), ("Totals", True)):
        component = spec.components.schemas.get(name)
        if component is None:
            continue
        properties = component.setdefault("properties", {})
        for kind in filing.kinds(app):
            schema = (kind.totals_schema or kind.stats_schema) if totals else kind.stats_schema
            properties[kind.key] = resolve(schema) if schema is not None else {"type": "object"}
            if not totals and kind.stats_extra_schema is not None:  # what it adds beside
                extra = api.ma_plugin.converter.schema2jsonschema(kind.stats_extra_schema)
                properties.update(extra.get("properties", {}))
    spec._ipservice_kinds_documented = True


BLUEPRINTS = [blp]
