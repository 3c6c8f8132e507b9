"""Translation catalogs: message ids are Chinese; translations/en holds the English.

  python tools/i18n.py update          extract the messages and merge them into the en catalog
  python tools/i18n.py missing         list messages without an English translation (exit 1 if any)
  python tools/i18n.py fill FILE.json  set English translations from {"中文": "English", ...}

Runs under a file lock, so several people editing at once do not overwrite each other.
The .mo files are compiled by the app at start-up; nobody compiles by hand.
"""
from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
EN = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


@contextmanager
def locked():
    TRANSLATIONS.mkdir(exist_ok=True)
    with open(TRANSLATIONS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _read(path):
    with path.open("rb") as f:
        return read_po(f, locale="en")


def _write(catalog, path):
    with path.open("wb") as f:
        write_po(f, catalog, width=0, sort_output=False, omit_header=False)


def update():
    with locked():
        subprocess.run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                        "--no-location", "--sort-output", "-o", str(POT), str(ROOT)], check=True, cwd=ROOT)
        if EN.exists():
            subprocess.run(["pybabel", "-q", "update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en",
                            "--no-fuzzy-matching", "--ignore-obsolete", "-w", "0"], check=True)
        else:
            subprocess.run(["pybabel", "-q", "init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en"], check=True)
    missing()


def missing() -> int:
    catalog = _read(EN)
    todo = [m.id for m in catalog if m.id and not m.string]
    for msgid in todo:
        print(json.dumps(msgid if isinstance(msgid, str) else msgid[0], ensure_ascii=False))
    return 1 if todo else 0


def fill(path: str):
    pairs = json.loads(Path(path).read_text(encoding="utf-8"))
    with locked():
        catalog = _read(EN)
        for message in catalog:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in pairs:
                message.string = pairs[key] if isinstance(message.id, str) else (pairs[key], pairs[key])
        _write(catalog, EN)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "update":
        update()
    elif command == "fill":
        fill(sys.argv[2])
    else:
        sys.exit(missing())
