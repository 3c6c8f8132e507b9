"""Small pieces (issue 19, item 6): ruff finds nothing in ``ipservice/`` and ``tests/``, and no module of
``ipservice/`` is longer than 400 lines.

The rules are ruff's, configured once in ``pyproject.toml`` ([tool.ruff]): pyflakes, pycodestyle at 110
columns, bugbear, simplify, pyupgrade and mccabe with a complexity of at most 15 per block.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ipservice"
MAX_MODULE_LINES = 400

# Rewritten at the same time on other branches (issue 19, items 2, 4 and 5, and the split of the kinds'
# services that follows): until those land these files may still have ruff findings or be too long. The
# lead removes this list when merging; nothing else belongs in it.
BEING_REWRITTEN = {
    "ipservice/cases/api.py",
    "ipservice/cases/rights.py",
    "ipservice/cases/services.py",
    "ipservice/cases/views.py",
    "ipservice/certification/api.py",
    "ipservice/certification/services.py",
    "ipservice/certification/views.py",
    "ipservice/core/filing.py",
    "ipservice/core/labels.py",
    "ipservice/custody/api.py",
    "ipservice/custody/services.py",
    "ipservice/custody/views.py",
    "ipservice/kpi/metrics.py",
    "ipservice/subsidy/api.py",
    "ipservice/subsidy/services.py",
    "ipservice/subsidy/views.py",
    "ipservice/tenants/config.py",
    "ipservice/tenants/schemas.py",
}


def test_ruff_finds_nothing():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--no-cache", "ipservice",
         "tests"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), f"ruff did not run: {run.stderr}"
    findings = [f for f in json.loads(run.stdout)
                if Path(f["filename"]).resolve().relative_to(ROOT).as_posix() not in BEING_REWRITTEN]
    assert findings == [], "\n".join(
        f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: {f['code']} {f['message']}"
        for f in findings)


def test_no_module_above_the_size_limit():
    too_long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES and module not in BEING_REWRITTEN:
            too_long[module] = lines
    assert too_long == {}, f"modules above {MAX_MODULE_LINES} lines: {too_long}"
