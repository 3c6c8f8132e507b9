"""``GET /api/v1/notifications`` and ``POST /api/v1/notifications/<id>/read``: the caller's own."""
from flask.views import MethodView
from flask_login import current_user

from ipservice.core.access import access
from ipservice.extensions import Blueprint
from ipservice.notifications import schemas, services, texts

blp = Blueprint("api_notifications", __name__, url_prefix="/api/v1/notifications",
                description="站内信 — notifications")
BLUEPRINTS = [blp]
SIGNED_IN = ("enterprise", "bureau", "cross_admin")


@blp.route("")
class NotificationList(MethodView):
    @access(*SIGNED_IN)
    @blp.arguments(schemas.NotificationQuerySchema, location="query")
    @blp.response(200, schemas.NotificationSchema(many=True))
    def get(self, args):
        """The caller's notifications, newest first, in the caller's language; ``?unread=1``: unread only."""
        return [texts.as_dict(n) for n in services.inbox(current_user, args["unread"])]


@blp.route("/<notification_id>/read")
class NotificationRead(MethodView):
    @access(*SIGNED_IN)
    @blp.response(200, schemas.ReadSchema)
    @blp.alt_response(404, description="no notification of the caller with this id")
    def post(self, notification_id):
        """Mark one of the caller's notifications read (another user's: 404)."""
        note = services.mark_read(current_user, notification_id)
        return {"id": note.id, "read_at": note.read_at}
