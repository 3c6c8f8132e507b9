"""The national IP-management standards (知识产权管理规范) and their editions — facts of national
standardization, the same for every district (a district's difference belongs in tenants/<slug>/).

- enterprise           GB/T 29490 企业知识产权管理规范: 2013 edition (in force 2013-03-01) and its 2023
                       revision (in force 2024-01-01). Certificates of the 2013 edition were still issued
                       during the transition after 2024-01-01, so only the opposite is impossible.
- university           GB/T 33251-2016 高等学校知识产权管理规范 (in force 2017-01-01).
- research_institute   GB/T 33250-2016 科研组织知识产权管理规范 (in force 2017-01-01).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    code: str            # "GB/T 29490-2023"
    in_force: dt.date    # the date it took effect


@dataclass(frozen=True)
class Standard:
    code: str            # "GB/T 29490"
    name_zh: str
    name_en: str
    editions: tuple[Edition, ...]   # oldest first

    def edition(self, code: str) -> Edition | None:
        return next((e for e in self.editions if e.code == code), None)

    def edition_on(self, on: dt.date) -> Edition:
        """The newest edition in force on ``on`` (the oldest when none was yet)."""
        current = [e for e in self.editions if e.in_force <= on]
        return current[-1] if current else self.editions[0]


STANDARDS: dict[str, Standard] = {
    "enterprise": Standard("GB/T 29490", "企业知识产权管理规范", "Enterprise IP management standard", (
        Edition("GB/T 29490-2013", dt.date(2013, 3, 1)),
        Edition("GB/T 29490-2023", dt.date(2024, 1, 1)),
    )),
    "university": Standard("GB/T 33251", "高等学校知识产权管理规范", "University IP management standard", (
        Edition("GB/T 33251-2016", dt.date(2017, 1, 1)),
    )),
    "research_institute": Standard("GB/T 33250", "科研组织知识产权管理规范",
                                   "Research-organization IP management standard", (
        Edition("GB/T 33250-2016", dt.date(2017, 1, 1)),
    )),
}

# The editions an enterprise may name (the others have a single edition, chosen by the service).
ENTERPRISE_EDITIONS = tuple(e.code for e in STANDARDS["enterprise"].editions)

# At most this many years between issue and expiry (a certificate is valid for at most 3 years).
MAX_VALIDITY_YEARS = 3


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year; past the end of the
    calendar (year 9999) the last day it has, so that a limit computed from a far-future date is no error."""
    year = day.year + years
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return dt.date.max if years > 0 else dt.date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def resolve(org_type: str, issued_on: dt.date, edition_code: str | None) -> tuple[Standard, Edition]:
    """The standard of ``org_type`` and the edition: the one named, or the one in force on the issue date."""
    standard = STANDARDS[org_type]
    edition = standard.edition(edition_code) if edition_code else standard.edition_on(issued_on)
    return standard, edition
