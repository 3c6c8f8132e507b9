"""Field validators that several areas share, with messages in the user's language."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")


# Date filters on lists: wide enough for any real filing, narrow enough that date arithmetic and the
# UTC conversion of the bounds cannot overflow (0001-01-01 and 9999-12-31 did: 500s).
FILTER_MIN_DATE, FILTER_MAX_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)
MAX_PAGE = 1_000_000


def filter_date(description: str) -> fields.Date:
    return fields.Date(validate=validate.Range(min=FILTER_MIN_DATE, max=FILTER_MAX_DATE),
                       metadata={"description": description})


def page_number(value) -> int:
    """A page number from a page's query string: bad or absurd values become the nearest valid one."""
    try:
        return min(max(1, int(value)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def normalize_uscc(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_uscc(value: str) -> str:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character."""
    value = normalize_uscc(value)
    try:
        return stdnum_uscc.validate(value)
    except StdnumError as exc:
        if len(value) != 18:
            raise ValidationError(_("统一社会信用代码应为 18 位。")) from exc
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。")) from exc


class Text(fields.String):
    """A trimmed single- or multi-line text without control characters."""

    def __init__(self, *args, max_length: int = 200, multiline: bool = False, **kwargs):
        self.max_length = max_length
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if _CONTROL.search(value) or (not self.multiline and ("\n" in value or "\r" in value)):
            raise ValidationError(_("包含不允许的控制字符。"))
        if len(value) > self.max_length:
            raise ValidationError(_("长度不能超过 %(max)s 个字符。", max=self.max_length))
        if self.required and not value:
            raise ValidationError(_("缺少必填字段。"))
        return value


class Uscc(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return validate_uscc(super()._deserialize(value, attr, data, **kwargs))


class Phone(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if not _PHONE.match(value):
            raise ValidationError(_("请填写有效的电话号码。"))
        return value
