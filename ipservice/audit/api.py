"""``GET /audit``: the tenant's audit trail for its bureau (the model and ``record`` are in core/audit)."""
from flask.views import MethodView
from ipservice.extensions import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from ipservice.core.access import access
from ipservice.core.audit import AuditEvent
from ipservice.core.openapi import DETAIL_VALUE
from ipservice.core.types import ChinaDateTime
from ipservice.extensions import db
from ipservice.core.dump import OutSchema

blp = Blueprint("api_audit", __name__, url_prefix="/t/<tenant>/api/v1", description="审计日志 — audit trail")


class AuditOut(OutSchema):
    id = fields.String()
    at = ChinaDateTime()
    actor_id = fields.String(allow_none=True)
    actor_email = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    detail = fields.Dict(keys=fields.String(), values=fields.Raw(metadata=DETAIL_VALUE),
                         metadata={"description": "what the event changed or concerned, by name"})
    ip = fields.String(allow_none=True)


class AuditQuery(Schema):
    action = fields.String(validate=validate.Length(max=64))
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=36))


@blp.route("/audit")
class Audit(MethodView):
    @access("bureau")
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """The tenant's audit events, newest first (filters: action, object_type, object_id)."""
        stmt = select(AuditEvent)
        for key in ("action", "object_type", "object_id"):
            if query.get(key):
                stmt = stmt.where(getattr(AuditEvent, key) == query[key])
        pagination_parameters.item_count = db.session.scalar(
            select(db.func.count()).select_from(stmt.subquery()))
        return db.session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                  .limit(pagination_parameters.page_size)
                                  .offset(pagination_parameters.first_item)).all()


BLUEPRINTS = [blp]
