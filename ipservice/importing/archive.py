"""An .xlsx is a zip: its declared sizes are checked before openpyxl opens it, so that a small file that
expands hugely (a 400 KB file with one 400 MB cell took 923 MB of memory) is refused with a message
instead of being unpacked. zipfile never yields more than an entry's declared size, so the declared
sizes bound what openpyxl can read."""
from __future__ import annotations

import zipfile
from pathlib import Path

from flask_babel import gettext as _

MB = 1024 * 1024
MAX_UNPACKED_BYTES = 200 * MB  # the whole workbook unpacked; a 100 000-row ledger is about 60 MB
MAX_RATIO = 100  # spreadsheets' XML packs 5–30 times; far beyond that the file was made to expand
RATIO_FROM_BYTES = 32 * MB  # below this a ratio, however high, costs nothing


def problem(path: Path) -> str | None:
    """Why the workbook is refused before it is opened, in the user's language; None when it may be
    opened (also when it is no zip at all: openpyxl then says what is wrong with it)."""
    try:
        with zipfile.ZipFile(path) as z:
            entries = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    unpacked = sum(e.file_size for e in entries)
    packed = max(sum(e.compress_size for e in entries), 1)
    if unpacked > MAX_UNPACKED_BYTES:
        return _("文件解压后有 %(size)s MB，超过 %(max)s MB 的上限，请拆分成几个文件再导入。",
                 size=unpacked // MB, max=MAX_UNPACKED_BYTES // MB)
    if unpacked > RATIO_FROM_BYTES and unpacked / packed > MAX_RATIO:
        return _("文件的压缩比异常（%(ratio)s 倍，解压后 %(size)s MB），不像正常的 Excel 文件，已拒绝导入。",
                 ratio=int(unpacked / packed), size=unpacked // MB)
    return None
