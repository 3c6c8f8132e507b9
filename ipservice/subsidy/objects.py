"""What a subsidy is claimed on, as the forms read it: lists of patent application numbers (with their check
digit, of the kinds a rule accepts), PCT international application numbers, and document numbers."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import ValidationError, fields

from ipservice.core import identifiers
from ipservice.core.i18n import listing
from ipservice.core.validators import Text

MAX_ITEMS = 1000


def _parts(value) -> list[str]:
    """A JSON list, or text with one item per line (or separated by commas, 、 or ;) from a page or a cell."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(_("不是有效的列表。"))
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ValidationError(_("不是有效的文本。"))
        # a patent number may be typed with spaces inside ("2020 1056 6088.9"): split on lines and
        # punctuation only, then drop the spaces of each item
        for part in re.split(r"[\n\r,，;；、]+", item):
            if part.strip():
                out.append(part.strip())
    return out


class NumberList(fields.Field):
    """A list of object numbers, normalized and without repeats; ``parse(text) -> normalized`` raises a
    localized ValidationError for a bad one."""

    def __init__(self, parse, **kwargs):
        self.parse = parse
        # the document: a JSON list of strings (a page's or a cell's text is split, see ``_parts``)
        kwargs["metadata"] = {"type": "array", "items": {"type": "string"}, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = _parts(value)
        if not items:
            raise ValidationError(_("缺少必填字段。"))
        if len(items) > MAX_ITEMS:
            raise ValidationError(_("最多 %(max)s 项。", max=MAX_ITEMS))
        out, errors = [], []
        for n, item in enumerate(items, start=1):
            try:
                normalized = self.parse(item)
            except ValidationError as exc:
                errors.append(_("第 %(n)s 项（%(value)s）：%(message)s", n=n, value=item[:40],
                                message=" ".join(str(m) for m in exc.messages)))
                continue
            if normalized in out:
                errors.append(_("第 %(n)s 项（%(value)s）重复。", n=n, value=item[:40]))
            out.append(normalized)
        if errors:
            raise ValidationError(errors)
        return out


def parse_patent(kinds: tuple[str, ...]):
    """A Chinese patent application number with its check digit (core.identifiers), of one of ``kinds``."""
    from ipservice.core.identifiers import PATENT_KINDS, parse_patent_application_number

    def parse(text):
        number = parse_patent_application_number(text)
        if kinds and number.kind not in kinds:
            names = {"invention": _("发明"), "utility_model": _("实用新型"), "design": _("外观设计"),
                     "pct_invention": _("PCT 发明"), "pct_utility_model": _("PCT 实用新型")}
            raise ValidationError(_("%(kind)s专利不适用本政策（适用：%(kinds)s）。", kind=names[number.kind],
                                    kinds=listing(names[k] for k in PATENT_KINDS.values() if k in kinds)))
        return number.normalized

    return parse


def parse_pct(text: str) -> str:
    """A PCT international application number, PCT/CN2019/123456 (separators and case are forgiven)."""
    return identifiers.pct_number(text)


class DocumentNumber(Text):
    """A document number: kept as entered for showing (trimmed, upper case), and it must have a canonical
    form (``core.identifiers.document_number``), which is what one subsidy per object is checked on."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = identifiers.display_document_number(super()._deserialize(value, attr, data, **kwargs))
        identifiers.document_number(value)
        return value
