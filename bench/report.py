"""From a run's measurements to the scenarios' ratios and targets, and the table in bench/README.md.

``python3 bench/report.py`` rewrites the table from the newest result of each database in
bench/results/ (bench/run.py does it after every run).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

BENCH = Path(__file__).resolve().parent
README = BENCH / "README.md"
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"


def _lat(run: dict | None) -> dict | None:
    if not run:
        return None
    return {k: run[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "error_count")}


def _row(id_, title, value, value_text, target_text, ok, service=None, baseline=None, note=""):
    verdict = "—" if ok is None else ("met" if ok else "NOT met")
    if service and service.get("error_count"):
        verdict += f" ({service['error_count']} errors!)"
    return {"id": id_, "title": title, "value": value, "value_text": value_text, "target_text": target_text,
            "verdict": verdict, "service": service, "baseline": baseline, "note": note}


def scenarios(result: dict) -> list[dict]:
    runs = result.get("runs", {})
    rows = []

    def ratio(id_, title, service, baseline, target):
        s, b = runs.get(service), runs.get(baseline)
        if not s or not b or not b["rps"]:
            return
        value = s["rps"] / b["rps"]
        rows.append(_row(id_, title, round(value, 3), f"{value:.0%} ({s['rps']:.0f}/{b['rps']:.0f} req/s)",
                         f"≥ {target:.0%}" if target else "measured", value >= target if target else None,
                         _lat(s), _lat(b)))

    ratio("1a", "Submit a certification (API) vs baseline insert", "certification_submit", "baseline_insert", 0.50)
    ratio("1b", "Submit a case (API, numbered) vs baseline insert", "case_submit", "baseline_insert", 0.50)
    # the same-statements floor: the framework's share (1c) and the statements' share (1d) apart
    ratio("1c", "Submit a certification (API) vs the same statements by hand (Core, bare Flask)",
          "certification_submit", "same_statements", 0.80)
    ratio("1d", "The same statements by hand vs baseline insert (the rules' statements alone)",
          "same_statements", "baseline_insert", None)
    ratio("2a", "Bureau list, status=submitted (API) vs baseline 50-row select", "list_api", "baseline_select", 0.70)
    ratio("2b", "Bureau list, status=submitted (page) vs baseline 50-row select", "list_page", "baseline_select", 0.70)

    big = result.get("big") or {}
    for id_, name, c1 in (("3a", "list_api", ""), ("3b", "list_page", ""),
                          ("3a'", "list_api", "_c1"), ("3b'", "list_page", "_c1")):
        s, b = runs.get(f"{name}_big{c1}"), runs.get(f"{name}_4{c1}")
        if s and b and b["p95_ms"]:
            value = s["p95_ms"] / b["p95_ms"]
            kind = "API" if name == "list_api" else "page"
            rows.append(_row(id_, f"Same list ({kind}), {big.get('tenants', '?')} tenants x "
                             f"{result['settings']['big_filings']} filings vs 4 tenants: p95"
                             + (", one connection (no queueing)" if c1 else ""),
                             round(value, 3), f"{value:.2f}x ({s['p95_ms']:.0f}/{b['p95_ms']:.0f} ms)", "≤ 1.20x",
                             value <= 1.2, _lat(s), _lat(b)))
    startup = result.get("startup") or {}
    big_key = next((k for k in startup if k.startswith("tenants_") and k != "tenants_4"), None)
    if big_key and "tenants_4" in startup:
        s, b, n = startup[big_key], startup["tenants_4"], big_key.split("_")[1]
        rows.append(_row("3c", f"Start-up, {n} tenants vs 4: create_app() / gunicorn to first answer",
                         s["create_app_s"], f"{s['create_app_s']:.1f} s / {s['first_answer_s']:.0f} s "
                         f"(4: {b['create_app_s']:.1f} / {b['first_answer_s']:.0f} s)", "measured", None))
        for id_, key, title, unit in (
                ("3c'", "create_app_s", "create_app() time", "s"),
                ("3d", "rss_mb", "resident memory after create_app()", "MB"),
                ("3e", "worker_rss_mb", "a gunicorn worker's resident memory after serving the lists", "MB")):
            if s.get(key) and b.get(key):
                value = s[key] / b[key]
                rows.append(_row(id_, f"Start-up, {n} tenants vs 4: {title}", round(value, 3),
                                 f"{value:.2f}x ({s[key]:.1f}/{b[key]:.1f} {unit})", "≤ 1.20x", value <= 1.2))

    for id_, name, title in (("4a", "certification_submit", "Submit a certification"), ("4b", "case_submit", "Submit a case"),
                             ("4c", "list_api", "Bureau list (API)"), ("4d", "list_page", "Bureau list (page)")):
        owner, rls = runs.get(f"{name}_owner"), runs.get(f"{name}_rls")
        if owner and rls and owner["rps"]:
            value = rls["rps"] / owner["rps"]
            rows.append(_row(id_, f"{title}: RLS + app role vs owner without RLS", round(value, 3),
                             f"{value:.0%} ({rls['rps']:.0f}/{owner['rps']:.0f} req/s)", "≥ 90%", value >= 0.9,
                             _lat(rls), _lat(owner), note="baseline column: the owner without RLS"))
    ab = (result.get("ab") or {}).get("kinds") or {}
    for id_, name, title in (("4a'", "certification_submit", "Submit a certification"), ("4b'", "case_submit", "Submit a case"),
                             ("4c'", "list_api", "Bureau list (API)"), ("4d'", "list_page", "Bureau list (page)")):
        m = ab.get(name)
        if m:
            rows.append(_row(id_, f"{title}: RLS vs owner, in-process, one at a time (median of "
                                  f"{result['ab']['batches']} alternating batches)", m["ratio"],
                             f"{m['ratio']:.0%} ({m['rls_ms']:.1f}/{m['owner_ms']:.1f} ms)", "≥ 90%", m["ratio"] >= 0.9))

    imp = (result.get("import") or {}).get("sizes") or {}
    sqlite = result.get("db") == "sqlite"
    for size, m in imp.items():
        s, b = m["service"], m["baseline"]
        est = " (extrapolated)" if s.get("extrapolated") else ""
        if s.get("rows_per_s") and b.get("rows_per_s"):
            value = s["rows_per_s"] / b["rows_per_s"]
            rows.append(_row(f"5-{size}", f"Import {int(size):,} rows: rows/s vs a row-per-commit import{est}",
                             round(value, 4), f"{value:.3f}x ({s['rows_per_s']:.1f}/{b['rows_per_s']:.0f} rows/s)",
                             "≥ 10x", value >= 10))
        if s.get("rows_per_s"):
            rows.append(_row(f"5-{size}r", f"Import {int(size):,} rows: validated rows/s{est}", s["rows_per_s"],
                             f"{s['rows_per_s']:.1f} rows/s", "≥ 2 000" if sqlite else "(SQLite)",
                             s["rows_per_s"] >= 2000 if sqlite else None,
                             note=f"estimated total {s.get('estimated_total_s', s['seconds']):.0f} s"))
    sizes = sorted(imp, key=int)
    if len(sizes) >= 2:
        small, large = imp[sizes[0]]["service"], imp[sizes[-1]]["service"]
        value = large["peak_rss_mb"] / small["peak_rss_mb"]
        rows.append(_row("5-mem", f"Import peak memory, {int(sizes[-1]):,} vs {int(sizes[0]):,} rows", round(value, 2),
                         f"{value:.2f}x ({large['peak_rss_mb']:.0f}/{small['peak_rss_mb']:.0f} MB)", "≤ 1.20x (flat)",
                         value <= 1.2))

    for id_, name, title in (("6a", "home_page", "The bureau's start page (its worklist; the tenant home redirects there)"), ("6b", "kpi_api", "KPI table (GET /kpis)"),
                             ("6c", "stats_page", "/stats page (cross-district)"), ("6d", "stats_api", "GET /api/v1/stats"),
                             ("6e", "policy_doc", "A tenant's policy document (GET /policy, ETag)"),
                             ("6f", "policy_doc_304", "The same revalidated by a client that has it (If-None-Match: 304)")):
        s = runs.get(name)
        if s:
            rows.append(_row(id_, title + ": p95", s["p95_ms"], f"{s['p95_ms']:.0f} ms ({s['rps']:.0f} req/s)",
                             "no target", None, _lat(s)))
    return rows


# --- the README table ------------------------------------------------------------------------------------

def _lat_text(lat: dict | None) -> str:
    return f"{lat['p50_ms']:.0f} / {lat['p95_ms']:.0f} / {lat['p99_ms']:.0f}" if lat else ""


def _section(result: dict, path: Path) -> str:
    m, v, g, load = result["machine"], result["versions"], result["git"], result["load"]
    pg = f", PostgreSQL {v['postgresql']}" if v.get("postgresql") else ""
    s = result["settings"]
    gu = s["gunicorn"]
    wrk = re.search(r"\d+\.\d+\.\d+", v.get("wrk") or "")
    mem = re.match(r"(\d+) kB", m.get("memory") or "")
    memory = f"{int(mem[1]) / 1024 / 1024:.0f} GB RAM" if mem else m.get("memory", "")
    lines = [
        f"### {'SQLite' if result['db'] == 'sqlite' else 'PostgreSQL'} — {result['started_at']}"
        f"{' (quick)' if result['quick'] else ''}",
        "",
        f"Commit `{g['short']}`{' (with uncommitted changes)' if g['dirty'] else ''} on `{g['branch']}`; "
        f"{m['cores']} cores ({m['cpu']}), {memory}; Python {v['python']}, SQLite {v['sqlite']}{pg}, "
        f"gunicorn {v['gunicorn']} ({gu['workers']} {gu['worker_class']} workers x {gu['threads']} threads), "
        f"wrk {wrk[0] if wrk else ''} ({s['wrk_threads']} threads, {s['connections']} connections, {s['duration_s']:.0f} s per run after "
        f"{s['warmup_s']:.0f} s warm-up). Machine load (1/5/15 min) before {_load(load['before'])}, "
        f"after {_load(load.get('after'))}. Raw data: [`{path.name}`](results/{path.name}).",
        "",
        "| # | Scenario | Measured | Target | Verdict | Service p50 / p95 / p99 ms | Baseline p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["scenarios"]:
        lines.append(f"| {r['id']} | {r['title']} | {r['value_text']} | {r['target_text']} | {r['verdict']} | "
                     f"{_lat_text(r['service'])} | {_lat_text(r['baseline'])} |")
    profiles = {k: _reanalysed(p) for k, p in (result.get("profiles") or {}).items() if p.get("svg")}
    if profiles:
        lines += ["", "Top costs (py-spy, on-CPU samples of all workers; *time for* = innermost `ipservice` "
                      "function on the stack, libraries it calls included):", ""]
        for name, p in profiles.items():
            top = "; ".join(f"{x['name']} {x['share']:.0%}" for x in p["app"][:5])
            package = "; ".join(f"{x['name']} {x['share']:.0%}" for x in p["package"][:5])
            leaf = "; ".join(f"{x['name']} {x['share']:.0%}" for x in p["leaf"][:3])
            lines.append(f"- [{name}](profiles/{Path(p['svg']).name}) ({p['samples']} samples) — time for: {top}. "
                         f"Running (package): {package}. On the CPU: {leaf}.")
    return "\n".join(lines)


def _reanalysed(p: dict) -> dict:
    """The profile's numbers read again from its SVG when it is there (the reading may have improved)."""
    from bench.profiles import analyse

    svg = BENCH.parent / p["svg"]
    return {**p, **analyse(svg)} if svg.exists() else p


def _load(entry: dict | None) -> str:
    return " / ".join(f"{x:.1f}" for x in entry["loadavg"]) if entry else "?"


def update_readme() -> None:
    sections = []
    for db in ("sqlite", "postgres"):
        files = sorted((BENCH / "results").glob(f"*-{db}.json"))
        if files:
            result = json.loads(files[-1].read_text())
            result["scenarios"] = scenarios(result)
            sections.append(_section(result, files[-1]))
    body = "\n\n".join(sections) if sections else "No results yet: run `python3 bench/run.py --db sqlite`."
    text = README.read_text(encoding="utf-8")
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: f"{BEGIN}\n{body}\n{END}", text, flags=re.S)
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    update_readme()
