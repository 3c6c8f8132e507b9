"""The canonical form of each kind of identifier a subsidy is claimed on, in one place: two spellings of
one object give one canonical form, so that the database's unique constraint on the canonical form
(``subsidy_claims``) refuses the second claim however it is spelled.

- a document number (award certificate, loan or guarantee contract, judgment, approval reference…):
  NFKC, upper case, only its letters and digits — every run of separators, punctuation, brackets,
  whitespace and invisible characters removed ("HN-AWARD-7", "hn award 7", "HN_AWARD_7",
  "ＨＮ．ＡＷＡＲＤ．７" and "市政办发〔2017〕101号" / "市政办发[2017]101号" are one number each);
- a Chinese patent application number: its digits and check character (below);
- a PCT international application number: ``PCT/CN2019/123456`` whatever the separators;
- a 统一社会信用代码 (USCC): its 18 characters after the GB 32100-2015 check (``core.validators``; the
  project's own check, which accepts codes python-stdnum refuses).

Each canonicaliser raises a localized ``ValidationError`` for text that is no such identifier.

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
from marshmallow import ValidationError, fields

from ipservice.core.types import today_china
from ipservice.core.validators import validate_uscc

_PCT = re.compile(r"^PCT([A-Z]{2})(\d{4})(\d{6})$")
PATENT_KINDS = {
    "1": "invention", "2": "utility_model", "3": "design", "8": "pct_invention", "9": "pct_utility_model",
}
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_SEPARATORS = re.compile(r"[\s.\-·。]")  # in a patent number



def letters_and_digits(text: str) -> str:
    """NFKC, upper case, and only the letters (any script) and digits: what tells two numbers apart."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def display_document_number(text: str) -> str:
    """A document number as entered, for showing: NFKC, upper case, trimmed, inner whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").upper().split())


def document_number(text: str) -> str:
    """The canonical form of a document number (see the module's docstring)."""
    canonical = letters_and_digits(text)
    if not canonical:
        raise ValidationError(_("编号中应含有字母或数字。"))
    return canonical


def patent_number(text: str) -> str:
    """A Chinese patent application number as its digits and check character ("2020105660889")."""
    return parse_patent_application_number(text).normalized


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


def parse_patent_application_number(value: str) -> RightNumber:
    """Validate and normalize a Chinese patent application number; ValidationError (localized) if bad."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
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


def pct_number(text: str) -> str:
    """A PCT international application number as ``PCT/CN2019/123456`` (filed from 1978 to this year)."""
    m = _PCT.match(letters_and_digits(text))
    if not m or not 1978 <= int(m[2]) <= today_china().year:
        raise ValidationError(_("PCT 国际申请号格式应为 PCT/CN2019/123456。"))
    return f"PCT/{m[1]}{m[2]}/{m[3]}"


def uscc(text: str) -> str:
    """A 统一社会信用代码 as its 18 characters, checked against GB 32100-2015."""
    return validate_uscc(letters_and_digits(text))


class UsccField(fields.String):
    """A USCC in a form (a tenant field of type "uscc": a borrower, a guarantor…), loaded canonical."""

    def _deserialize(self, value, attr, data, **kwargs):
        return uscc(super()._deserialize(value, attr, data, **kwargs))
