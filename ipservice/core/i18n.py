"""Chinese first, English complete.

- The locale comes from ``?lang=`` (remembered in a cookie), then the cookie, then Accept-Language;
  the default is zh_CN.
- Message ids are the Chinese text; ``translations/en`` holds the English. The catalogs are compiled
  from the ``.po`` files when the app starts (into the instance folder), so nobody has to remember to.
- Marshmallow's own English messages are translated where errors leave the app (``localize_errors``).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import get_locale
from flask_babel import gettext as _

SUPPORTED = ("zh_CN", "en")
LANG_COOKIE = "lang"


def normalize(lang: str | None) -> str | None:
    if not lang:
        return None
    lang = lang.replace("-", "_").strip()
    low = lang.lower()
    if low.startswith("zh"):
        return "zh_CN"
    if low.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    if not request:
        return "zh_CN"
    chosen = normalize(request.args.get("lang"))
    if chosen:
        g.set_lang_cookie = chosen
        return chosen
    cookie = normalize(request.cookies.get(LANG_COOKIE))
    if cookie and "/api/" not in request.path:
        return cookie
    best = request.accept_languages.best_match(["zh_CN", "zh", "zh-CN", "en"], default="zh_CN")
    return normalize(best) or "zh_CN"


def is_english() -> bool:
    return str(get_locale()) == "en"


def pick(zh: str, en: str) -> str:
    """The label of a configured item (tenant data carries both languages) in the current locale."""
    return en if is_english() and en else zh


def listing(items, label=None, sep: str = "、") -> str:
    """Items (through ``label`` when given) joined as the reader's language joins a list: 、 (or ；) in
    Chinese, ", " (or "; ") in English."""
    english = {"、": ", ", "；": "; "}
    return (english.get(sep, sep) if is_english() else sep).join(str(label(i) if label else i) for i in items)


def remember_language(response):
    lang = g.pop("set_lang_cookie", None)
    if lang and "/api/" not in request.path:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def compile_catalogs(source: Path, target: Path) -> Path:
    """Compile every ``.po`` under ``source`` to ``.mo`` under ``target`` when missing or older."""
    for po in source.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parts[-3])
        # a file of its own per writer: the workers of a fresh deployment compile at the same moment
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=mo.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, mo)
    return target


# Marshmallow's default messages, as patterns, with their translations.
def _marshmallow_table():
    return [
        (r"Missing data for required field\.", lambda m: _("缺少必填字段。")),
        (r"Field may not be null\.", lambda m: _("该字段不能为空。")),
        (r"Unknown field\.", lambda m: _("不允许的字段。")),
        (r"Invalid input type\.", lambda m: _("输入类型无效。")),
        (r"Invalid type\.", lambda m: _("类型无效。")),
        (r"Invalid value\.", lambda m: _("值无效。")),
        (r"Invalid input\.", lambda m: _("输入无效。")),
        (r"Not a valid string\.", lambda m: _("不是有效的文本。")),
        (r"Not a valid utf-8 string\.", lambda m: _("不是有效的 UTF-8 文本。")),
        (r"Not a valid integer\.", lambda m: _("不是有效的整数。")),
        (r"Not a valid number\.", lambda m: _("不是有效的数字。")),
        (r"Number too large\.", lambda m: _("数字过大。")),
        (r"Not a plausible indicator value\.",
         lambda m: _("数值过大：请按指标的单位填写，绝对值不超过一万亿。")),
        (r"Not a valid boolean\.", lambda m: _("不是有效的布尔值（是/否）。")),
        (r"Not a valid date\.", lambda m: _("不是有效的日期（格式 YYYY-MM-DD）。")),
        (r"Not a valid (?:\w+ )?datetime\.", lambda m: _("不是有效的日期时间。")),
        (r"Not a valid list\.", lambda m: _("不是有效的列表。")),
        (r"Not a valid mapping type\.", lambda m: _("不是有效的对象。")),
        (r"Not a valid email address\.", lambda m: _("不是有效的电子邮箱地址。")),
        (r"Not a valid URL\.", lambda m: _("不是有效的网址。")),
        (r"Not a valid UUID\.", lambda m: _("不是有效的标识。")),
        (r"Special numeric values \(nan or infinity\) are not permitted\.", lambda m: _("不允许特殊数值。")),
        (r"String does not match expected pattern\.", lambda m: _("格式不正确。")),
        (r"Longer than maximum length (?P<max>\d+)\.",
         lambda m: _("长度不能超过 %(max)s 个字符。", max=m["max"])),
        (r"Shorter than minimum length (?P<min>\d+)\.",
         lambda m: _("长度不能少于 %(min)s 个字符。", min=m["min"])),
        (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
         lambda m: _("长度须在 %(min)s 到 %(max)s 之间。", min=m["min"], max=m["max"])),
        (r"Length must be (?P<equal>\d+)\.", lambda m: _("长度须为 %(equal)s。", equal=m["equal"])),
        (r"Must be one of: (?P<choices>.*)\.",
         lambda m: _("必须是以下之一：%(choices)s。", choices=m["choices"])),
        (r"One or more of the choices you made was not in: (?P<choices>.*)\.",
         lambda m: _("所选项不在可选范围内：%(choices)s。", choices=m["choices"])),
        (r"Must be greater than or equal to (?P<min>\S+)\.",
         lambda m: _("必须大于或等于 %(min)s。", min=m["min"])),
        (r"Must be greater than (?P<min>\S+)\.", lambda m: _("必须大于 %(min)s。", min=m["min"])),
        (r"Must be less than or equal to (?P<max>\S+)\.",
         lambda m: _("必须小于或等于 %(max)s。", max=m["max"])),
        (r"Must be less than (?P<max>\S+)\.", lambda m: _("必须小于 %(max)s。", max=m["max"])),
        (r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
         lambda m: _("必须在 %(min)s 到 %(max)s 之间。", min=m["min"], max=m["max"])),
    ]


_COMPILED: list | None = None


def translate_message(message):
    global _COMPILED
    if not isinstance(message, str):
        return message
    if _COMPILED is None:
        _COMPILED = [(re.compile(p + r"\Z"), f) for p, f in _marshmallow_table()]
    for pattern, fn in _COMPILED:
        m = pattern.match(message)
        if m:
            return fn(m.groupdict())
    return message


def localize_errors(errors):
    """Translate marshmallow's messages anywhere in a nested error structure."""
    if isinstance(errors, dict):
        return {str(k): localize_errors(v) for k, v in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [localize_errors(v) for v in errors]
    return translate_message(str(errors)) if errors is not None else errors


_CJK_RUN = None


def mark_zh(text):
    """Tenant data shown on a page: on an English page, the Chinese inside an English text (a term such as
    贯标 kept beside its translation, a quoted phrase) is marked ``lang="zh"``, so that readers and
    screen readers know; everything is escaped. Chinese pages show the text as it is."""
    import re

    from markupsafe import Markup, escape

    global _CJK_RUN
    if text is None:
        return ""
    if not is_english():
        return text
    if _CJK_RUN is None:
        _CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+"
                              r"(?:[ \u3000-\u303f\u4e00-\u9fff\uff00-\uffef\d]*"
                              r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])?")
    return Markup(_CJK_RUN.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', str(escape(text))))
