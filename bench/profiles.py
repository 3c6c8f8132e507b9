"""Read a py-spy flame graph (SVG) back into numbers: where the samples went.

py-spy writes each frame as ``<title>function (file:line) (N samples, P%)</title><rect … fg:x fg:w>``,
one row per stack depth. From the frames' positions the call tree is rebuilt, and the samples are
summed three ways:

- ``leaf``: the function that was running (self time), by function and file;
- ``app``: the innermost ``ipservice`` function on the stack — which of the service's functions the time
  is spent for, including the libraries it calls (outside any: the package that was running);
- ``package``: the package of the running function (sqlalchemy, marshmallow, jinja2, hashlib …).
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

_FRAME = re.compile(r'<title>(.*?) \((\d[\d,]*) samples?, [\d.]+%\)</title><rect [^>]*?y="(\d+(?:\.\d+)?)"'
                    r'[^>]*?fg:x="(\d+)" fg:w="(\d+)"')
_NAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _split(title: str) -> tuple[str, str]:
    if title.startswith("process ") and ":" in title:  # --subprocesses: the root frame of each process
        return "(process, no Python frame)", ""
    m = _NAME.match(title)
    return (m["func"], m["file"]) if m else (title, "")


def package_of(file: str) -> str:
    if "ipservice/" in file:
        return "ipservice"
    if "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    file = file.lstrip("/")
    if file.startswith("<"):
        return file
    first = file.split("/", 1)[0]
    return first[:-3] if first.endswith(".py") else first


def _short(file: str) -> str:
    if "ipservice/" in file:
        return "ipservice/" + file.split("ipservice/", 1)[1]
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1]
    return file.rsplit("lib/python3", 1)[-1].split("/", 1)[-1] if "lib/python3" in file else file


def analyse(svg: Path, top: int = 8) -> dict:
    """``{"samples", "leaf": [...], "app": [...], "package": [...]}``, each a list of
    ``{"name", "samples", "share"}`` sorted by samples, ``top`` long."""
    frames = []
    for title, _n, y, x, w in _FRAME.findall(svg.read_text(encoding="utf-8", errors="replace")):
        frames.append((float(y), int(x), int(w), html.unescape(title)))
    if not frames:
        return {"samples": 0, "leaf": [], "app": [], "package": []}
    levels = sorted({f[0] for f in frames})
    by_level = defaultdict(list)
    for f in frames:
        by_level[f[0]].append(f)
    for lv in by_level.values():
        lv.sort(key=lambda f: f[1])
    # parent of every frame: the frame one level up whose [x, x+w) holds it
    parent: dict[tuple, tuple | None] = {}
    children_w: dict[tuple, int] = defaultdict(int)
    for i, level in enumerate(levels):
        up = by_level[levels[i - 1]] if i else []
        xs = [f[1] for f in up]
        for f in by_level[level]:
            p = None
            if up:
                j = bisect_right(xs, f[1]) - 1
                if j >= 0 and up[j][1] <= f[1] < up[j][1] + up[j][2]:
                    p = up[j]
            parent[f] = p
            if p is not None:
                children_w[p] += f[2]
    total = sum(f[2] for f in by_level[levels[0]])
    leaf, app, package = defaultdict(int), defaultdict(int), defaultdict(int)
    for f in frames:
        self_w = f[2] - children_w.get(f, 0)
        if self_w <= 0:
            continue
        func, file = _split(f[3])
        leaf[f"{func} ({_short(file)})"] += self_w
        package[package_of(file) if file else func] += self_w
        owner, node = None, f
        while node is not None:
            nfunc, nfile = _split(node[3])
            if "ipservice/" in nfile:
                owner = f"{nfunc} ({_short(nfile)})"
                break
            node = parent.get(node)
        app[owner or f"outside ipservice: {package_of(file) if file else func}"] += self_w

    def ranked(d):
        return [{"name": k, "samples": v, "share": round(v / total, 4) if total else 0}
                for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]

    return {"samples": total, "leaf": ranked(leaf), "app": ranked(app), "package": ranked(package)}


if __name__ == "__main__":
    import json
    import sys

    for path in sys.argv[1:]:
        print(path)
        print(json.dumps(analyse(Path(path)), ensure_ascii=False, indent=1))
