"""API schemas for the tenants list (the config schemas are in ``schemas.py``)."""
from marshmallow import Schema, fields


class DocumentOut(Schema):
    code = fields.String()
    title = fields.String()
    title_en = fields.String()
    number = fields.String()
    issued_on = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()


class CenterOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    case_types = fields.List(fields.String())


class TenantOut(Schema):
    slug = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    bureau_zh = fields.String()
    bureau_en = fields.String()
    documents = fields.List(fields.Nested(DocumentOut))
    centers = fields.List(fields.Nested(CenterOut))


class HealthOut(Schema):
    status = fields.String()
