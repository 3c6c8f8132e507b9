"""Finding 12: response headers. A Content-Security-Policy that allows no inline script or style (and no
template that would need it), HSTS over HTTPS, ``Cache-Control: no-store`` on personal pages and on
exports, CSV with ``charset=utf-8`` exactly once, and the export content types in the OpenAPI document."""
import re
from pathlib import Path


import ipservice
from tests.conftest import create_user, page_login

PACKAGE = Path(ipservice.__file__).parent
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
]


def _templates():
    return sorted(PACKAGE.glob("**/templates/**/*.html"))


def test_no_template_has_inline_script_or_style():
    assert _templates(), "no templates found"
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {what}")
    assert not found, "\n".join(found)


def _csp(response) -> dict:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_send_a_csp_without_inline_script_or_style(client):
    for url in ("/", "/t/xian/", "/login", "/t/xian/register"):
        r = client.get(url)
        assert r.status_code == 200, url
        csp = _csp(r)
        for directive in ("default-src", "script-src", "style-src"):
            assert directive in csp, (url, directive)
            assert "'unsafe-inline'" not in csp[directive] and "*" not in csp[directive]
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        html = r.get_data(as_text=True)
        for pattern, what in INLINE:
            assert not pattern.search(html), (url, what)


def test_rendered_dashboards_have_no_inline_style(app, client, enterprise):
    """The pages that drew bars with style="width: …" (KPI progress, cross-district dashboard)."""
    create_user(app, "admin-csp@example.gov.cn", "cross_admin", None)
    assert page_login(client, "admin-csp@example.gov.cn").status_code == 302
    for url in ("/stats", "/t/xian/"):
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        for pattern, what in INLINE:
            assert not pattern.search(html), (url, what)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    r = client.get("/", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(r.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 15552000


def _export_urls(app):
    """Every export route of a tenant's lists in the app (API and pages), with its format (not the files of
    one object: an import's report, a built export)."""
    urls = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if hasattr(app.view_functions[rule.endpoint], "moved_to"):
            continue  # an old page URL redirecting to where the export moved (issue 19)
        if not (re.search(r"\.(xlsx|csv)$", path) or "<fmt>" in path or "xlsx, csv" in path):
            continue
        if set(rule.arguments) - {"tenant", "fmt"}:
            continue
        path = path.replace("<tenant>", "xian")
        if re.search(r"\.(xlsx|csv)$", path):
            urls.append((path, path.rsplit(".", 1)[1]))
        else:
            for fmt in ("xlsx", "csv"):
                urls.append((re.sub(r"<[^>]*fmt>", fmt, path), fmt))
    return urls


def test_every_export_is_no_store_and_csv_names_its_charset_once(app, client, bureau):
    b = bureau("xian")
    assert page_login(client, b.email).status_code == 302
    urls = _export_urls(app)
    assert len([u for u in urls if "/api/" in u[0]]) >= 7
    assert len([u for u in urls if "/api/" not in u[0]]) >= 6
    for url, fmt in urls:
        r = b.get(url) if "/api/" in url else client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert "no-store" in r.headers.get("Cache-Control", ""), url
        ctype = r.headers["Content-Type"]
        if fmt == "csv":
            assert ctype.startswith("text/csv") and ctype.lower().count("charset") == 1, (url, ctype)
            assert ctype.lower().endswith("charset=utf-8")
        else:
            assert ctype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (url, ctype)


def test_personal_pages_and_api_answers_are_no_store(app, client, enterprise, bureau):
    e = enterprise("xian")
    assert "no-store" in e.get("/t/xian/api/v1/custody-enrollments").headers.get("Cache-Control", "")
    b = bureau("xian")
    assert page_login(client, b.email).status_code == 302
    for url in ("/t/xian/custody-enrollments/", "/t/xian/cases/", "/t/xian/certifications/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r.headers.get("Cache-Control", ""), url
    # static assets stay cacheable
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_openapi_declares_the_export_content_types(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    exports = {p: item for p, item in spec["paths"].items() if re.search(r"\.(xlsx|csv)$", p)}
    assert len(exports) >= 7, sorted(exports)
    want = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}
    for path, item in exports.items():
        content = item["get"]["responses"]["200"].get("content", {})
        assert list(content) == [want[path.rsplit(".", 1)[1]]], (path, list(content))
