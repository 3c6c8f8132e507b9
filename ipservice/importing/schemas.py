"""The import API's payloads (and, through them, its OpenAPI document)."""
from marshmallow import Schema, fields, validate

from ipservice.importing.models import STATUSES
from ipservice.core.dump import OutSchema

class ImportUploadIn(Schema):
    """The multipart form of a page import (the file itself is read from the request's files)."""

    # the registry decides the names (custody, certification, case, subsidy today: ``GET /forms``)
    kind = fields.String(load_default=None, metadata={"description": "the filing kind the rows are (its "
                                                                     "name, "
                                                                     "as ``GET /forms`` lists the forms)"})
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "the spreadsheet (.xlsx), at most 10 MB"})


class ImportQueuedOut(OutSchema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class ImportOut(OutSchema):
    """One import: how far its job has come and what it found (``rows``: the data rows of the file,
    estimated until the job has counted them)."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    rows = fields.Integer(allow_none=True)
    processed = fields.Integer(required=True)
    ok = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    errors = fields.Integer(required=True)
    report_url = fields.String(allow_none=True, metadata={
        "description": "the row-by-row report (CSV; `.xlsx` for Excel) once the import has ended"})
