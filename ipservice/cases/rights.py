"""Right numbers by IP type: Chinese patent application numbers (with their check digit), trademark
registration numbers, free text for the other kinds of right.

Chinese patent application numbers (专利申请号, CNIPA):

- since 1 October 2003: ``YYYY T NNNNNNN . C`` — 4-digit filing year, the type digit ``T``, a 7-digit
  serial, and the check character ``C`` (e.g. 202010566088.9);
- before: ``YY T NNNNN . C`` — 2-digit year, the type digit, a 5-digit serial and ``C`` (e.g. 97101765.4).

Type digit: 1 invention, 2 utility model, 3 design, 8 PCT invention application entering China, 9 PCT
utility-model application entering China. Check character: the digits before it multiplied by the
weights 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 in turn, summed, modulo 11; a remainder of 10 is written X.
A granted patent's number is the application number with the prefix "ZL"; "CN" is also seen. Both, the
dot and spaces are accepted and normalized away.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from marshmallow import ValidationError

from ipservice.core.types import today_china

PATENT_KINDS = {
    "1": "invention", "2": "utility_model", "3": "design", "8": "pct_invention", "9": "pct_utility_model",
}
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
FREE_TEXT_MAX = 100
TRADEMARK_MAX_DIGITS = 10
_SEPARATORS = re.compile(r"[\s.\-·。]")


@dataclass(frozen=True)
class RightNumber:
    normalized: str  # what is stored for searching: "2020105660889", "971017654", "12345678"
    formatted: str   # what is shown: "202010566088.9", "97101765.4"
    kind: str | None = None  # for patents: invention, utility_model, design, pct_invention, pct_utility_model


def patent_check_character(digits: str) -> str:
    """The check character of the digits before it (8 digits old format, 12 new)."""
    total = sum(int(d) * WEIGHTS[i % len(WEIGHTS)] for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_patent_application_number(value: str) -> RightNumber:
    """Validate and normalize a Chinese patent application number; ValidationError (localized) if bad."""
    text = _nfkc(value).upper()
    text = re.sub(r"^(ZL|CN)\s*[:：]?\s*", "", text)
    text = _SEPARATORS.sub("", text)
    fmt_error = _("专利申请号格式不正确：应为 12 位数字加 1 位校验位（如 202010566088.9），"
                  "或 2003 年 10 月以前的 8 位数字加 1 位校验位（如 97101765.4），可带“ZL”前缀和小数点。")
    if not re.fullmatch(r"\d{8}[\dX]|\d{12}[\dX]", text):
        raise ValidationError(fmt_error)
    body, check = text[:-1], text[-1]
    if len(body) == 12:
        year, type_digit, type_position = int(body[:4]), body[4], 5
        if not 2003 <= year <= today_china().year:
            raise ValidationError(_("专利申请号中的申请年份（前 4 位）不正确。"))
    else:
        yy, type_digit, type_position = int(body[:2]), body[2], 3
        if not (yy >= 85 or yy <= 3):
            raise ValidationError(_("专利申请号中的申请年份（前 2 位）不正确。"))
    if type_digit not in PATENT_KINDS:
        raise ValidationError(_("专利申请号的申请种类（第 %(position)s 位）应为 1（发明）、2（实用新型）、"
                                "3（外观设计）、8（PCT 发明）或 9（PCT 实用新型）。", position=type_position))
    if patent_check_character(body) != check:
        raise ValidationError(_("专利申请号校验位不正确，请核对。"))
    return RightNumber(normalized=body + check, formatted=f"{body}.{check}", kind=PATENT_KINDS[type_digit])


def parse_trademark_number(value: str) -> RightNumber:
    """商标注册号: digits only (1–10), spaces allowed and removed; "第…号" is accepted around it."""
    text = _nfkc(value)
    text = re.sub(r"^第\s*|\s*号$", "", text)
    text = re.sub(r"\s", "", text)
    if not re.fullmatch(r"\d{1,%d}" % TRADEMARK_MAX_DIGITS, text):
        raise ValidationError(_("商标注册号应为 1 到 %(max)s 位数字。", max=TRADEMARK_MAX_DIGITS))
    return RightNumber(normalized=text, formatted=text)


def parse_free_text(value: str) -> RightNumber:
    text = _nfkc(value)
    if not text:
        raise ValidationError(_("缺少必填字段。"))
    if len(text) > FREE_TEXT_MAX:
        raise ValidationError(_("长度不能超过 %(max)s 个字符。", max=FREE_TEXT_MAX))
    return RightNumber(normalized=re.sub(r"\s+", "", text).upper(), formatted=text)


def parse_right_number(ip_type: str, value: str) -> RightNumber:
    if ip_type == "patent":
        return parse_patent_application_number(value)
    if ip_type == "trademark":
        return parse_trademark_number(value)
    return parse_free_text(value)
