"""Load and check ``tenants/<slug>/``; any problem stops start-up with the file and field named."""
from __future__ import annotations

import tomllib
from pathlib import Path

from marshmallow import ValidationError

from ipservice.tenants import config as c
from ipservice.tenants import schemas as s
from ipservice.tenants.subsidies import load_subsidies


class TenantConfigError(Exception):
    """A tenant folder is broken; the message names the file and the field."""


def _flatten(messages, prefix=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and messages and not all(isinstance(m, str) for m in messages):
        for value in messages:
            yield from _flatten(value, prefix)
    else:
        yield prefix, "; ".join(messages) if isinstance(messages, list) else str(messages)


def _load(path: Path, schema) -> dict:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenantConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return schema.load(raw)
    except ValidationError as exc:
        where = ", ".join(f"{k}: {v}" for k, v in _flatten(exc.messages))
        raise TenantConfigError(f"{path}: {where}") from exc


def _fail(path, field, message):
    raise TenantConfigError(f"{path}: {field}: {message}")


def _citation(d):
    return c.Citation(**d) if d else None


def _extra_fields(items):
    return tuple(
        c.ExtraField(name=f["name"], type=f["type"], required=f["required"], label_zh=f["label_zh"],
                     label_en=f["label_en"], choices=tuple(f["choices"]), max_length=f["max_length"],
                     source=_citation(f["source"]))
        for f in items
    )


def _year_value(d):
    return c.YearValue(year=d["year"], value=d.get("value"), note=d.get("note", "")) if d else None


def load_tenant(folder: Path) -> c.Tenant:
    tenant_file = folder / "tenant.toml"
    if not tenant_file.is_file():
        raise TenantConfigError(f"{tenant_file}: missing")
    t = _load(tenant_file, s.TenantFileSchema())
    if t["slug"] != folder.name:
        _fail(tenant_file, "slug", f"{t['slug']!r} differs from the folder name {folder.name!r}")
    documents = tuple(c.Document(**d) for d in t["documents"])
    doc_codes = {d.code for d in documents}
    if len(doc_codes) != len(documents):
        _fail(tenant_file, "documents.code", "codes repeat")

    def check_doc(path, field, code):
        if code not in doc_codes:
            _fail(path, field, f"unknown document {code!r}; known: {', '.join(sorted(doc_codes))}")

    centers = []
    for i, ce in enumerate(t["centers"]):
        check_doc(tenant_file, f"centers.{i}.source.document", ce["source"]["document"])
        centers.append(c.Center(code=ce["code"], name_zh=ce["name_zh"], name_en=ce["name_en"],
                                case_types=tuple(ce["case_types"]), source=c.Citation(**ce["source"])))

    rules, seen = [], {}
    for path in sorted(folder.glob("policy*.toml")):
        for i, r in enumerate(_load(path, s.PolicyFileSchema())["rules"]):
            check_doc(path, f"rules.{i}.source.document", r["source"]["document"])
            if r["code"] in seen:
                _fail(path, f"rules.{i}.code", f"{r['code']!r} repeats (also in {seen[r['code']]})")
            seen[r["code"]] = path.name
            rule = c.Rule(**{**r, "org_types": tuple(r["org_types"]), "source": c.Citation(**r["source"])})
            for other in rules:
                if (rule.applies_to in s.FILING_KINDS and other.applies_to == rule.applies_to
                        and rule.effective_from <= other.effective_to
                        and other.effective_from <= rule.effective_to):
                    _fail(path, f"rules.{i}.effective_from",
                          f"{rule.code} overlaps {other.code} ({rule.applies_to} rules must not overlap in time)")
            rules.append(rule)

    tables, indicators = [], []
    for path in sorted(folder.glob("kpis*.toml")):
        data = _load(path, s.KpiFileSchema())
        for i, tb in enumerate(data["tables"]):
            check_doc(path, f"tables.{i}.document", tb["document"])
            tables.append(c.KpiTable(**{**tb, "years": tuple(tb["years"])}))
        for i, ind in enumerate(data["indicators"]):
            check_doc(path, f"indicators.{i}.citation.document", ind["citation"]["document"])
            indicators.append((path, i, ind))
    table_codes = {tb.code for tb in tables}
    if len(table_codes) != len(tables):
        raise TenantConfigError(f"{folder}/kpis*.toml: tables.code: codes repeat")
    codes, seqs = set(), set()
    built = []
    for path, i, ind in indicators:
        if ind["table"] not in table_codes:
            _fail(path, f"indicators.{i}.table", f"unknown table {ind['table']!r}")
        if ind["code"] in codes:
            _fail(path, f"indicators.{i}.code", f"{ind['code']!r} repeats")
        if (ind["table"], ind["seq"]) in seqs:
            _fail(path, f"indicators.{i}.seq", f"row {ind['seq']} of {ind['table']} repeats")
        codes.add(ind["code"])
        seqs.add((ind["table"], ind["seq"]))
        built.append(c.Indicator(**{
            **ind, "baseline": _year_value(ind["baseline"]),
            "targets": tuple(_year_value(y) for y in ind["targets"]),
            "citation": c.Citation(**ind["citation"]),
        }))

    tasks, task_codes = [], set()
    for path in sorted(folder.glob("tasks*.toml")):
        for i, tk in enumerate(_load(path, s.TaskFileSchema())["tasks"]):
            check_doc(path, f"tasks.{i}.document", tk["document"])
            if tk["code"] in task_codes:
                _fail(path, f"tasks.{i}.code", f"{tk['code']!r} repeats")
            task_codes.add(tk["code"])
            tasks.append(c.Task(**{**tk, "lead_units": tuple(tk["lead_units"]),
                                   "partner_units": tuple(tk["partner_units"])}))

    forms_path = folder / "forms.toml"
    f = _load(forms_path, s.FormsFileSchema()) if forms_path.is_file() else s.FormsFileSchema().load({"version": 1})
    for section in ("custody", "certification", "case", "subsidy"):
        for i, ef in enumerate(f[section]["fields_"]):
            if ef["source"]:
                check_doc(forms_path, f"{section}.fields.{i}.source.document", ef["source"]["document"])
    forms = c.FormsConfig(
        version=f["version"],
        custody_services=tuple(f["custody"]["services"]),
        custody_fields=_extra_fields(f["custody"]["fields_"]),
        certification_fields=_extra_fields(f["certification"]["fields_"]),
        case_ip_types=tuple(f["case"]["ip_types"]),
        case_fields=_extra_fields(f["case"]["fields_"]),
        subsidy_fields=_extra_fields(f["subsidy"]["fields_"]),
    )
    limits = t["case_time_limits"]
    return c.Tenant(
        slug=t["slug"], name_zh=t["name_zh"], name_en=t["name_en"], bureau_zh=t["bureau_zh"],
        bureau_en=t["bureau_en"], case_number_prefix=t["case_number_prefix"],
        case_number_format=t["case_number_format"], documents=documents, centers=tuple(centers),
        accept_limit=c.TimeLimit(**limits["accept"]), close_limit=c.TimeLimit(**limits["close"]),
        rules=tuple(rules), kpi_tables=tuple(tables),
        indicators=tuple(sorted(built, key=lambda x: ([tb.code for tb in tables].index(x.table), x.seq))),
        tasks=tuple(tasks), forms=forms, _documents_by_code={d.code: d for d in documents},
        subsidies=load_subsidies(folder, rules, doc_codes, forms.subsidy_fields),
    )


def load_all(root: Path) -> dict[str, c.Tenant]:
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        raise TenantConfigError(f"{root}: no tenant folders")
    return {t.slug: t for t in (load_tenant(p) for p in folders)}
