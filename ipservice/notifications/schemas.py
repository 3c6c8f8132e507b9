from marshmallow import Schema, fields

from ipservice.core.types import ChinaDateTime


class NotificationSchema(Schema):
    """站内信 — one notification, rendered in the caller's language."""

    id = fields.String(required=True)
    kind = fields.String(required=True,
                         metadata={"description": "the event, e.g. `custody_enrollment.approved`"})
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True, metadata={"description": "the page of the filing, if any"})
    created_at = ChinaDateTime(required=True)
    read_at = ChinaDateTime(allow_none=True)


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "1: only the unread ones"})


class ReadSchema(Schema):
    id = fields.String(required=True)
    read_at = ChinaDateTime(required=True)
