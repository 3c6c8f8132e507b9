"""Spreadsheet cells → form input: text, dates, yes/no, choices by label or code, and the column
description (``Column``) every kind's import spec is made of."""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

class Invalid(Exception):
    """A cell that cannot become a value of its field; the message is for the report."""


# --- cells to values ---------------------------------------------------------------------------------------

def norm(text) -> str:
    """How headers and choice labels are compared: NFKC, no whitespace, lower case, no trailing ``*``."""
    return _norm(str(text))


@functools.lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    # a choice column compares each cell with every label of its table: the labels are normalized once
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower().rstrip("*")


_SPACES = re.compile(r"\s+")


MAX_CELL_CHARS = 32_767  # Excel's own limit of a cell: longer text was not typed in Excel


def check_size(raw):
    """``raw``, or Invalid when it is text longer than an Excel cell can hold."""
    if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
        raise Invalid(_("单元格内容过长（%(n)s 个字符），Excel 单元格最多 %(max)s 个字符。",
                        n=f"{len(raw):,}", max=f"{MAX_CELL_CHARS:,}"))
    return raw


def as_text(raw):
    """A cell as text: integral numbers without ``.0`` (a USCC or certificate number typed as a number)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


# Excel's first day (serial 1, in the 1900 date system): 0 is a time of day, negatives are days before
# anything Excel can show; openpyxl turns them into times and 1899 dates.
EXCEL_FIRST_DAY = dt.date(1900, 1, 1)


def _not_a_serial(raw):
    return Invalid(_("“%(value)s”不是日期：Excel 日期序号从 1（1900-01-01）起，0 和负数不是日期。",
                     value=raw))


def as_date(raw):
    """An Excel date, an Excel serial number, or text ``YYYY-MM-DD`` (also ``/``, ``.`` or 年月日): the ISO
    text the schema loads (an impossible day such as 2023-02-30 stays as it is: the schema rejects it)."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        if raw < EXCEL_FIRST_DAY:
            raise _not_a_serial(raw.isoformat())
        return raw.isoformat()
    if isinstance(raw, dt.time):
        raise _not_a_serial(raw.isoformat())
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        from openpyxl.utils.datetime import from_excel

        if not raw >= 1:  # NaN too
            raise _not_a_serial(as_text(raw))
        try:
            return from_excel(raw).date().isoformat()
        except (ValueError, OverflowError, TypeError):
            return str(raw)
    text = as_text(raw)
    m = _DATE_TEXT.match(text or "")
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return text


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无"}


def as_bool(raw):
    if isinstance(raw, bool):
        return raw
    text = norm(as_text(raw))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(_("请填写“是”或“否”。"))


def joiner() -> str:
    from ipservice.core.i18n import is_english

    return ", " if is_english() else "、"


def as_choice(raw, choices: list[dict], aliases: dict | None = None):
    """A label (Chinese or English) or code of ``choices`` → the code."""
    from ipservice.core.i18n import pick

    text = as_text(raw)
    wanted = norm(text)
    for c in choices:
        if wanted in (norm(c["value"]), norm(c["label_zh"]), norm(c["label_en"])):
            return c["value"]
    for alias, value in (aliases or {}).items():
        if wanted == norm(alias) and any(c["value"] == value for c in choices):
            return value
    raise Invalid(_("“%(value)s”不是可选项，可选：%(choices)s。", value=text,
                    choices=joiner().join(pick(c["label_zh"], c["label_en"]) for c in choices)))


_SEPARATORS = re.compile(r"[、,，;；\n]+")


def as_choices(raw, choices: list[dict]):
    """Labels or codes separated by 、 or , → the codes."""
    if isinstance(raw, (list, tuple)):
        parts = raw
    else:
        parts = [p for p in _SEPARATORS.split(as_text(raw) or "") if p.strip()]
    return [as_choice(p, choices) for p in parts]


def as_integer(raw):
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else as_text(raw)


# --- the columns of a kind ---------------------------------------------------------------------------------


@dataclass
class Column:
    key: str                                  # the schema's field name (or a key of the import itself)
    names: tuple[str, ...]                    # accepted headers; the first is the Chinese column name
    label_en: str
    required: bool = True
    convert: Callable = as_text

    @property
    def label(self) -> str:
        from ipservice.core.i18n import pick

        return pick(self.names[0], self.label_en)


def labels_table(table: dict, keys=None) -> list[dict]:
    from ipservice.core.labels import choices

    return choices(table, keys)


def status_column(statuses) -> Column:
    from ipservice.core import labels

    return Column("status", ("状态", "status", "审核状态"), "Status", False,
                  lambda raw: as_choice(raw, labels_table(labels.statuses(), statuses)))


def tenant_columns(fields) -> list[Column]:
    out = []
    for f in fields:
        choices = [dict(c) for c in f.choices]
        convert = {
            "choice": lambda raw, c=choices: as_choice(raw, c),
            "multi_choice": lambda raw, c=choices: as_choices(raw, c),
            "date": as_date, "boolean": as_bool, "integer": as_integer,
        }.get(f.type, as_text)
        out.append(Column(f.name, (f.label_zh, f.name, f.label_en), f.label_en, f.required, convert))
    return out


