from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ipservice.core.access import access
from ipservice.core.types import ChinaDateTime
from ipservice.stats import services

blp = Blueprint("api_stats", __name__, url_prefix="/api/v1", description="跨地区统计 — cross-district statistics")


class CustodyCounts(Schema):
    submitted = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()


class CertificationCounts(Schema):
    submitted = fields.Integer()
    verified = fields.Integer()
    rejected = fields.Integer()


class SubsidyCounts(Schema):
    submitted = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    approved_cny = fields.Integer(metadata={"description": "the sum granted"})


class YearAmount(Schema):
    year = fields.Integer()
    amount_cny = fields.Integer(metadata={"description": "approved subsidies (and 贯标 subsidies of verified "
                                                         "certificates) owed for that year"})


class CaseTotals(Schema):
    total = fields.Integer()
    by_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    closure_rate = fields.Float(allow_none=True, metadata={"description": "closed ÷ cases not withdrawn"})


class CaseCounts(CaseTotals):
    median_days_to_close = fields.Float(allow_none=True)


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


class TenantStats(Schema):
    slug = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    custody = fields.Nested(CustodyCounts)
    certifications = fields.Nested(CertificationCounts)
    cases = fields.Nested(CaseCounts)
    subsidies = fields.Nested(SubsidyCounts)
    liability = fields.List(fields.Nested(YearAmount))
    kpis = fields.List(fields.Nested(KpiProgress))


class Totals(Schema):
    custody = fields.Nested(CustodyCounts)
    certifications = fields.Nested(CertificationCounts)
    cases = fields.Nested(CaseTotals)
    subsidies = fields.Nested(SubsidyCounts)


class StatsOut(Schema):
    generated_at = ChinaDateTime()
    tenants = fields.List(fields.Nested(TenantStats))
    totals = fields.Nested(Totals)


class StatsQuery(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "KPI progress in this year (default: each indicator's latest target year)"})


@blp.route("/stats")
class Stats(MethodView):
    @access("cross_admin")
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, StatsOut)
    def get(self, query):
        """Aggregates per district, side by side: counts by status, case closure, KPI progress."""
        return services.aggregate(query.get("year"))


BLUEPRINTS = [blp]
