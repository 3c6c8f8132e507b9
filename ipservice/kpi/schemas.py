from marshmallow import Schema, fields, validate

from ipservice.accounts.schemas import label
from ipservice.core.labels import TASK_STATUSES, choices
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import Text
from ipservice.policy.schemas import READING, ReadingOut, SourceOut
from ipservice.core.dump import OutSchema


class YearValueOut(OutSchema):
    year = fields.Integer()
    value = fields.Float(allow_none=True)


class TargetOut(YearValueOut):
    note = fields.String()
    note_en = fields.String()
    display_note = fields.String(metadata={"description": "the note in the requested language"})


class ActualOut(YearValueOut):
    note = fields.String()
    as_of = fields.Date()
    version = fields.Integer(metadata={"description": "reported values: send it back with a change (PUT)"})


class ProgressOut(OutSchema):
    year = fields.Integer()
    target = fields.Float(allow_none=True)
    target_note = fields.String()
    actual = fields.Float(allow_none=True)
    ratio = fields.Float(allow_none=True,
                         metadata={"description": "actual ÷ target (target ÷ actual for at_most)"})
    met = fields.Boolean(allow_none=True)


class ReferenceOut(OutSchema):
    metric = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    values = fields.List(fields.Nested(YearValueOut))


class IndicatorDisplayOut(OutSchema):
    name = fields.String()
    category = fields.String()
    unit = fields.String()
    published_growth = fields.String(allow_none=True)
    reading = fields.String(allow_none=True)


class TaskDisplayOut(OutSchema):
    section = fields.String()
    title = fields.String()
    content = fields.String()
    lead_units = fields.List(fields.String())
    partner_units = fields.List(fields.String())


DISPLAY = "the texts in the requested language (Accept-Language or ?lang=)"


class IndicatorOut(OutSchema):
    code = fields.String()
    seq = fields.Integer()
    table = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    unit = fields.String()
    unit_en = fields.String()
    category = fields.String()
    category_en = fields.String()
    display = fields.Nested(IndicatorDisplayOut, metadata={"description": DISPLAY})
    direction = fields.String()
    source = fields.String(metadata={"description": "computed (counted by the service) or reported (by the "
                                                    "bureau)"})
    metric = fields.String(allow_none=True)
    baseline = fields.Nested(YearValueOut, allow_none=True)
    targets = fields.List(fields.Nested(TargetOut))
    actuals = fields.List(fields.Nested(ActualOut))
    reference = fields.Nested(ReferenceOut, allow_none=True, metadata={
        "description": "for a reported indicator: a related figure the service counts, shown beside the "
                       "reported actual as a reference (not the same quantity, never the actual)"})
    table_origin = fields.String(metadata={
        "description": "published_table (the document prints the table) or text (targets gathered from "
                       "the document's prose)"})
    published_growth = fields.String(allow_none=True, metadata={"description": "年均预增 as published"})
    published_growth_en = fields.String(allow_none=True)
    recomputed_growth = fields.Float(allow_none=True, metadata={"description": "年均预增 recomputed (CAGR)"})
    citation = fields.Nested(SourceOut)
    reading = fields.Nested(ReadingOut, allow_none=True, metadata={"description": READING})
    progress = fields.Nested(ProgressOut)


class KpiQuery(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))



_VERSION_DOC = ("the version of the value you read (GET); 0 or left out: there is no value yet. A stale "
                "version, or none for a value that exists, is 409")


def _version():
    return fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**31 - 1),
                          metadata={"description": _VERSION_DOC, "hidden": True})


TOO_LARGE = "Not a plausible indicator value."  # said in the user's language by core.i18n


class ActualIn(Schema):
    value = fields.Float(required=True, allow_nan=False,
                         validate=validate.Range(min=-1e12, max=1e12, error=TOO_LARGE),
                         metadata=label("实际值", "Actual value"))
    note = Text(load_default="", max_length=1000, multiline=True, metadata=label("说明", "Note"))
    version = _version()


def actual_page_schema(years: list[int]):
    """The page's form, built per request: the year first (a select of the indicator's target years; any
    other value, "abc", "0" or nothing, is refused next to it with the target years named), then the API's
    fields."""
    from flask_babel import gettext as _

    from ipservice.core.i18n import is_english

    listed = (", " if is_english() else "、").join(str(y) for y in years) or "—"
    message = _("请选择有目标值的年份：%(years)s。", years=listed)
    year = fields.Integer(
        required=True, validate=validate.OneOf(years, error=message),
        error_messages={"invalid": message, "required": message, "null": message},
        metadata=label("年份", "Year", choices=[{"value": str(y), "label_zh": str(y), "label_en": str(y)}
                                              for y in years]))
    return Schema.from_dict({"year": year, **ActualIn._declared_fields}, name="ActualPage")


class ActualSaved(Schema):
    code = fields.String()
    year = fields.Integer()
    value = fields.Float()
    note = fields.String()
    as_of = fields.Date()
    version = fields.Integer()
    warning = fields.String(allow_none=True, metadata={
        "description": "set when the indicator has no target for this year (the value is kept; no progress)"})


class TaskOut(OutSchema):
    code = fields.String()
    seq = fields.String()
    document = fields.String()
    section = fields.String()
    title = fields.String()
    content = fields.String()
    lead_units = fields.List(fields.String())
    partner_units = fields.List(fields.String())
    section_en = fields.String()
    title_en = fields.String()
    content_en = fields.String()
    lead_units_en = fields.List(fields.String())
    partner_units_en = fields.List(fields.String())
    display = fields.Nested(TaskDisplayOut, metadata={"description": DISPLAY})
    clause = fields.String(metadata={"description": "the document's own numbering (Chinese, as published)"})
    status = fields.String(metadata={"description": "not_started (未开始), in_progress (进行中), done "
                                                    "(已完成)"})
    note = fields.String()
    updated_at = ChinaDateTime(allow_none=True)
    version = fields.Integer(metadata={
        "description": "0 until progress is first recorded; send it with a PUT"})


class TaskProgressIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(list(TASK_STATUSES)),
                           metadata=label("状态", "Status", choices=choices(TASK_STATUSES)))
    note = Text(load_default="", max_length=2000, multiline=True, metadata=label("进展说明", "Progress note"))
    version = _version()
