"""Issue 10: the official calendar is the service's own data — a file per year, checked against
chinesecalendar where the package has the year; an operator adds a year with one command."""
import datetime as dt
import textwrap

import chinese_calendar
import pytest

from ipservice.core import calendar
from tests.cases.conftest import file_case

SHIPPED = sorted(p.stem for p in calendar.SHIPPED_DIR.glob("*.toml"))


def test_every_year_the_package_knows_is_shipped_as_our_own_file():
    package_years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    assert {int(y) for y in SHIPPED} >= package_years
    assert [int(y) for y in SHIPPED] == list(range(2004, 2027))


@pytest.mark.parametrize("year", [int(y) for y in SHIPPED])
def test_each_shipped_year_agrees_with_chinesecalendar_day_by_day(year):
    data = calendar.parse_year((calendar.SHIPPED_DIR / f"{year}.toml").read_text(encoding="utf-8"))
    assert data.year == year and data.notice == f"国务院办公厅关于{year}年部分节假日安排的通知"
    package_years = {d.year for d in chinese_calendar.holidays}
    if year not in package_years:
        pytest.skip(f"chinesecalendar {chinese_calendar.__version__} has no {year}")
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert calendar.is_working_day(day) == (chinese_calendar.is_workday(day), True), day
        day += dt.timedelta(days=1)


def _year_file(tmp_path, body: str, name="2031.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# A made-up year far from any real data (2031): 1 January a Wednesday, a Spring Festival break from
# Wednesday 22 to Tuesday 28 January with Sunday 19 and Saturday 8 February worked in exchange.
GOOD_2031 = '''\
    year = 2031
    notice = "国务院办公厅关于2031年部分节假日安排的通知"
    notice_en = """Notice of the General Office of the State Council on the Arrangement of Certain \\
      Holidays in 2031"""
    holidays = [
      { date = 2031-01-01, name = "元旦", name_en = "New Year's Day" },
      { date = 2031-01-22, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-23, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-24, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-25, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-26, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-27, name = "春节", name_en = "Spring Festival" },
      { date = 2031-01-28, name = "春节", name_en = "Spring Festival" },
    ]
    workdays = [
      { date = 2031-01-19, name = "春节", name_en = "Spring Festival" },
      { date = 2031-02-08, name = "春节", name_en = "Spring Festival" },
    ]
'''

BAD = [
    (GOOD_2031.replace("date = 2031-01-01", "date = 2030-12-31"), "holidays.0: 2030-12-31 is not in 2031"),
    (GOOD_2031.replace("2031-01-19", "2031-01-22"), "2031-01-22 is both a holiday and a workday"),
    (GOOD_2031.replace("2031-01-19", "2031-01-20"), "2031-01-20 is a weekday"),
    (GOOD_2031.replace('{ date = 2031-02-08, name = "春节"', '{ date = 2031-02-08, name = "国庆节"'),
     "worked for '国庆节', which is no holiday of 2031"),
    (GOOD_2031.replace("date = 2031-01-23", "date = 2031-01-22"), "2031-01-22 is listed twice"),
    (GOOD_2031.replace('notice = "国务院办公厅关于2031年部分节假日安排的通知"', 'notice = ""'), "notice:"),
    (GOOD_2031.replace("holidays = [", "holydays = [").replace("workdays = [", "x = [", 0), "unknown field"),
    (GOOD_2031.replace("date = 2031-01-01", 'date = "2031-01-01"'), "needs a date"),
]


@pytest.fixture
def calendar_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "calendar"
    monkeypatch.setitem(app.config, "CALENDAR_DIR", str(folder))
    calendar.reload()
    yield folder
    calendar.reload()


@pytest.mark.parametrize("body, message", BAD)
def test_add_year_refuses_a_bad_file_and_installs_nothing(app, calendar_dir, tmp_path, body, message):
    result = app.test_cli_runner().invoke(args=["calendar", "add-year", str(_year_file(tmp_path, body))])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not calendar_dir.exists() or not list(calendar_dir.iterdir())
    with app.app_context():
        assert not calendar.covers(2031)


def test_add_year_installs_the_year_and_recomputes_the_estimated_deadlines(app, calendar_dir, tmp_path,
                                                                              enterprise, monkeypatch):
    from ipservice.cases import services

    applicant = enterprise("xian")
    monkeypatch.setattr(services, "now", lambda: dt.datetime(2031, 1, 20, 9, 0, tzinfo=services.CHINA))
    case = file_case(applicant)
    due = case["due"]["accept"]
    assert due["estimated"] and case["accept_due_on"] == "2031-01-27"  # Monday–Friday: 5 working days on

    result = app.test_cli_runner().invoke(args=["calendar", "add-year", str(_year_file(tmp_path, GOOD_2031))])
    assert result.exit_code == 0, result.output
    assert "installed 2031" in result.output and "xian: 1 case(s) recomputed" in result.output
    assert (calendar_dir / "2031.toml").is_file()
    after = applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()
    # 21 Tue, then the break 22–28, 29, 30, 31 Jan and Mon 3 Feb: the 5th working day
    assert after["due"]["accept"]["estimated"] is False and after["accept_due_on"] == "2031-02-03"
    listed = app.test_cli_runner().invoke(args=["calendar", "list"])
    assert "2031  installed" in listed.output and "2026  shipped" in listed.output

    again = app.test_cli_runner().invoke(args=["calendar", "add-year", str(_year_file(tmp_path, GOOD_2031))])
    assert again.exit_code == 0 and "xian: 0 case(s) recomputed" in again.output


def test_an_installed_file_overrides_the_shipped_year(app, calendar_dir, tmp_path):
    shipped = (calendar.SHIPPED_DIR / "2026.toml").read_text(encoding="utf-8")
    # Say a correction makes Friday 2 January 2026 a working day again
    corrected = shipped.replace('  { date = 2026-01-02, name = "元旦", name_en = "New Year\'s Day" },\n', "")
    assert corrected != shipped
    result = app.test_cli_runner().invoke(args=["calendar", "add-year",
                                                str(_year_file(tmp_path, corrected, "fix.toml"))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert calendar.is_working_day(dt.date(2026, 1, 2)) == (True, True)
    assert calendar.is_working_day(dt.date(2026, 1, 2)) == (False, True)  # outside the app: shipped data only
