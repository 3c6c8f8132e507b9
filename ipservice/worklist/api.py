"""``GET /dashboard`` (the bureau's worklist) and ``GET /my`` (an enterprise's filings of every kind)."""
from flask import g
from flask.views import MethodView
from flask_login import current_user
from ipservice.extensions import Blueprint
from marshmallow import fields

from ipservice.core.access import access
from ipservice.core.types import ChinaDateTime
from ipservice.worklist import services
from ipservice.core.dump import OutSchema

blp = Blueprint("api_worklist", __name__, url_prefix="/t/<tenant>/api/v1",
                description="工作台与我的办件 — the bureau's worklist and an enterprise's filings")


class WaitingOut(OutSchema):
    kind = fields.String(metadata={"description": "the filing kind: custody, certification, case, …; or the "
                                                  "kind of other work (``work``): erasure_request"})
    id = fields.String()
    number = fields.String(allow_none=True, metadata={"description": "null for a kind without numbers"})
    due = fields.Date(allow_none=True, metadata={
        "description": "the kind's own deadline (cases), else the tenant's service standard for a decision"})
    due_estimated = fields.Boolean(metadata={
        "description": "the deadline falls in a year the official calendar does not cover yet: counted "
                       "Monday to Friday, recomputed once the year is added"})
    status = fields.String()
    submitted_at = ChinaDateTime()


class LiabilityOut(OutSchema):
    year = fields.Integer()
    rule = fields.String()
    amount_cny = fields.Integer()
    count = fields.Integer()
    kind = fields.String()


class KpiProgressOut(OutSchema):
    code = fields.String()
    year = fields.Integer()
    target = fields.Float(allow_none=True)
    actual = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True, metadata={"description": "actual ÷ target (target ÷ actual for "
                                                                      "an at-most indicator)"})
    name_zh = fields.String()
    name_en = fields.String()
    unit = fields.String()


class DashboardOut(OutSchema):
    pending = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "filings waiting for the bureau, per filing kind"})
    work = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "other work waiting for the bureau, per kind "
                       "(erasure_request: personal-data requests)"})
    overdue = fields.List(fields.Nested(WaitingOut),
                          metadata={"description": "past their deadline, oldest first"})
    due_soon = fields.List(fields.Nested(WaitingOut), metadata={
        "description": f"due today or within {services.DUE_SOON_DAYS} working days"})
    liability = fields.List(fields.Nested(LiabilityOut))
    kpis = fields.List(fields.Nested(KpiProgressOut), metadata={
        "description": "progress this year (or the latest earlier year with targets)"})
    by_status = fields.Dict(keys=fields.String(),
                            values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                            metadata={"description": "per filing kind: count per current status"})
    per_month = fields.Dict(keys=fields.String(),
                            values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                            metadata={"description": "per filing kind: filings submitted per month "
                                                     "(YYYY-MM), " f"the last {services.MONTHS} months"})


class MyFilingOut(OutSchema):
    kind = fields.String()
    id = fields.String()
    number = fields.String(allow_none=True)
    status = fields.String()
    submitted_at = ChinaDateTime()
    due = fields.Date(allow_none=True, metadata={"description": "while it waits for the bureau"})
    due_estimated = fields.Boolean(metadata={
        "description": "the deadline falls in a year the official calendar does not cover yet: counted "
                       "Monday to Friday, recomputed once the year is added"})


@blp.route("/dashboard")
class Dashboard(MethodView):
    @access("bureau")
    @blp.response(200, DashboardOut)
    def get(self):
        """The bureau's worklist: what waits per kind, overdue and due soon, KPI progress, liability."""
        return services.dashboard(g.tenant)


@blp.route("/my")
class My(MethodView):
    @access("enterprise")
    @blp.response(200, MyFilingOut(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, pagination_parameters):
        """The caller's filings of every kind, newest first."""
        items, total = services.my_filings(g.tenant, current_user, pagination_parameters.page,
                                           pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return items


BLUEPRINTS = [blp]
