"""Working days of the official Chinese calendar (国务院办公厅 holiday arrangements).

The calendar is the service's own data: one file per year, ``core/calendar_data/<year>.toml`` (shipped),
plus the files an operator installs into the instance's calendar folder (``CALENDAR_DIR``, by default
``instance/calendar``) with ``flask calendar add-year FILE`` — an instance file overrides the shipped
one of the same year. Each file lists the year's public holidays (法定节假日, the whole break) and the
weekend days worked in exchange (调休), with the title of the State Council's notice. The
``chinesecalendar`` package is no longer read here: the tests cross-check our files against it.

For a year no file covers yet, the service does not fail: it counts Monday to Friday as working days,
logs a warning once per year and process, and marks every date computed that way as *estimated*
(``Due.estimated``), so the caller can say so and recompute once the year is added.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

WORKING = "working"
CALENDAR = "calendar"
SHIPPED_DIR = Path(__file__).with_name("calendar_data")

_warned_years: set[int] = set()


class CalendarFileError(ValueError):
    """A calendar year file is not usable; the message says which entry and why."""


@dataclass(frozen=True)
class Due:
    """A due date and whether a year outside the official calendar's data was counted Monday–Friday."""

    on: dt.date
    estimated: bool = False
    uncovered_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class YearFile:
    """One year of the official calendar, as read from its file."""

    year: int
    notice: str
    notice_en: str
    holidays: dict = field(default_factory=dict)   # date -> (name, name_en)
    workdays: dict = field(default_factory=dict)   # date -> (name, name_en): weekend days worked (调休)
    path: str = ""


def _entries(raw, key, year, where) -> dict:
    out = {}
    items = raw.get(key, [])
    if not isinstance(items, list):
        raise CalendarFileError(f"{where}: {key}: a list of {{ date, name, name_en }} is expected")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("date"), dt.date) \
                or isinstance(item.get("date"), dt.datetime) or not item.get("name"):
            raise CalendarFileError(f"{where}: {key}.{i}: needs a date (YYYY-MM-DD, no quotes) and a name")
        day = item["date"]
        if day.year != year:
            raise CalendarFileError(f"{where}: {key}.{i}: {day} is not in {year}")
        if day in out:
            raise CalendarFileError(f"{where}: {key}.{i}: {day} is listed twice")
        out[day] = (str(item["name"]), str(item.get("name_en") or item["name"]))
    return out


def parse_year(text: str, where: str = "calendar file") -> YearFile:
    """Read and check one year file: every date in that year, holidays and workdays disjoint, every
    调休 workday a Saturday or Sunday worked for one of the year's holidays, and some holiday on a
    weekday (a festival may fall on a Sunday with no day in lieu, as 中秋 2015 did, but not every one)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(f"{where}: not valid TOML: {exc}") from exc
    year, notice = raw.get("year"), raw.get("notice")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CalendarFileError(f"{where}: year: a year between 2000 and 2100 is expected")
    if not isinstance(notice, str) or not notice.strip():
        raise CalendarFileError(f"{where}: notice: the title of the State Council's notice is expected")
    unknown = set(raw) - {"year", "notice", "notice_en", "holidays", "workdays"}
    if unknown:
        raise CalendarFileError(f"{where}: {', '.join(sorted(unknown))}: unknown field")
    holidays = _entries(raw, "holidays", year, where)
    workdays = _entries(raw, "workdays", year, where)
    if not holidays:
        raise CalendarFileError(f"{where}: holidays: a year has public holidays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarFileError(f"{where}: {both[0]} is both a holiday and a workday")
    names = {n for n, _en in holidays.values()}
    for day, (name, _en) in sorted(workdays.items()):
        if day.weekday() < 5:
            raise CalendarFileError(f"{where}: workdays: {day} is a weekday; 调休 workdays are Saturdays or "
                                    "Sundays")
        if name not in names:
            raise CalendarFileError(f"{where}: workdays: {day} is worked for {name!r}, which is no holiday "
                                    f"of {year}")
    if all(d.weekday() >= 5 for d in holidays):  # a festival may fall on a Sunday, but not all of them
        raise CalendarFileError(f"{where}: holidays: all fall on weekend days; is this the year's notice?")
    return YearFile(year=year, notice=notice.strip(), notice_en=str(raw.get("notice_en", "")).strip(),
                    holidays=holidays, workdays=workdays, path=where)


def instance_dir() -> Path | None:
    """The instance's calendar folder (``CALENDAR_DIR``), inside an app context; None outside one."""
    try:
        from flask import current_app

        return Path(current_app.config.get("CALENDAR_DIR") or Path(current_app.instance_path) / "calendar")
    except RuntimeError:
        return None


def _signature(folder: Path | None):
    try:
        return (str(folder), os.stat(folder).st_mtime_ns) if folder else None
    except OSError:
        return (str(folder), None)


@functools.lru_cache(maxsize=8)
def _load(instance_signature) -> dict[int, YearFile]:
    instance = [Path(instance_signature[0])] if instance_signature and instance_signature[1] else []
    folders = [SHIPPED_DIR, *instance]
    years: dict[int, YearFile] = {}
    for folder in folders:  # an instance file overrides the shipped file of the same year
        for path in sorted(folder.glob("*.toml")):
            data = parse_year(path.read_text(encoding="utf-8"), str(path))
            years[data.year] = data
    return years


def years() -> dict[int, YearFile]:
    """Every year the calendar knows (shipped and installed), by year."""
    return _load(_signature(instance_dir()))


def reload() -> None:
    """Forget what was read (after a year was installed)."""
    _load.cache_clear()
    _warned_years.clear()


def covered_years() -> tuple[int, int] | None:
    """The first and last year the calendar covers (None without any file)."""
    known = years()
    return (min(known), max(known)) if known else None


def covers(year: int) -> bool:
    return year in years()


def is_estimated(day) -> bool:
    """Whether a deadline on ``day`` was counted Monday to Friday, the calendar not covering its year yet
    (the pages mark such a date wherever they show it)."""
    return day is not None and not covers(day.year)


def _note_uncovered(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        bounds = covered_years()
        log.warning(
            "the official calendar has no data for %s (covers %s); counting Monday-Friday as working days "
            "for that year. Add the year from the State Council's notice: flask calendar add-year FILE",
            year, f"{bounds[0]}-{bounds[1]}" if bounds else "nothing",
        )


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """``(working, official)``: official is False when the day's year is not covered (Mon–Fri fallback)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    data = years().get(day.year)
    if data is not None:
        if day in data.workdays:
            return True, True
        return (day.weekday() < 5 and day not in data.holidays), True
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


def install_year(source: Path) -> YearFile:
    """Check ``source`` and copy it into the instance's calendar folder as ``<year>.toml``."""
    data = parse_year(source.read_text(encoding="utf-8"), str(source))
    folder = instance_dir()
    if folder is None:
        raise RuntimeError("install_year needs an app context (the instance's calendar folder)")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{data.year}.toml"
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(target)
    os.utime(folder)  # the folder's signature changes: every process reads the new year on its next call
    reload()
    return data
