"""Right numbers by IP type, for a case: Chinese patent application numbers (parsed and checked by
``core.identifiers``, the one validator of them every area uses), trademark registration numbers, free text
for the other kinds of right.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from marshmallow import ValidationError

from ipservice.core.identifiers import RightNumber, parse_patent_application_number

FREE_TEXT_MAX = 100
TRADEMARK_MAX_DIGITS = 10


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_trademark_number(value: str) -> RightNumber:
    """商标注册号: digits only (1–10), spaces allowed and removed; "第…号" is accepted around it."""
    text = _nfkc(value)
    text = re.sub(r"^第\s*|\s*号$", "", text)
    text = re.sub(r"\s", "", text)
    if not re.fullmatch(rf"\d{{1,{TRADEMARK_MAX_DIGITS}}}", text):
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
