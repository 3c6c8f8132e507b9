"""Issue 20, English corrections: the English beside every Chinese text of ``tenants/`` and the English
catalog
use one rendering per term of the documents (the audit found "set(s)", 贯标 left in English, "SME" for 中小微,
one bureau under two names …). Each rule below fails on the wording it replaced."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# CJK allowed in English text: the documents' own clause numbers (二(一)3, 三(二)2 …)
CLAUSE = re.compile(r"^[一二三四五六七八九十]+$")
CJK = re.compile(r"[\u3400-\u9fff]+")


def _walk(x, where):
    """(where, zh, en) for every text with its English beside it (``x`` / ``x_en``, ``x_zh`` / ``x_en``, a
    target's ``note`` / ``note_en``, and the unit lists)."""
    if isinstance(x, list):
        for i, v in enumerate(x):
            yield from _walk(v, f"{where}[{i}]")
        return
    if not isinstance(x, dict):
        return
    for key, en in x.items():
        if key.endswith("_en"):
            zh = x.get(key[:-3], x.get(key[:-3] + "_zh"))
            if isinstance(en, str) and isinstance(zh, str):
                yield f"{where}.{key}", zh, en
            elif isinstance(en, list) and isinstance(zh, list):
                yield from ((f"{where}.{key}[{i}]", a, b)
                            for i, (a, b) in enumerate(zip(zh, en, strict=True)))
        elif isinstance(x[key], (dict, list)):
            yield from _walk(x[key], f"{where}.{key}")


def _tenant_texts():
    for path in sorted((ROOT / "tenants").glob("*/*.toml")):
        yield from _walk(tomllib.loads(path.read_text(encoding="utf-8")), f"{path.parent.name}/{path.name}")


TEXTS = list(_tenant_texts())


def _catalog():
    with CATALOG.open("rb") as f:
        return [(m.id if isinstance(m.id, str) else m.id[0],
                 m.string if isinstance(m.string, str) else " ".join(m.string))
                for m in read_po(f, locale="en") if m.id and m.string]


def _wrong(pairs, bad):
    return [f"{where}: {en[:160]!r}" for where, zh, en in pairs if bad(zh, en)]


# (what, the wrong wording: (zh, en) -> bool)
RULES = {
    "'set(s)' (the document sets / documents set)": lambda zh, en: "set(s)" in en,
    "贯标 untranslated (certification to the IP management standard)": lambda zh, en: "贯标" in en,
    "Chinese words in English (other than clause numbers)":
        lambda zh, en: any(not CLAUSE.match(w) for w in CJK.findall(en)),
    "'SME' (中小微 is 'small, medium and micro'; 中小企业 'small and medium-sized')":
        lambda zh, en: re.search(r"\bSMEs?\b", en) is not None,
    "中小微 not 'small, medium and/or micro'":
        lambda zh, en: "中小微" in zh and not re.search(r"small, medium (and|or) micro", en, re.I),
    "规模以上工业企业 not 'industrial enterprises above designated size'":
        lambda zh, en: ("规模以上工业企业" in zh or "规上工业企业" in zh)
        and "industrial enterprises above designated size" not in en,
    "金融局 not the 'Financial Work Bureau'":
        lambda zh, en: zh.endswith("金融局") and "Financial Work Bureau" not in en,
    "财政局 not the 'Finance Bureau'":
        lambda zh, en: zh.endswith("财政局") and not en.endswith("Finance Bureau"),
    "民生 not 'people's livelihood'": lambda zh, en: "民生" in zh and "people's livelihood" not in en,
    "知识产权代理师 not 'IP attorneys'": lambda zh, en: "知识产权代理师" in zh and "IP attorneys" not in en,
    "知识产权强市 not 'strong IP city'":
        lambda zh, en: "知识产权强市" in zh and "strong ip city" not in en.lower(),
}


@pytest.mark.parametrize("what", list(RULES))
def test_tenant_english(what):
    wrong = _wrong(TEXTS, RULES[what])
    assert not wrong, f"{what}:\n" + "\n".join(wrong)


# The catalog may quote Chinese the user types ("Write “是” or “否”"): every rule but that one.
@pytest.mark.parametrize("what", [w for w in RULES if not w.startswith("Chinese words")])
def test_catalog_english(what):
    wrong = _wrong([("messages.po", zh, en) for zh, en in _catalog()], RULES[what])
    assert not wrong, f"{what}:\n" + "\n".join(wrong)


def test_certification_is_named_one_way_in_the_catalog():
    wrong = [en for _zh, en in _catalog() if "IP-management-standard" in en]
    assert not wrong, wrong


def test_xian_bureau_has_one_english_name_in_every_task():
    tenant = tomllib.loads((ROOT / "tenants" / "xian" / "tenant.toml").read_text(encoding="utf-8"))
    bureau = tenant["bureau_en"]
    names = [(where, en) for where, zh, en in TEXTS
             if where.startswith("xian/tasks") and "units_en" in where and zh == "市市场监管局(知识产权局)"]
    assert len(names) == 84
    assert {en for _w, en in names} == {bureau}


def test_xian_2017_08_counts_the_portfolios_together_as_the_document_does():
    """"其中,发明专利数量不低于50件": among the 20 portfolios, not in each of them."""
    task = next((zh, en) for where, zh, en in TEXTS if where.startswith("xian/tasks-2017.toml")
                and "发明专利数量不低于50件" in zh and where.endswith("content_en"))
    assert not re.search(r"\beach\b", task[1])


def test_what_the_documents_call_a_grant_is_a_grant():
    """资助 is a grant (not "funding" or "subsidy") wherever the Chinese says it."""
    wrong = [f"{w}: {en[:120]}" for w, zh, en in TEXTS if "资助" in zh and "grant" not in en.lower()]
    assert not wrong, "\n".join(wrong)
