"""API schemas for the tenants list (the config schemas are in ``schemas.py``)."""
from marshmallow import fields
from ipservice.core.dump import OutSchema


class DocumentOut(OutSchema):
    code = fields.String()
    title = fields.String()
    title_en = fields.String()
    number = fields.String()
    issued_on = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()
    index_number = fields.String(metadata={"description": "the publishing site's 索引号 (not a document "
                                                          "number)"})


class CenterOut(OutSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    case_types = fields.List(fields.String())


class BureauSettingOut(OutSchema):
    setting = fields.String(metadata={"description": "case_time_limits, centers.<code>.case_types, "
                                                     "forms.<kind>.<option>"})
    values = fields.List(fields.String(),
                         metadata={"description": "the values set by the bureau (empty: all)"})
    note_zh = fields.String()
    note_en = fields.String()


class _PartCenters(fields.List):
    """The centers a kind's own tenant file lists (the cases' cases.toml), published on the tenant as the
    v1 contract has them."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return [c for part in obj.parts.values() for c in getattr(part, "centers", ())]


class TenantOut(OutSchema):
    slug = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    bureau_zh = fields.String()
    bureau_en = fields.String()
    documents = fields.List(fields.Nested(DocumentOut))
    centers = _PartCenters(fields.Nested(CenterOut))
    bureau_settings = fields.List(fields.Nested(BureauSettingOut), metadata={
        "description": "settings the bureau made itself, not taken from any document"})


class HealthOut(OutSchema):
    status = fields.String()
