"""Editing KPI actuals and task progress: versions against lost updates (API and pages, raced), the year of
an actual (the table's target year by default; other years refused on the page, warned about in the API),
and the success message where the page scrolls to (issue 13 findings 8 and 9, issue 12)."""
import re

import pytest

from tests.conftest import csrf_from, page_login
from tests.racing import bearer, race

CODE = "xian-2025-01"  # 每万人口高价值发明专利拥有量: reported, target 2025 only
ACTUAL = f"/t/xian/api/v1/kpis/{CODE}/actuals/2025"


def _actual(client, code=CODE, year=2025):
    row = next(r for r in client.get("/t/xian/api/v1/kpis").get_json() if r["code"] == code)
    return next((a for a in row["actuals"] if a["year"] == year), None)


def _task(client, n=2):
    return client.get("/t/xian/api/v1/tasks").get_json()[n]


def test_actual_versions_refuse_stale_and_blind_overwrites(client, bureau):
    b = bureau("xian")
    first = b.put(ACTUAL, json={"value": 15})
    assert first.status_code == 200 and first.get_json()["version"] == 1
    blind = b.put(ACTUAL, json={"value": 16})
    assert blind.status_code == 409 and "version" in blind.get_json()["message"]
    assert b.put(ACTUAL, json={"value": 16, "version": 0}).status_code == 409
    second = b.put(ACTUAL, json={"value": 16, "version": 1})
    assert second.status_code == 200 and second.get_json()["version"] == 2
    stale = b.put(ACTUAL, json={"value": 17, "version": 1})
    assert stale.status_code == 409 and "16" in stale.get_json()["message"]
    assert (_actual(client)["value"], _actual(client)["version"]) == (16, 2)
    en = b.put(ACTUAL, json={"value": 17, "version": 1}, headers={"Accept-Language": "en"})
    assert "version" in en.get_json()["message"] and not re.search(r"[\u4e00-\u9fff]",
                                                                   en.get_json()["message"])


def test_task_versions_refuse_stale_and_blind_overwrites(client, bureau):
    b = bureau("xian")
    task = _task(client)
    url = f"/t/xian/api/v1/tasks/{task['code']}"
    assert task["version"] == 0
    assert b.put(url, json={"status": "in_progress"}).get_json()["version"] == 1
    assert b.put(url, json={"status": "done"}).status_code == 409
    assert b.put(url, json={"status": "done", "version": 1}).get_json()["version"] == 2
    assert b.put(url, json={"status": "not_started", "version": 1}).status_code == 409
    assert _task(client)["status"] == "done"


RACERS = 10


@pytest.mark.parametrize("what", ["actual", "task"])
def test_racing_edits_of_one_version_apply_once(client, bureau, live_server, what):
    b = bureau("xian")
    if what == "actual":
        url, first = ACTUAL, {"value": 1}
        bodies = [{"value": 100 + i, "version": 1} for i in range(RACERS)]
    else:
        url, first = f"/t/xian/api/v1/tasks/{_task(client)['code']}", {"status": "in_progress"}
        bodies = [{"status": "done", "note": f"进展 {i}", "version": 1} for i in range(RACERS)]
    assert b.put(url, json=first).status_code == 200
    results = race(live_server, [("PUT", url, bearer(b.token), body) for body in bodies])
    assert sorted(c for c, _b in results) == [200] + [409] * (RACERS - 1), results
    winner = next(body for (c, _b), body in zip(results, bodies, strict=True) if c == 200)
    if what == "actual":
        assert (_actual(client)["value"], _actual(client)["version"]) == (winner["value"], 2)
    else:
        assert (_task(client)["note"], _task(client)["version"]) == (winner["note"], 2)
    audit = b.get("/t/xian/api/v1/audit").get_json()
    assert len([e for e in audit if e["action"] in ("kpi.actual_set", "task.progress_set")]) == 2


def test_the_page_defaults_to_the_tables_target_year(client, bureau):
    b = bureau("xian")
    page_login(client, b.email)
    html = client.get(f"/t/xian/kpis/{CODE}").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"( selected)?>', html)
    assert options == [("2025", " selected")], options


@pytest.mark.parametrize("year", ["abc", "0", "", "2026", "2020"])
def test_the_page_refuses_a_year_without_a_target_and_saves_nothing(client, bureau, year):
    b = bureau("xian")
    page_login(client, b.email)
    html = client.get(f"/t/xian/kpis/{CODE}").get_data(as_text=True)
    r = client.post(f"/t/xian/kpis/{CODE}", data={"csrf_token": csrf_from(html), "year": year, "value": "21"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    field = page[page.index('for="f-year"'):page.index('for="f-value"')]
    assert "请选择有目标值的年份：2025。" in field
    assert _actual(client) is None and not any(
        a for r_ in client.get("/t/xian/api/v1/kpis").get_json() if r_["code"] == CODE for a in r_["actuals"])


def test_the_api_keeps_a_year_without_a_target_with_a_warning(client, bureau):
    b = bureau("xian")
    r = b.put(f"/t/xian/api/v1/kpis/{CODE}/actuals/2026", json={"value": 21})
    assert r.status_code == 200 and "2025" in r.get_json()["warning"]
    assert b.put(ACTUAL, json={"value": 21}).get_json()["warning"] is None
    en = b.put(f"/t/xian/api/v1/kpis/{CODE}/actuals/2024", json={"value": 1},
               headers={"Accept-Language": "en"})
    assert "2025" in en.get_json()["warning"] and not re.search(r"[\u4e00-\u9fff]", en.get_json()["warning"])


def test_saving_from_the_page_lands_on_the_message_in_the_kpi_section(client, bureau):
    b = bureau("xian")
    page_login(client, b.email)
    html = client.get(f"/t/xian/kpis/{CODE}").get_data(as_text=True)
    r = client.post(f"/t/xian/kpis/{CODE}",
                    data={"csrf_token": csrf_from(html), "year": "2025", "value": "18"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#kpis")
    home = client.get(r.headers["Location"]).get_data(as_text=True)
    section = home[home.index('<section id="kpis">'):]
    section = section[:section.index("</section>")]
    assert "已保存“每万人口高价值发明专利拥有量”2025 年实际值。" in section
    assert "已保存" not in home[:home.index('<section id="kpis">')]  # not at the top, off-screen
    assert _actual(client)["value"] == 18


def test_saving_a_task_lands_on_the_message_in_the_task_section(client, bureau):
    b = bureau("xian")
    page_login(client, b.email)
    task = _task(client)
    html = client.get(f"/t/xian/tasks/{task['code']}").get_data(as_text=True)
    r = client.post(f"/t/xian/tasks/{task['code']}", data={"csrf_token": csrf_from(html), "status": "done",
                                                          "note": "完成", "version": "0"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#tasks")
    home = client.get(r.headers["Location"]).get_data(as_text=True)
    section = home[home.index('<section id="tasks">'):]
    assert "任务进展已更新" in section[:section.index("</section>")]


def test_pages_show_a_conflicting_edit_instead_of_overwriting_it(client, bureau):
    a, other = bureau("xian"), bureau("xian")
    page_login(client, a.email)
    html = client.get(f"/t/xian/kpis/{CODE}").get_data(as_text=True)
    assert other.put(ACTUAL, json={"value": 19}).status_code == 200  # meanwhile, someone else
    r = client.post(f"/t/xian/kpis/{CODE}",
                    data={"csrf_token": csrf_from(html), "year": "2025", "value": "20"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "19" in page and 'value="20"' in page and _actual(client)["value"] == 19
    # the page now carries the current version: saving again overwrites knowingly
    versions = dict(re.findall(r'name="(version_\d+)" value="(\d+)"', page))
    again = client.post(f"/t/xian/kpis/{CODE}",
                        data={"csrf_token": csrf_from(page), "year": "2025", "value": "20", **versions})
    assert again.status_code == 302 and _actual(client)["value"] == 20
    # tasks: the same
    task = _task(client)
    html = client.get(f"/t/xian/tasks/{task['code']}").get_data(as_text=True)
    other.put(f"/t/xian/api/v1/tasks/{task['code']}", json={"status": "in_progress", "note": "他人"})
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    r = client.post(f"/t/xian/tasks/{task['code']}",
                    data={"csrf_token": csrf_from(html), "status": "done", "version": version})
    assert r.status_code == 409 and _task(client)["note"] == "他人"


@pytest.mark.parametrize("code, year, value, saved, message", [
    # a count: whole, not negative
    ("xian-2019-4", 2019, -5, False, "该指标按“家”计数，请填写不小于 0 的整数。"),
    ("xian-2019-4", 2019, 2.5, False, "该指标按“家”计数，请填写不小于 0 的整数。"),
    ("xian-2019-4", 2019, 12, True, None),
    ("xian-2025-01", 2025, 17.3, True, None),  # a count per 10 000 people: not whole
    ("xian-2025-13", 2025, -1.9, False, "该指标为百分比或百分制分数，请填写 0 到 100 之间的数。"),  # a share
    ("xian-2025-13", 2025, 101, False, "该指标为百分比或百分制分数，请填写 0 到 100 之间的数。"),
    ("xian-2025-13", 2025, 96.5, True, None),
    ("xian-2019-13", 2019, -12.5, True, None),  # a growth rate falls below 0 …
    ("xian-2019-13", 2019, 150, True, None),  # … and rises above 100
    ("xian-2019-13", 2019, -101, False, "增长率或增幅最低为 -100（即全部减少）。"),
    ("xian-2019-12", 2019, -1, False, "请填写不小于 0 的数（不超过一万亿）。"),  # 亿元
    ("xian-2019-12", 2019, 1e13, False, "数值过大：请按指标的单位填写，绝对值不超过一万亿。"),
])
def test_each_indicators_unit_sets_the_range_of_its_actuals(client, bureau, code, year, value, saved,
                                                            message):
    """Issue 20 (7): actuals took negative counts (−5 saved, −1.9 % progress), and the range message read
    "-1000000000000.0 到 1000000000000.0"."""
    b = bureau("xian")
    r = b.put(f"/t/xian/api/v1/kpis/{code}/actuals/{year}", json={"value": value})
    if saved:
        assert r.status_code == 200 and _actual(b, code, year)["value"] == value
        return
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]["json"]["value"]
    assert errors == [message] and "1000000000000" not in r.get_data(as_text=True)
    assert _actual(b, code, year) is None
    en = b.put(f"/t/xian/api/v1/kpis/{code}/actuals/{year}?lang=en", json={"value": value})
    assert en.status_code == 422 and not re.search(r"[\u4e00-\u9fff]",
                                                   en.get_json()["errors"]["json"]["value"][0])


def test_the_page_refuses_a_negative_count_next_to_the_value(client, bureau):
    b = bureau("xian")
    page_login(client, b.email)
    html = client.get("/t/xian/kpis/xian-2019-4").get_data(as_text=True)
    r = client.post("/t/xian/kpis/xian-2019-4",
                    data={"csrf_token": csrf_from(html), "year": "2019", "value": "-5"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "该指标按“家”计数，请填写不小于 0 的整数。" in page[page.index('for="f-value"'):]
    assert _actual(b, "xian-2019-4", 2019) is None
