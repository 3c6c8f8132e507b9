"""The canonical form of each kind of identifier a subsidy is claimed on, in one place: two spellings of
one object give one canonical form, so that the database's unique constraint on the canonical form
(``subsidy_claims``) refuses the second claim however it is spelled.

- a document number (award certificate, loan or guarantee contract, judgment, approval reference…):
  NFKC, upper case, only its letters and digits — every run of separators, punctuation, brackets,
  whitespace and invisible characters removed ("HN-AWARD-7", "hn award 7", "HN_AWARD_7", "ＨＮ．ＡＷＡＲＤ．７"
  and "市政办发〔2017〕101号" / "市政办发[2017]101号" are one number each);
- a Chinese patent application number: its digits and check character (``cases.rights``);
- a PCT international application number: ``PCT/CN2019/123456`` whatever the separators;
- a 统一社会信用代码 (USCC): its 18 characters after the GB 32100-2015 check (``core.validators``; the
  project's own check, which accepts codes python-stdnum refuses).

Each canonicaliser raises a localized ``ValidationError`` for text that is no such identifier.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from marshmallow import ValidationError, fields

from ipservice.core.validators import validate_uscc

_PCT = re.compile(r"^PCT([A-Z]{2})(\d{4})(\d{6})$")


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
    from ipservice.cases.rights import parse_patent_application_number

    return parse_patent_application_number(text).normalized


def pct_number(text: str, last_year: int) -> str:
    """A PCT international application number as ``PCT/CN2019/123456`` (filed 1978 … ``last_year``)."""
    m = _PCT.match(letters_and_digits(text))
    if not m or not 1978 <= int(m[2]) <= last_year:
        raise ValidationError(_("PCT 国际申请号格式应为 PCT/CN2019/123456。"))
    return f"PCT/{m[1]}{m[2]}/{m[3]}"


def uscc(text: str) -> str:
    """A 统一社会信用代码 as its 18 characters, checked against GB 32100-2015."""
    return validate_uscc(letters_and_digits(text))


class UsccField(fields.String):
    """A USCC in a form (a tenant field of type "uscc": a borrower, a guarantor…), loaded canonical."""

    def _deserialize(self, value, attr, data, **kwargs):
        return uscc(super()._deserialize(value, attr, data, **kwargs))
