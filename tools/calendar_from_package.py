"""Write ipservice/core/calendar_data/<year>.toml for every year chinesecalendar knows.

Run once to seed the service's own calendar data (2004–2026 from chinesecalendar 1.11.0); since then the
files are the source and the package only the cross-check of the tests. A new year is added from the
State Council's notice with `flask --app wsgi calendar add-year FILE`, not with this script.
"""
import sys
from pathlib import Path

import chinese_calendar as cc
from chinese_calendar.constants import Holiday

OUT = Path(__file__).resolve().parents[1] / "ipservice" / "core" / "calendar_data"
# The package's short Chinese names → the names the State Council's notices use.
NAMES_ZH = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
BY_EN = {h.value: NAMES_ZH.get(h.chinese, h.chinese) for h in Holiday}


def entry(day, name_en):
    return f'  {{ date = {day.isoformat()}, name = "{BY_EN[name_en]}", name_en = "{name_en}" }},'


def write(year: int) -> Path:
    holidays = sorted((d, n) for d, n in cc.holidays.items() if d.year == year)
    workdays = sorted((d, n) for d, n in cc.workdays.items() if d.year == year)
    lines = [
        f"# The official working-day calendar of {year}: public holidays (法定节假日, the whole break including",
        "# its weekend days) and the weekend days worked in exchange (调休), as the State Council's General",
        f"# Office published them. Generated from chinesecalendar {cc.__version__}; since then our own data.",
        f"year = {year}",
        f'notice = "国务院办公厅关于{year}年部分节假日安排的通知"',
        f'notice_en = "Notice of the General Office of the State Council on the Arrangement of Certain Holidays in {year}"',
        "",
        "holidays = [",
        *(entry(d, n) for d, n in holidays),
        "]",
        "",
        "workdays = [",
        *(entry(d, n) for d, n in workdays),
        "]",
        "",
    ]
    path = OUT / f"{year}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":
    years = sorted({d.year for d in cc.holidays} | {d.year for d in cc.workdays})
    for y in (map(int, sys.argv[1:]) if len(sys.argv) > 1 else years):
        print(write(y))
