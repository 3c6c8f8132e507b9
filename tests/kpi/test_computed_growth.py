"""A 增幅 target compares the year-on-year growth of a computed metric, not the count itself."""
import datetime as dt

from ipservice.core.types import CHINA
from tests.cases.conftest import file_case, move


def test_determination_opinions_growth(monkeypatch, client, enterprise, bureau):
    from ipservice.cases import services

    applicant, officer = enterprise("xian"), bureau("xian")

    def resolved_on(day: dt.date):
        monkeypatch.setattr(services, "now",
                            lambda: dt.datetime(day.year, day.month, day.day, 10, tzinfo=CHINA))
        case = file_case(applicant, case_type="determination")
        for to in ("accepted", "in_progress", "resolved"):
            move(officer, "xian", case["id"], to)

    resolved_on(dt.date(2023, 5, 1))
    resolved_on(dt.date(2024, 3, 1))
    resolved_on(dt.date(2024, 9, 1))
    monkeypatch.undo()
    row = next(r for r in client.get("/t/xian/api/v1/kpis?year=2024").get_json()
               if r["code"] == "xian-2022-projects-18")
    growth = {a["year"]: a["value"] for a in row["actuals"]}
    assert growth[2024] == 100.0          # 1 opinion in 2023, 2 in 2024
    assert 2022 not in growth             # no opinion in 2022 → 2023's growth is undefined too
    assert 2023 not in growth
    assert row["progress"]["met"] is True and row["progress"]["target"] == 10
