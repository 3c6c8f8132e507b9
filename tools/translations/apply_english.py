"""Insert the English beside the Chinese in tenants/*/tasks*.toml and kpis*.toml (issue 10).

Run once with the translation tables (JSON, written by hand: see the issue); kept for the record and for
a new district's files. Each *_en line goes right after its Chinese line; existing *_en lines are kept.
Usage: python tools/translations/apply_english.py COMMON.json TASKS.json… 
"""
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tenants"
CJK = re.compile(r"[\u3400-\u9fff]")


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def blocks(text: str, header: str):
    """(start, end) of each [[header]] block."""
    starts = [m.start() for m in re.finditer(rf"^\[\[{header}\]\]\n", text, re.M)]
    ends = [m.start() for m in re.finditer(r"^\[\[", text, re.M)] + [len(text)]
    for s in starts:
        yield s, next(e for e in ends if e > s)


def after(block: str, key: str, line: str) -> str:
    if re.search(rf"^{key}_en = ", block, re.M) or re.search(rf"^{key}_en = ", block, re.M):
        return block
    return re.sub(rf"^({key} = [^\n]*\n)", lambda m: m.group(1) + line + "\n", block, count=1, flags=re.M)


def english_tasks(text, common, tasks):
    out, last = [], 0
    for s, e in blocks(text, "tasks"):
        block = text[s:e]
        t = tomllib.loads(block.replace("[[tasks]]", "", 1))
        code = t["code"]
        title_en, content_en = tasks[code]
        if t.get("section"):
            block = after(block, "section", f"section_en = {q(common['sections'][t['section']])}")
        block = after(block, "title", f"title_en = {q(title_en)}")
        if t.get("content"):
            block = after(block, "content", f"content_en = {q(content_en)}")
        for key in ("lead_units", "partner_units"):
            units = [common["units"][u] for u in t.get(key, [])]
            block = after(block, key, f"{key}_en = [{', '.join(q(u) for u in units)}]")
        out.append(text[last:s] + block)
        last = e
    return "".join(out) + text[last:]


def english_indicators(text, common, notes):
    out, last = [], 0
    for s, e in blocks(text, "indicators"):
        block = text[s:e]
        t = tomllib.loads(block.replace("[[indicators]]", "", 1))
        if t.get("category"):
            block = after(block, "category", f"category_en = {q(common['categories'][t['category']])}")
        if t.get("unit"):
            block = after(block, "unit", f"unit_en = {q(common['indicator_units'][t['unit']])}")
        if CJK.search(t.get("published_growth", "")):
            block = after(block, "published_growth", f"published_growth_en = {q(common['growth'][t['published_growth']])}")

        def note(m):
            zh = json.loads(m.group(1))
            return m.group(0) if not CJK.search(zh) else f"note = {m.group(1)}, note_en = {q(notes[zh])}"

        block = re.sub(r'note = ("(?:[^"\\]|\\.)*")(?!, note_en)', note, block)
        out.append(text[last:s] + block)
        last = e
    return "".join(out) + text[last:]


def main(common_path, notes_path, *task_paths):
    common = json.loads(Path(common_path).read_text(encoding="utf-8"))
    notes = json.loads(Path(notes_path).read_text(encoding="utf-8"))
    tasks = {}
    for p in task_paths:
        data = json.loads(Path(p).read_text(encoding="utf-8"))
        titles = data.pop("_titles", None)
        for code, value in data.items():
            if titles is not None:  # xian-2022: titles by name, contents by row number
                tasks[f"xian-2022-{code}"] = value
            else:
                tasks[code] = value
        if titles is not None:
            common["xian_titles"] = titles
    for path in sorted(ROOT.glob("*/tasks*.toml")):
        text = path.read_text(encoding="utf-8")
        if "xian_titles" in common:
            for code in list(tasks):
                if isinstance(tasks[code], str):
                    title = tomllib.loads(text).get("tasks", [])
                    by_code = {t["code"]: t["title"] for t in title}
                    if code in by_code:
                        tasks[code] = [common["xian_titles"][by_code[code]], tasks[code]]
        path.write_text(english_tasks(text, common, tasks), encoding="utf-8")
    for path in sorted(ROOT.glob("*/kpis*.toml")):
        path.write_text(english_indicators(path.read_text(encoding="utf-8"), common, notes), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
