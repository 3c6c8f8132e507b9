"""Field validators that several areas share, with messages in the user's language."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

# What no text may hold: control characters (C0, DEL, C1: Cc), invisible format characters (bidi
# embeddings, overrides and isolates, zero-width characters, the BOM, the soft hyphen…: Cf), the line and
# paragraph separators (Zl, Zp) and lone surrogates (Cs). Tabs and line breaks only in multi-line text.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_LINE_BREAKS = frozenset("\t\n\r")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")


# Date filters on lists: wide enough for any real filing, narrow enough that date arithmetic and the
# UTC conversion of the bounds cannot overflow (0001-01-01 and 9999-12-31 did: 500s).
FILTER_MIN_DATE, FILTER_MAX_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)
MAX_PAGE = 1_000_000


class DateBetween(validate.Range):
    """A date range (the OpenAPI document shows it as ``x-minimum``/``x-maximum``) whose refusal names
    both bounds in the user's language."""

    def _format_error(self, value, message: str) -> str:
        return _between(self.min, self.max)


def _between(first: dt.date, last: dt.date) -> str:
    return _("日期须在 %(min)s 到 %(max)s 之间。", min=first.isoformat(), max=last.isoformat())


def filter_date(description: str, **metadata) -> fields.Date:
    """A list's date filter, bounded (FILTER_MIN_DATE–FILTER_MAX_DATE) and saying so in its description."""
    bounds = f"{FILTER_MIN_DATE.isoformat()} to {FILTER_MAX_DATE.isoformat()}"
    return fields.Date(validate=DateBetween(min=FILTER_MIN_DATE, max=FILTER_MAX_DATE),
                       metadata={**metadata, "description": f"{description}; from {bounds}"})


def filter_date_problem(day: dt.date) -> str | None:
    """Why a date typed into a page's filter is out of bounds (the API's message); None when it is not."""
    return None if FILTER_MIN_DATE <= day <= FILTER_MAX_DATE else _between(FILTER_MIN_DATE, FILTER_MAX_DATE)


def page_number(value) -> int:
    """A page number from a page's query string: bad or absurd values become the nearest valid one."""
    try:
        return min(max(1, int(value)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def normalize_uscc(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


# GB 32100-2015 统一社会信用代码: the character set (0–9 and the capitals without I, O, S, V, Z), each
# character's value is its position here.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# Weights of positions 1–17: 3^(i-1) mod 31 (the standard's table of 加权因子).
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# 登记管理部门代码 → its 机构类别代码, from the standard's table and its published additions
# (A: 中央军委改革和编制办公室; N: 农业 — 农村集体经济组织).
USCC_CATEGORIES = {
    "1": "1239",    # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",      # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",      # 文化: 外国在华文化中心, 其他
    "5": "1239",    # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",     # 旅游: 外国旅游部门常驻代表机构, 港澳台地区旅游部门常驻内地（大陆）代表机构, 其他
    "7": "129",     # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",      # 工会: 基层工会, 其他
    "9": "123",     # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",      # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",    # 农业: 组级、村级、乡镇级集体经济组织, 其他
    "Y": "1",       # 其他
}


def uscc_check_character(first17: str) -> str:
    """The 18th character of a USCC from its first 17 (GB 32100-2015, 校验码: 31 − Σ(Ci×Wi) mod 31)."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why ``value`` (normalized) is not a valid USCC, in the user's language; None when it is valid.
    One reason, checked in order: length, characters, authority and category, region, check character."""
    if len(value) != 18:
        return _("统一社会信用代码应为 18 位（现为 %(n)s 位）。", n=len(value))
    wrong = sorted({ch for ch in value if ch not in _USCC_VALUE})
    if wrong:
        return _("统一社会信用代码只能由数字和除 I、O、S、V、Z 以外的大写字母组成，不能含有：%(chars)s。",
                 chars=" ".join(wrong))
    if value[1] not in USCC_CATEGORIES.get(value[0], ""):
        return _("统一社会信用代码前两位“%(code)s”不是国家标准规定的登记管理部门代码和机构类别代码。",
                 code=value[:2])
    if not value[2:8].isdigit():
        return _("统一社会信用代码第 3—8 位应为 6 位数字的行政区划码。")
    if uscc_check_character(value[:17]) != value[17]:
        return _("统一社会信用代码校验位不正确，请核对。")
    return None


def validate_uscc(value: str) -> str:
    """统一社会信用代码 (GB 32100-2015): the normalized code, or a ValidationError saying why not."""
    value = normalize_uscc(value)
    problem = uscc_problem(value)
    if problem:
        raise ValidationError(problem)
    return value



class OptionalUscc(fields.String):
    """统一社会信用代码, optional: blank means none; when given the check character is verified."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not normalize_uscc(value):
            return None
        return validate_uscc(value)


def invisible_character_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored as text (a control, format or separator character, or a line break
    where one line is wanted), in the user's language; None when it may."""
    if value.isprintable():  # the common case, in C: no character of any refused category
        return None
    for position, ch in enumerate(value, 1):
        if ch in _LINE_BREAKS:
            if not multiline:
                return _("只能填写一行文字，不能含换行符或制表符。")
        elif unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return _("第 %(n)s 个字符（U+%(code)04X）是控制字符或不可见的格式字符，不能使用。",
                     n=position, code=ord(ch))
    return None


def refuse_invisible(value: str, multiline: bool = False) -> str:
    """``value``, or a ValidationError saying which character is not allowed
    (``invisible_character_problem``)."""
    problem = invisible_character_problem(value, multiline)
    if problem:
        raise ValidationError(problem)
    return value


class Text(fields.String):
    """A trimmed single- or multi-line text without control or invisible format characters."""

    def __init__(self, *args, max_length: int = 200, multiline: bool = False, **kwargs):
        self.max_length = max_length
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = refuse_invisible(super()._deserialize(value, attr, data, **kwargs).strip(), self.multiline)
        if len(value) > self.max_length:
            raise ValidationError(_("长度不能超过 %(max)s 个字符（现有 %(length)s 个字符）。",
                                    max=self.max_length, length=len(value)))
        if self.required and not value:
            raise ValidationError(_("缺少必填字段。"))
        return value


class Email(fields.Email):
    """An e-mail address without invisible characters: marshmallow lets a format character (U+202E…)
    through in the domain part."""

    def _deserialize(self, value, attr, data, **kwargs):
        return refuse_invisible(super()._deserialize(value, attr, data, **kwargs))


class Uscc(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return validate_uscc(super()._deserialize(value, attr, data, **kwargs))


class Phone(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if not _PHONE.match(value):
            raise ValidationError(_("请填写有效的电话号码。"))
        return value


class JsonBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` only: marshmallow's Boolean also takes 0, 1, "yes", "on"… (and
    ``1 in {True}`` holds, so ``truthy={True}`` would not narrow it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
