"""The password policy: long enough, not blank, not a common password, not the login or the USCC.

One function, ``problems``, used by registration, the users command and the password change. The list
of common passwords ships with the package (``common-passwords.txt``, built by
``tools/build_common_passwords.py``); nothing is downloaded at run time.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128
_LIST = Path(__file__).with_name("common-passwords.txt")
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _squash(text: str) -> str:
    """Lower case without separators: 'Weak.Owner-2026' → 'weakowner2026'."""
    return _NOT_ALNUM.sub("", (text or "").lower())


def _derived(password: str, identifier: str | None) -> bool:
    """The password is the identifier, contains it, or is a piece of it (separators and case ignored)."""
    squashed, ident = _squash(password), _squash(identifier or "")
    if len(ident) < 4 or not squashed:
        return False
    return ident in squashed or squashed in ident or squashed[::-1] == ident


def problems(password: str, email: str | None = None, uscc: str | None = None) -> list[str]:
    """The reasons ``password`` is refused (localized), empty when it is acceptable."""
    password = password or ""
    if not password.strip():
        return [_("密码不能只由空白字符组成。")]
    if len(password) < MIN_LENGTH:
        return [_("密码至少需要 %(n)s 个字符。", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("密码不能超过 %(n)s 个字符。", n=MAX_LENGTH)]
    if password.strip().lower() in common_passwords() or _squash(password) in common_passwords():
        return [_("该密码过于常见，容易被猜中，请换一个。")]
    local_part = (email or "").split("@", 1)[0]
    if any(_derived(password, ident) for ident in (email, local_part, uscc)):
        return [_("密码不能是电子邮箱或统一社会信用代码，也不能由它们稍加变化得到。")]
    return []
