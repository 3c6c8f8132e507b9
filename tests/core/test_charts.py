"""Charts (ipservice/core/charts.py, SVG drawn on the server) — issue 20, defect 3: amounts never cut, a value
axis with the unit, a variant drawn for a phone's width, equal series apart, and the numbers of a chart the
same, digit for digit, as those of the table beside it."""
from __future__ import annotations

import re

from ipservice.core import charts
from tests.conftest import page_login


def _svg(markup: str, ident: str) -> str:
    return re.search(rf'<svg [^>]*id="{ident}".*?</svg>', str(markup), re.S).group(0)


def test_amounts_beside_bars_are_whole_and_the_axis_names_its_unit():
    chart = charts.hbars("c", "t", "d", ["2025 · 专利质押贷款风险补偿"],
                         [charts.Series("金额（元）", [112300])], axis_label="金额（元）")
    wide = _svg(chart, "c")
    assert ">112,300</text>" in wide and "…" not in wide
    assert ">金额（元）</text>" in wide and ">0</text>" in wide  # the value axis, from zero, with its unit


def test_a_phone_gets_a_chart_drawn_for_its_width():
    for chart in (charts.hbars("c", "t", "d", ["西安", "鹤壁"], [charts.Series("s", [3, 5])]),
                  charts.lines("c", "t", "d", ["2026-01", "2026-02"], [charts.Series("s", [1, 2])])):
        narrow = _svg(chart, "c-narrow")
        assert 'class="chart narrow"' in narrow and 'viewBox="0 0 360 ' in narrow
        # type in the narrow chart is at least 12 units: at 360 units on a 390 px screen, about 12 px
        assert min(float(s) for s in re.findall(r'font-size="([\d.]+)"', narrow)) >= 12
        assert 'class="chart wide"' in _svg(chart, "c")


def test_equal_series_do_not_hide_each_other():
    chart = charts.lines("m", "t", "d", ["01", "02", "03"],
                         [charts.Series("a", [1, 2, 1]), charts.Series("b", [1, 2, 1])])
    paths = re.findall(r'<polyline points="([^"]+)"', _svg(chart, "m"))
    assert len(paths) == 2 and paths[0] != paths[1]
    assert "<circle" in chart and "<rect x=" in chart  # and each series has its own point shape


def test_kpi_chart_agrees_with_its_table_to_the_digit(app, client, bureau):
    officer = bureau("xian")
    dashboard = officer.get("/t/xian/api/v1/dashboard").get_json()
    row = dashboard["kpis"][0]  # 每万人口高价值发明专利拥有量, reported by the bureau
    officer.put(f"/t/xian/api/v1/kpis/{row['code']}/actuals/{row['year']}",
                json={"value": round(row["target"] * 1.016, 4)})
    assert page_login(client, officer.email).status_code == 302
    html = client.get("/t/xian/worklist").get_data(as_text=True)
    shown = set(re.findall(r"[\d.,]+%", _svg(html, "chart-kpis")))
    table = html.split('id="chart-kpis-narrow"')[1].split("</table>")[0]
    assert "101.6%" in shown and shown <= set(re.findall(r"[\d.,]+%", table))
