from marshmallow import Schema, fields

from ipservice.core.validators import filter_date
from ipservice.tenants.schemas_api import DocumentOut
from ipservice.core.dump import OutSchema


class SourceOut(OutSchema):
    document = fields.String(metadata={"description": "document number, or its title where it has none"})
    document_code = fields.String()
    clause = fields.String()
    quote = fields.String()


class RuleDisplayOut(OutSchema):
    name = fields.String()
    note = fields.String()
    reading = fields.String(allow_none=True)


class ReadingOut(OutSchema):
    """The reading the configuration chose where the clause allows more than one."""
    zh = fields.String()
    en = fields.String()


READING = ("the reading chosen of an ambiguous clause (Chinese and English), null where the words allow "
           "only one")


class RuleAmountsOut(OutSchema):
    """What a rule is and pays (its document's numbers), shared by the policy and the subsidy lists."""
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kind = fields.String()
    amount_cny = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True)
    cap_cny = fields.Integer(allow_none=True)


class RuleOut(RuleAmountsOut):
    unit = fields.String(allow_none=True)
    applies_to = fields.String()
    org_types = fields.List(fields.String())
    effective_from = fields.Date()
    effective_to = fields.Date()
    in_force = fields.Boolean(metadata={"description": "in force today (China time)"})
    note_zh = fields.String()
    note_en = fields.String()
    reading = fields.Nested(ReadingOut, allow_none=True, metadata={"description": READING})
    display = fields.Nested(RuleDisplayOut, metadata={
        "description": "name and note in the requested language (Accept-Language or ?lang=)"})
    source = fields.Nested(SourceOut,
                           metadata={"description": "the citation: stays in Chinese, as published"})


class PolicyOut(OutSchema):
    tenant = fields.String()
    documents = fields.List(fields.Nested(DocumentOut))
    rules = fields.List(fields.Nested(RuleOut))


class PolicyQuery(Schema):
    applies_to = fields.String(metadata={"description": "only rules for this kind of filing or measure"})
    on = filter_date("only rules in force on this date")
