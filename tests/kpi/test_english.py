"""Issue 10: every text of the tenant data that a page or export shows has its English beside it; the
API serves the requested language next to the fields it already had; titles and quotes stay Chinese."""
import io
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ipservice.tenants.loader import TenantConfigError

ROOT = Path(__file__).resolve().parents[2] / "tenants"
TENANTS = ("xian", "hebi", "guangzhou", "tianjin-bonded")
LATIN = re.compile(r"[A-Za-z]{2,}|^[\d\s.,%≧—–:;()+-]+$")


@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, field", [
    ("xian/tasks-2022.toml", 'title_en = "End-2025 indicators (expected)"\n', "", r"tasks\.0\.title_en"),
    ("xian/tasks-2022.toml", 'section_en = "Main development indicators"\n', "", r"tasks\.0\.section_en"),
    ("guangzhou/tasks.toml", "content_en = ", "content_en_missing = ",
     r"tasks\.0\.(content_en|content_en_missing)"),
    ("hebi/tasks.toml", 'lead_units_en = [', 'lead_units_en = ["extra", ',
     r"tasks\.\d+\.lead_units_en: one English name per unit"),
    ("hebi/kpis.toml", 'category_en = "Targets"\n', "", r"indicators\.0\.category_en"),
    ("hebi/kpis.toml", 'unit_en = "items"\n', "", r"indicators\.0\.unit_en"),
    ("hebi/kpis.toml", ', note_en = "10" }', " }", r"indicators\.0\.targets\.0\.note_en"),
    ("xian/kpis-2022.toml", 'published_growth_en = "maintained"\n', "",
     r"indicators\.5\.published_growth_en"),
    ("guangzhou/policy.toml", "note_en = ", "note_en_gone = ", r"rules\.\d+\.note_en"),
])
def test_a_missing_english_text_stops_the_loader(tenants_copy, file, old, new, field, load_tenants):
    _edit(tenants_copy / file, old, new)
    with pytest.raises(TenantConfigError, match=field):
        load_tenants(tenants_copy)


def test_every_shown_text_of_every_tenant_reads_as_english(load_tenants):
    """Not a copy of the Chinese: each English text has Latin words (or is only figures and signs)."""
    wrong = []
    for _slug, tenant in load_tenants(ROOT).items():
        for t in tenant.tasks:
            texts = [t.title_en, t.section_en if t.section else "ok", t.content_en if t.content else "ok",
                     *t.lead_units_en, *t.partner_units_en]
            wrong += [f"{t.code}: {x!r}" for x in texts if not LATIN.search(x)]
            assert len(t.lead_units_en) == len(t.lead_units)
            assert len(t.partner_units_en) == len(t.partner_units)
        for i in tenant.indicators:
            texts = [i.name_en, i.category_en if i.category else "ok", i.unit_en if i.unit else "ok",
                     *(y.note_en for y in i.targets if re.search(r"[\u4e00-\u9fff]", y.note))]
            wrong += [f"{i.code}: {x!r}" for x in texts if not LATIN.search(x)]
        for r in tenant.rules:
            wrong += [f"{r.code}: {x!r}" for x in (r.name_en, r.note_en or "ok") if not LATIN.search(x)]
        for table in tenant.kpi_tables:
            assert LATIN.search(table.title_en), table.code
    assert not wrong, "\n".join(wrong)


def test_the_api_serves_the_requested_language_beside_the_existing_fields(client):
    zh = {t["code"]: t for t in client.get("/t/xian/api/v1/tasks").get_json()}
    en = {t["code"]: t for t in client.get("/t/xian/api/v1/tasks?lang=en").get_json()}
    by_header = {t["code"]: t for t in client.get("/t/xian/api/v1/tasks",
                                                   headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()}
    task = en["xian-2022-016"]
    # the contract's fields unchanged
    assert task["title"] == "培育高价值专利" == zh["xian-2022-016"]["title"]
    assert task["title_en"] == "Cultivate high-value patents" and task["display"]["title"] == task["title_en"]
    assert task["display"]["lead_units"] == ["Xi'an Administration for Market Regulation (Intellectual "
                                             "Property Office)", "Municipal Science and Technology Bureau"]
    assert zh["xian-2022-016"]["display"]["title"] == "培育高价值专利"
    assert by_header["xian-2022-016"]["display"]["title"] == "Cultivate high-value patents"
    kpis = {k["code"]: k for k in client.get("/t/xian/api/v1/kpis?lang=en").get_json()}
    row = kpis["xian-2025-06"]
    assert (row["category"], row["category_en"], row["display"]["category"]) == ("运用效益",
                                                                                 "Benefits of use",
                                                                                 "Benefits of use")
    assert row["display"]["unit"] == "100 million yuan" and row["display"]["published_growth"] == "maintained"
    assert row["published_growth"] == "保持"
    note = kpis["xian-2022-projects-05"]["targets"][0]
    assert note["note"] == "每年培育不少于10家" and note["display_note"] == "no fewer than 10 fostered a year"
    rule = client.get("/t/hebi/api/v1/policy?lang=en").get_json()["rules"][0]
    assert rule["display"]["name"] == rule["name_en"] and rule["source"]["quote"] == rule["source"]["quote"]


@pytest.mark.parametrize("slug", TENANTS)
def test_english_pages_show_the_tenant_data_in_english(client, slug):
    html = client.get(f"/t/{slug}/?lang=en").get_data(as_text=True)
    tasks = client.get(f"/t/{slug}/api/v1/tasks?lang=en").get_json()
    assert tasks[0]["title_en"] in html.replace("&#39;", "'")
    assert f"<strong>{tasks[0]['title']}</strong>" not in html
    # document titles stay as published, marked as Chinese, with their English beside them
    assert re.search(r'<span lang="zh">[^<]*[\u4e00-\u9fff]', html)


def test_xian_english_page_details(client):
    html = client.get("/t/xian/?lang=en").get_data(as_text=True).replace("&#39;", "'")
    assert "Cultivate high-value patents" in html and "Protection level" in html
    # the bureau's one name
    assert "Xi'an Administration for Market Regulation (Intellectual Property Office)" in html
    assert '<span lang="zh">西安市国家知识产权强市建设示范城市工作方案（2022—2025年）</span>' in html
    assert '<td lang="zh">市政办发〔2017〕101号 二(一)3' in html  # a citation stays Chinese
    zh_html = client.get("/t/xian/?lang=zh_CN").get_data(as_text=True)
    assert "培育高价值专利" in zh_html and "Cultivate high-value patents" not in zh_html


def test_task_page_in_english(client, bureau):
    from tests.conftest import page_login

    b = bureau("tianjin-bonded")
    page_login(client, b.email)
    html = client.get("/t/tianjin-bonded/tasks/tianjin-bonded-2021-10?lang=en").get_data(as_text=True)
    assert "Provide specialized IP custody" in html and "Market Regulation Bureau" in html


def test_the_kpi_export_in_english(client):
    wb = load_workbook(io.BytesIO(client.get("/t/xian/api/v1/kpis.xlsx?lang=en").data))
    ws = wb.worksheets[1]  # xian-2025, named by its English title
    assert ws.title.startswith("Main development indicators") or "2020" in ws.title
    assert [c.value for c in ws[3]][:6] == ["No.", "Category", "Indicator", "Unit", "2020", "2025"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[11][2] == "Entities registered for patent pre-examination" and rows[11][3] == "organizations"
    # title as published
    assert "西安市国家知识产权强市建设示范城市工作方案" in ws.cell(row=2, column=1).value
    workbook = load_workbook(io.BytesIO(client.get("/t/xian/api/v1/kpis.xlsx").data))
    zh = workbook["主要发展指标表（2020—2025年）"]
    assert [c.value for c in zh[3]][:4] == ["序号", "类别", "指标名称", "单位"]
