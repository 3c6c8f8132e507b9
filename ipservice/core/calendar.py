"""Working days of the official Chinese calendar (国务院办公厅 holiday arrangements).

Public holidays (法定节假日) and the weekend days that are worked in exchange (调休) come from the
``chinesecalendar`` package (``import chinese_calendar``). The package carries the data for the years the
State Council has published; it is upgraded each year (``pip install -U chinesecalendar``) once the
next year's arrangement is announced, usually in November or December.

For a year the installed package does not cover yet, the service does not fail: it counts Monday to
Friday as working days, logs a warning once per year and process, and marks every date computed that way
as *estimated* (``Due.estimated``), so the caller can say so and recompute after an upgrade.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

try:  # pragma: no cover - the dependency is declared in setup.cfg
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover
    _cc = None

WORKING = "working"
CALENDAR = "calendar"

_warned_years: set[int] = set()


@dataclass(frozen=True)
class Due:
    """A due date and whether a year outside the official calendar's data was counted Monday–Friday."""

    on: dt.date
    estimated: bool = False
    uncovered_years: tuple[int, ...] = ()


@functools.lru_cache(maxsize=1)
def covered_years() -> tuple[int, int] | None:
    """The first and last year the installed calendar data covers (None without the package)."""
    if _cc is None:
        return None
    years = [d.year for d in _cc.holidays] + [d.year for d in _cc.workdays]
    return (min(years), max(years)) if years else None


def covers(year: int) -> bool:
    bounds = covered_years()
    return bounds is not None and bounds[0] <= year <= bounds[1]


def _note_uncovered(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        bounds = covered_years()
        log.warning(
            "chinesecalendar %s has no holiday data for %s (covers %s); counting Monday-Friday as working "
            "days for that year. Upgrade it: pip install -U chinesecalendar",
            getattr(_cc, "__version__", "?"), year, f"{bounds[0]}-{bounds[1]}" if bounds else "nothing",
        )


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """``(working, official)``: official is False when the day's year is not covered (Mon–Fri fallback)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if _cc is not None and covers(day.year):
        try:
            return bool(_cc.is_workday(day)), True
        except NotImplementedError:  # the package's own bounds disagree with ours: fall back
            pass
    _note_uncovered(day.year)
    return day.weekday() < 5, False


def is_workday(day: dt.date) -> bool:
    return is_working_day(day)[0]


def add_working_days(start: dt.date, days: int) -> Due:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted, uncovered = start, 0, set()
    while counted < days:
        day += dt.timedelta(days=1)
        working, official = is_working_day(day)
        if not official:
            uncovered.add(day.year)
        if working:
            counted += 1
    return Due(day, bool(uncovered), tuple(sorted(uncovered)))


def add_calendar_days(start: dt.date, days: int) -> Due:
    return Due(start + dt.timedelta(days=days))


def due_date(start: dt.date, days: int, kind: str) -> Due:
    """A time limit of ``days`` working or calendar days (``kind``) counted from ``start``."""
    if kind == WORKING:
        return add_working_days(start, days)
    if kind == CALENDAR:
        return add_calendar_days(start, days)
    raise ValueError(f"unknown calendar kind {kind!r}")
