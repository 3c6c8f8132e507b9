"""Load and check ``tenants/<slug>/``; any problem stops start-up with the file and field named.

One short loader per kind of file (tenant.toml, policy*.toml, kpis*.toml, tasks*.toml, forms.toml);
``load_tenant`` puts their results together. The filing kinds registered by the areas (``core.filing``) say
what else is valid: the sections of forms.toml and their schemas, the kinds a policy rule may apply to,
the metrics an indicator may compute, and each kind's own file (e.g. the subsidy kind's subsidies.toml,
read by the kind's ``tenant_config`` with ``read_file`` below).
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from marshmallow import ValidationError

from ipservice.tenants import config as c
from ipservice.tenants import schemas as s


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


def refuse(path: Path, exc: ValidationError):
    where = ", ".join(f"{k}: {v}" for k, v in _flatten(exc.messages))
    raise TenantConfigError(f"{path}: {where}") from exc


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenantConfigError(f"{path}: not valid TOML: {exc}") from exc


def read_file(path: Path, schema) -> dict:
    """``path`` loaded through ``schema``; a TenantConfigError naming the file and the field otherwise."""
    try:
        return schema.load(read_toml(path))
    except ValidationError as exc:
        refuse(path, exc)


def _fail(path, field, message):
    raise TenantConfigError(f"{path}: {field}: {message}")


def _citation(d):
    return c.Citation(**d) if d else None


def _year_value(d):
    return c.YearValue(year=d["year"], value=d.get("value"), note=d.get("note", ""),
                       note_en=d.get("note_en", "")) if d else None


@dataclass(frozen=True)
class _Documents:
    """The tenant's document codes, to check every ``document = "…"`` against."""
    codes: frozenset

    def check(self, path, field, code):
        if code not in self.codes:
            _fail(path, field, f"unknown document {code!r}; known: {', '.join(sorted(self.codes))}")


# --- tenant.toml ------------------------------------------------------------------------------------------

def load_identity(folder: Path) -> tuple[dict, tuple[c.Document, ...], _Documents]:
    """tenant.toml: identity and documents."""
    path = folder / "tenant.toml"
    if not path.is_file():
        raise TenantConfigError(f"{path}: missing")
    t = read_file(path, s.TenantFileSchema())
    if t["slug"] != folder.name:
        _fail(path, "slug", f"{t['slug']!r} differs from the folder name {folder.name!r}")
    documents = tuple(c.Document(**d) for d in t["documents"])
    docs = _Documents(frozenset(d.code for d in documents))
    if len(docs.codes) != len(documents):
        _fail(path, "documents.code", "codes repeat")
    return t, documents, docs


def load_bureau_settings(folder: Path, t: dict, forms: c.FormsConfig) -> tuple[c.BureauSetting, ...]:
    """tenant.toml ``[[bureau_settings]]``: each names a setting that exists, and values it really has (a
    kind's own settings, e.g. the case time limits, are in its own file: ``bureau_setting`` below)."""
    known = {"service_standard": None} if t.get("service_standard") else {}
    for kind, section in forms.sections.items():
        for option, values in section.options.items():
            if isinstance(values, tuple):
                known[f"forms.{kind}.{option}"] = set(values)
    path = folder / "tenant.toml"
    return tuple(bureau_setting(path, i, b, known) for i, b in enumerate(t["bureau_settings"]))


def bureau_setting(path: Path, i: int, b: dict, known: dict) -> c.BureauSetting:
    """The ``i``-th ``[[bureau_settings]]`` of ``path``: a setting of ``known`` (setting → the values it
    has, None: any), with values it really has."""
    if b["setting"] not in known:
        _fail(path, f"bureau_settings.{i}.setting", f"unknown setting {b['setting']!r}; known: "
              f"{', '.join(sorted(known))}")
    allowed = known[b["setting"]]
    if allowed is not None and not set(b["values"]) <= allowed:
        _fail(path, f"bureau_settings.{i}.values",
              f"{sorted(set(b['values']) - allowed)} not in {b['setting']}")
    return c.BureauSetting(setting=b["setting"], values=tuple(b["values"]), note_zh=b["note_zh"],
                           note_en=b["note_en"])


# --- policy*.toml -----------------------------------------------------------------------------------------

def load_rules(folder: Path, docs: _Documents, kinds) -> tuple[c.Rule, ...]:
    """policy*.toml: dated rules; the rules paid through a filing (``funded_through_filing``) must not
    overlap in time for one kind and one kind of organization."""
    subjects = (*s.APPLIES_TO_SUBJECTS, *(k.name for k in kinds))
    through_filing = {k.name for k in kinds if k.funded_through_filing}
    rules, seen = [], {}
    for path in sorted(folder.glob("policy*.toml")):
        for i, r in enumerate(read_file(path, s.PolicyFileSchema())["rules"]):
            if r["applies_to"] not in subjects:
                _fail(path, f"rules.{i}.applies_to", f"Must be one of: {', '.join(subjects)}.")
            docs.check(path, f"rules.{i}.source.document", r["source"]["document"])
            if r["code"] in seen:
                _fail(path, f"rules.{i}.code", f"{r['code']!r} repeats (also in {seen[r['code']]})")
            seen[r["code"]] = path.name
            rule = c.Rule(**{**r, "org_types": tuple(r["org_types"]), "source": c.Citation(**r["source"])})
            clash = next((o for o in rules if _overlap(rule, o, through_filing)), None)
            if clash:
                _fail(path, f"rules.{i}.effective_from",
                      f"{rule.code} overlaps {clash.code} ({rule.applies_to} rules must not overlap in time)")
            rules.append(rule)
    return tuple(rules)


def _overlap(a: c.Rule, b: c.Rule, through_filing) -> bool:
    """Two rules of one filing kind in force on a same day for a same kind of organization (rules for
    different organization types of one standard may run side by side: no empty ``org_types``, none
    shared)."""
    for_same_orgs = not a.org_types or not b.org_types or bool(set(a.org_types) & set(b.org_types))
    return (a.applies_to in through_filing and a.applies_to == b.applies_to and for_same_orgs
            and a.effective_from <= b.effective_to and b.effective_from <= a.effective_to)


# --- kpis*.toml -------------------------------------------------------------------------------------------

def load_kpis(folder: Path, docs: _Documents, kinds) -> tuple[tuple[c.KpiTable, ...],
                                                              tuple[c.Indicator, ...]]:
    """kpis*.toml: tables, and their indicators in published order; a computed indicator's metric is one
    a filing kind counts."""
    metrics = tuple(m for k in kinds for m in k.metrics)
    tables, raw = [], []
    for path in sorted(folder.glob("kpis*.toml")):
        data = read_file(path, s.KpiFileSchema())
        for i, tb in enumerate(data["tables"]):
            docs.check(path, f"tables.{i}.document", tb["document"])
            tables.append(c.KpiTable(**{**tb, "years": tuple(tb["years"])}))
        for i, ind in enumerate(data["indicators"]):
            docs.check(path, f"indicators.{i}.citation.document", ind["citation"]["document"])
            for key in ("metric", "reference_metric"):
                if ind[key] is not None and ind[key] not in metrics:
                    _fail(path, f"indicators.{i}.{key}", f"Must be one of: {', '.join(metrics)}.")
            raw.append((path, i, ind))
    by_code = {tb.code: tb for tb in tables}
    if len(by_code) != len(tables):
        raise TenantConfigError(f"{folder}/kpis*.toml: tables.code: codes repeat")
    indicators = [_indicator(path, i, ind, by_code) for path, i, ind in raw]
    _no_repeats(indicators, raw)
    order = list(by_code)
    return tuple(tables), tuple(sorted(indicators, key=lambda x: (order.index(x.table), x.seq)))


def _indicator(path, i, ind, tables: dict) -> c.Indicator:
    table = tables.get(ind["table"])
    if table is None:
        _fail(path, f"indicators.{i}.table", f"unknown table {ind['table']!r}")
    for j, tg in enumerate(ind["targets"]):
        if tg["year"] not in table.years:
            _fail(path, f"indicators.{i}.targets.{j}.year",
                  f"{tg['year']} is not a year column of {table.code} ({', '.join(map(str, table.years))})")
    return c.Indicator(**{
        **ind, "baseline": _year_value(ind["baseline"]),
        "targets": tuple(_year_value(y) for y in ind["targets"]),
        "citation": c.Citation(**ind["citation"]),
    })


def _no_repeats(indicators, raw):
    codes, rows = set(), set()
    for ind, (path, i, _raw) in zip(indicators, raw, strict=True):
        if ind.code in codes:
            _fail(path, f"indicators.{i}.code", f"{ind.code!r} repeats")
        if (ind.table, ind.seq) in rows:
            _fail(path, f"indicators.{i}.seq", f"row {ind.seq} of {ind.table} repeats")
        codes.add(ind.code)
        rows.add((ind.table, ind.seq))


# --- tasks*.toml ------------------------------------------------------------------------------------------

def load_tasks(folder: Path, docs: _Documents) -> tuple[c.Task, ...]:
    """tasks*.toml: the numbered tasks, codes unique in the tenant."""
    tasks, codes = [], set()
    for path in sorted(folder.glob("tasks*.toml")):
        for i, tk in enumerate(read_file(path, s.TaskFileSchema())["tasks"]):
            docs.check(path, f"tasks.{i}.document", tk["document"])
            if tk["code"] in codes:
                _fail(path, f"tasks.{i}.code", f"{tk['code']!r} repeats")
            codes.add(tk["code"])
            tasks.append(c.Task(**{**tk, **{k: tuple(v) for k, v in tk.items() if isinstance(v, list)}}))
    return tuple(tasks)


# --- forms.toml -------------------------------------------------------------------------------------------

def load_forms(folder: Path, docs: _Documents, kinds) -> c.FormsConfig:
    """forms.toml: a section per registered filing kind, each through the kind's ``form_section`` schema."""
    path = folder / "forms.toml"
    raw = read_toml(path) if path.is_file() else {"version": 1}
    try:
        data = s.FormsFileSchema().load(raw)
        sections = s.load_form_sections(data, kinds)
    except ValidationError as exc:
        refuse(path, exc)
    _check_number_prefixes(path, sections, kinds)
    out = {}
    for kind, section in sections.items():
        for i, f in enumerate(section["fields_"]):
            if f["source"]:
                docs.check(path, f"{kind}.fields.{i}.source.document", f["source"]["document"])
        if section.get("source"):
            docs.check(path, f"{kind}.source.document", section["source"]["document"])
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()
                   if k not in ("fields_", "source")}
        out[kind] = c.FormSection(fields=tuple(form_field(f) for f in section["fields_"]), options=options)
    return c.FormsConfig(version=data["version"], sections=out)


def _check_number_prefixes(path: Path, sections: dict, kinds) -> None:
    """A kind that numbers its filings and has no file of its own says its prefix in its section; a kind
    with its own file says it there only."""
    for k in kinds:
        given = sections[k.name].get("number_prefix") is not None
        if k.number_attr and k.tenant_config is None and not given:
            _fail(path, f"{k.name}.number_prefix", f"Missing data: the {k.name} kind numbers its filings")
        if given and (k.tenant_config is not None or not k.number_attr):
            _fail(path, f"{k.name}.number_prefix", f"the {k.name} kind takes no number prefix here")


def form_field(f: dict) -> c.FormField:
    """A field as ``ExtraFieldSchema`` loaded it (forms.toml, or a kind's own file)."""
    return c.FormField(**{**f, "choices": tuple(f["choices"]), "source": _citation(f["source"])})


# --- the whole folder -------------------------------------------------------------------------------------

def load_tenant(folder: Path, kinds) -> c.Tenant:
    """The folder of one tenant; ``kinds``: the registered filing kinds (``core.filing.kinds(app)``)."""
    t, documents, docs = load_identity(folder)
    tables, indicators = load_kpis(folder, docs, kinds)
    forms = load_forms(folder, docs, kinds)
    rules = load_rules(folder, docs, kinds)
    tenant = c.Tenant(
        **{k: t[k] for k in ("slug", "name_zh", "name_en", "bureau_zh", "bureau_en")},
        documents=documents,
        service_standard=load_service_standard(folder, t, docs),
        rules=rules, kpi_tables=tables, indicators=indicators,
        tasks=load_tasks(folder, docs), forms=forms,
        bureau_settings=load_bureau_settings(folder, t, forms),
        _documents_by_code={d.code: d for d in documents},
    )
    # the kinds' own files, each seeing the tenant as loaded so far (its rules, documents and forms); the
    # bureau's own settings a kind's file declares join the tenant's (listed first, as the kinds' files are
    # read first on the tenant's page)
    tenant.parts.update({k.name: k.tenant_config(folder, tenant, kinds) for k in kinds if k.tenant_config})
    own = tuple(b for part in tenant.parts.values() for b in getattr(part, "bureau_settings", ()))
    return dataclasses.replace(tenant, bureau_settings=own + tenant.bureau_settings) if own else tenant


def load_service_standard(folder: Path, t: dict, docs: _Documents) -> c.ServiceStandard | None:
    """tenant.toml ``[service_standard]``: how long a filing may wait for the bureau (None: no limit)."""
    std = t.get("service_standard")
    if std is None:
        return None
    if std["source"]:
        docs.check(folder / "tenant.toml", "service_standard.source.document", std["source"]["document"])
    return c.ServiceStandard(decide=c.TimeLimit(**std["decide"]),
                             source=c.Citation(**std["source"]) if std["source"] else None)


def folders(root: Path, as_names: bool = False) -> list[Path] | list[str]:
    """The tenant folders under ``root`` (not those whose name starts with . or _), or their names."""
    with os.scandir(root) as entries:  # the entries' types without a stat each (thousands of folders)
        names = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))
    if not names:
        raise TenantConfigError(f"{root}: no tenant folders")
    return names if as_names else [Path(root) / name for name in names]


def load_all(root: Path, kinds) -> dict[str, c.Tenant]:
    """Every tenant folder under ``root``, checked against the registered filing ``kinds``."""
    return {t.slug: t for t in (load_tenant(p, kinds) for p in folders(root))}
