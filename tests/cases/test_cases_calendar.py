"""core.calendar: working days of the official Chinese calendar, and the fallback for uncovered years."""
import datetime as dt
import logging

import chinese_calendar
import pytest

from ipservice.core import calendar


def _expected(start: dt.date, days: int) -> dt.date:
    """The reference: count chinese_calendar's own working days."""
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


def test_national_day_2024_and_the_make_up_saturday():
    due = calendar.due_date(dt.date(2024, 9, 30), 5, "working")
    assert due.on == _expected(dt.date(2024, 9, 30), 5) == dt.date(2024, 10, 12)
    assert not due.estimated and due.uncovered_years == ()
    assert calendar.is_workday(dt.date(2024, 10, 12))      # Saturday, 调休
    assert not calendar.is_workday(dt.date(2024, 10, 1))   # 国庆
    assert calendar.is_workday(dt.date(2024, 9, 29))       # Sunday, 调休


@pytest.mark.parametrize("start,days", [
    (dt.date(2024, 2, 8), 3),     # 春节 2024
    (dt.date(2023, 4, 28), 2),    # 劳动节 2023 with 调休 on Sunday 23 April and Saturday 6 May
    (dt.date(2025, 1, 24), 10),   # 春节 2025
    (dt.date(2024, 12, 20), 60),  # across a year boundary
])
def test_working_days_match_the_official_calendar(start, days):
    assert calendar.add_working_days(start, days).on == _expected(start, days)


def test_calendar_days_are_plain_days():
    assert calendar.due_date(dt.date(2024, 9, 30), 5, "calendar").on == dt.date(2024, 10, 5)
    assert calendar.due_date(dt.date(2024, 9, 30), 0, "working").on == dt.date(2024, 9, 30)
    with pytest.raises(ValueError):
        calendar.due_date(dt.date(2024, 9, 30), 5, "lunar")


def test_years_not_covered_fall_back_to_monday_to_friday_and_say_so(caplog, monkeypatch):
    monkeypatch.setattr(calendar.log, "disabled", False)  # alembic's fileConfig disables existing loggers
    first, last = calendar.covered_years()
    assert first <= 2024 <= last
    future = dt.date(last + 1, 9, 30)
    with caplog.at_level(logging.WARNING, logger="ipservice.core.calendar"):
        calendar._warned_years.discard(last + 1)
        due = calendar.add_working_days(future, 5)
    assert due.estimated and due.uncovered_years == (last + 1,)
    expected, counted = future, 0
    while counted < 5:
        expected += dt.timedelta(days=1)
        counted += expected.weekday() < 5
    assert due.on == expected
    messages = [r.getMessage() for r in caplog.records]
    assert any("calendar add-year" in m and str(last + 1) in m for m in messages)
    assert calendar.is_working_day(dt.date(1990, 1, 1)) == (True, False)   # a Monday, before the data
    sunday = dt.date(last + 5, 1, 1) + dt.timedelta(days=(6 - dt.date(last + 5, 1, 1).weekday()))
    assert calendar.is_working_day(sunday) == (False, False)
    assert not calendar.covers(last + 1) and calendar.covers(2024)


def test_a_limit_that_ends_in_the_next_year_is_estimated_only_when_that_year_is_missing():
    first, last = calendar.covered_years()
    due = calendar.add_working_days(dt.date(last, 12, 1), 60)
    assert due.on.year == last + 1 and due.estimated
    due = calendar.add_working_days(dt.date(last - 1, 12, 1), 20)
    assert not due.estimated
