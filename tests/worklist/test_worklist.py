"""The bureau's worklist and an enterprise's 我的办件: GET /dashboard, GET /my and their pages. The counts
must match the records filed through the API, for every registered filing kind."""
from __future__ import annotations

import datetime as dt
import json
import re


from tests.cases.conftest import bring_to, file_case, move
from tests.certification.certification_helpers import submit as submit_certification
from tests.conftest import make_uscc, page_login
from tests.custody.custody_helpers import enrollment_body

UTC = dt.UTC


def _agency(bureau_api, tenant="xian"):
    r = bureau_api.post(f"/t/{tenant}/api/v1/agencies",
                        json={"name": "托管机构", "uscc": make_uscc(), "contact": "x"})
    assert r.status_code == 201
    return r.get_json()["id"]


def _of(counts: dict, expected: dict) -> bool:
    """The counts of these kinds are as expected (another kind added later has its own key beside them)."""
    return {k: counts.get(k) for k in expected} == expected


def _custody(api, agency, year, tenant="xian"):
    body = enrollment_body(tenant, agency, start_date=f"{year}-01-01", end_date=f"{year}-12-31")
    r = api.post(f"/t/{tenant}/api/v1/custody-enrollments", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _kind_names(app):
    from ipservice.core import filing

    return {k.name for k in filing.kinds(app)}


def test_pending_counts_match_the_records_of_every_kind(app, enterprise, bureau):
    ent, other, officer = enterprise("xian"), enterprise("xian"), bureau("xian")
    agency = _agency(officer)
    c1, c2 = _custody(ent, agency, 2025), _custody(other, agency, 2025)
    cert1, cert2 = submit_certification(ent, "xian"), submit_certification(other, "xian")
    cases = [file_case(ent), file_case(other), bring_to("in_progress", ent, officer),
             bring_to("closed", ent, officer)]
    hebi = enterprise("hebi")  # another tenant's filings are not counted
    submit_certification(hebi, "hebi")
    assert cert2 and c2

    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert set(body["pending"]) == _kind_names(app)  # every registered kind, none named here
    assert _of(body["pending"], {"custody": 2, "certification": 2, "case": 3, "subsidy": 0})
    assert body["by_status"]["case"] == {"submitted": 2, "in_progress": 1, "closed": 1}

    officer.post(f"/t/xian/api/v1/custody-enrollments/{c1['id']}/decision", json={"decision": "approve"})
    officer.post(f"/t/xian/api/v1/certifications/{cert1['id']}/decision",
                 json={"decision": "reject", "reason": "证书不清晰"})
    move(officer, "xian", cases[0]["id"], "declined")
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert _of(body["pending"], {"custody": 1, "certification": 1, "case": 2, "subsidy": 0})
    assert body["by_status"]["custody"] == {"approved": 1, "submitted": 1}
    month = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m")
    assert _of({k: v[month] for k, v in body["per_month"].items()},
               {"custody": 2, "certification": 2, "case": 4, "subsidy": 0})
    assert len(body["per_month"]["case"]) == 12
    assert hebi.get("/t/hebi/api/v1/my").get_json()[0]["kind"] == "certification"


def test_overdue_and_due_soon_by_deadline(app, enterprise, bureau, monkeypatch):
    """Cases by their working-day deadline; other filings by the tenant's service standard (20 working
    days)."""
    from ipservice.cases import services as case_services
    from ipservice.core import calendar, filing
    from ipservice.worklist import services

    today = dt.date(2025, 6, 16)  # a Monday; 2025-05-31..06-02 is the Dragon Boat holiday
    ent, officer = enterprise("xian"), bureau("xian")
    agency = _agency(officer)

    def at(day):
        moment = dt.datetime.combine(day, dt.time(2), tzinfo=UTC)  # 10:00 in China
        monkeypatch.setattr(filing, "utcnow", lambda: moment)
        monkeypatch.setattr(case_services, "now", lambda: moment)

    def working_days_before(day, n):
        while n:
            day -= dt.timedelta(days=1)
            n -= calendar.is_workday(day)
        return day

    late = working_days_before(today, 21)   # decision due 20 working days later: yesterday at the latest
    soon = working_days_before(today, 18)   # due in 2 working days
    fresh = working_days_before(today, 5)   # due in 15 working days: neither
    ids = {}
    for name, day, year in (("late", late, 2021), ("soon", soon, 2022), ("fresh", fresh, 2023)):
        at(day)
        ids[f"custody-{name}"] = _custody(ent, agency, year)["id"]
        ids[f"cert-{name}"] = submit_certification(ent, "xian")["id"]
    at(working_days_before(today, 6))       # accepting a case is due in 5 working days: overdue
    ids["case-late"] = file_case(ent)["id"]
    at(working_days_before(today, 5))       # due today: due soon
    ids["case-today"] = file_case(ent)["id"]
    at(late)                                # decided long ago: waits for nothing
    decided = _custody(ent, agency, 2020)["id"]
    officer.post(f"/t/xian/api/v1/custody-enrollments/{decided}/decision", json={"decision": "approve"})
    monkeypatch.setattr(services, "today", lambda: today)

    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    overdue = {(i["kind"], i["id"]) for i in body["overdue"]}
    due_soon = {(i["kind"], i["id"]) for i in body["due_soon"]}
    assert overdue == {("custody", ids["custody-late"]), ("certification", ids["cert-late"]),
                       ("case", ids["case-late"])}
    assert due_soon == {("custody", ids["custody-soon"]), ("certification", ids["cert-soon"]),
                        ("case", ids["case-today"])}
    for item in body["overdue"]:
        assert dt.date.fromisoformat(item["due"]) < today
    for item in body["due_soon"]:
        assert today <= dt.date.fromisoformat(item["due"]) <= calendar.add_working_days(today, 3).on
    assert [i["due"] for i in body["overdue"]] == sorted(i["due"] for i in body["overdue"])
    case_item = next(i for i in body["overdue"] if i["kind"] == "case")
    assert case_item["number"].startswith("XA-2025-") and case_item["status"] == "submitted"
    # issue 20
    assert next(i for i in body["overdue"] if i["kind"] == "custody")["number"].startswith("XA-TG-2025-")

    # the page lists the same, each a link to the filing
    client = app.test_client()
    page_login(client, officer.email)
    html = client.get("/t/xian/worklist").get_data(as_text=True)
    for key in ("custody-late", "cert-late", "case-late", "custody-soon", "case-today"):
        assert ids[key] in html, key
    assert ids["custody-fresh"] not in html
    assert f"/t/xian/custody-enrollments/{ids['custody-late']}" in html
    assert f"/t/xian/cases/{ids['case-late']}" in html

    # once decided, nothing is overdue any more
    officer.post(f"/t/xian/api/v1/custody-enrollments/{ids['custody-late']}/decision",
                 json={"decision": "approve"})
    move(officer, "xian", ids["case-late"], "accepted")  # now due to close in 60 working days
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert {(i["kind"], i["id"]) for i in body["overdue"]} == {("certification", ids["cert-late"])}


def test_a_tenant_without_service_standard_has_no_overdue_filings(app, enterprise, bureau, monkeypatch):
    import dataclasses

    from ipservice.core import filing
    from ipservice.tenants import registry
    from ipservice.worklist import services

    ent, officer = enterprise("xian"), bureau("xian")
    monkeypatch.setattr(filing, "utcnow", lambda: dt.datetime(2020, 1, 6, 2, tzinfo=UTC))
    submit_certification(ent, "xian")
    monkeypatch.undo()
    assert len(officer.get("/t/xian/api/v1/dashboard").get_json()["overdue"]) == 1
    tenant = registry.of(app).get("xian")
    monkeypatch.setitem(registry.of(app), "xian", dataclasses.replace(tenant, service_standard=None))
    monkeypatch.setattr(services, "today", lambda: dt.date(2026, 1, 5))
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert body["overdue"] == [] and body["pending"]["certification"] == 1
    assert officer.get("/t/xian/api/v1/my").status_code == 403


def test_my_lists_the_callers_filings_of_every_kind_newest_first(app, enterprise, bureau, monkeypatch):
    from ipservice.cases import services as case_services
    from ipservice.core import filing

    ent, other, officer = enterprise("xian"), enterprise("xian"), bureau("xian")
    agency = _agency(officer)
    moments = iter(dt.datetime(2026, 3, d, 2, tzinfo=UTC) for d in range(2, 20))

    def tick():
        moment = next(moments)
        monkeypatch.setattr(filing, "utcnow", lambda: moment)
        monkeypatch.setattr(case_services, "now", lambda: moment)

    tick()
    custody = _custody(ent, agency, 2026)
    tick()
    cert = submit_certification(ent, "xian")
    tick()
    case = file_case(ent)
    tick()
    _custody(other, agency, 2026)
    mine = ent.get("/t/xian/api/v1/my")
    assert mine.status_code == 200
    assert [(i["kind"], i["id"]) for i in mine.get_json()] == [
        ("case", case["id"]), ("certification", cert["id"]), ("custody", custody["id"])]
    first = mine.get_json()[0]
    assert first["number"] == case["number"] and first["status"] == "submitted"
    assert first["due"] == case["accept_due_on"] and first["submitted_at"].endswith("+08:00")
    assert mine.get_json()[2]["due"]  # the service standard's deadline while it waits
    paged = ent.get("/t/xian/api/v1/my?page=2&page_size=2")
    assert [i["id"] for i in paged.get_json()] == [custody["id"]]
    assert json.loads(paged.headers["X-Pagination"])["total"] == 3
    assert len(other.get("/t/xian/api/v1/my").get_json()) == 1
    officer.post(f"/t/xian/api/v1/custody-enrollments/{custody['id']}/decision", json={"decision": "approve"})
    decided = next(i for i in ent.get("/t/xian/api/v1/my").get_json() if i["kind"] == "custody")
    assert decided["status"] == "approved" and decided["due"] is None


def test_who_may_read_the_worklists(client, enterprise, bureau):
    assert client.get("/t/xian/api/v1/dashboard").status_code == 401
    assert client.get("/t/xian/api/v1/my").status_code == 401
    assert enterprise("xian").get("/t/xian/api/v1/dashboard").status_code == 403
    assert bureau("xian").get("/t/xian/api/v1/my").status_code == 403
    assert bureau("hebi").get("/t/xian/api/v1/dashboard").status_code == 404  # another tenant's bureau


def test_a_new_kind_appears_without_more_code_and_brings_its_liability(app, enterprise, bureau, monkeypatch):
    """A kind registered later (here a stand-in sharing custody's model) is counted, and a kind that
    declares its liability puts its rows on the dashboard."""
    import types

    from ipservice.core import filing
    from ipservice.custody import services as custody_services

    ent, officer = enterprise("xian"), bureau("xian")
    _custody(ent, _agency(officer), 2025)
    base = filing.kind("custody", app)
    service = types.SimpleNamespace(**{n: getattr(custody_services, n) for n in ("page", "get", "stats")})
    stand_in = filing.FilingKind(name="stand_in", model=base.model, object_type="stand_in",
                                 label=("替代类别", "Stand-in kind"), statuses=base.statuses,
                                 pending=base.pending, service=service, list_endpoint=base.list_endpoint,
                                 detail_endpoint=base.detail_endpoint, detail_arg=base.detail_arg,
                                 liability=lambda: [{"year": 2025, "rule": "xian-2022-test",
                                                     "amount_cny": 30000, "count": 2}])
    monkeypatch.setitem(app.extensions[filing.KINDS_KEY], "stand_in", stand_in)
    body = officer.get("/t/xian/api/v1/dashboard").get_json()
    assert body["pending"] == {"custody": 1, "certification": 0, "case": 0, "subsidy": 0, "stand_in": 1}
    assert body["liability"] == [{"year": 2025, "rule": "xian-2022-test", "amount_cny": 30000, "count": 2,
                                  "kind": "stand_in"}]
    client = app.test_client()
    page_login(client, officer.email)
    html = client.get("/t/xian/worklist").get_data(as_text=True)
    assert "替代类别" in html and 'id="liability"' in html and "30,000" in html
    assert len(ent.get("/t/xian/api/v1/my").get_json()) == 2  # its filings, once per kind


def test_each_role_lands_on_its_worklist(app, client, enterprise, bureau, cross_admin):
    ent, officer = enterprise("xian"), bureau("xian")
    r = page_login(client, officer.email)
    assert r.status_code == 302 and r.headers["Location"].endswith("/t/xian/worklist")
    assert client.get("/t/xian/").headers["Location"].endswith("/t/xian/worklist")
    html = client.get("/t/xian/worklist").get_data(as_text=True)
    assert "工作台" in html and 'href="/t/xian/overview"' in html and "<svg" in html
    assert client.get("/t/hebi/").status_code == 200  # another tenant's home is its public overview
    overview = client.get("/t/xian/overview")
    assert overview.status_code == 200 and "政策文件" in overview.get_data(as_text=True)

    other = app.test_client()
    r = page_login(other, ent.info["email"])
    assert r.headers["Location"].endswith("/t/xian/my")
    html = other.get("/t/xian/my").get_data(as_text=True)
    assert "我的办件" in html and "/t/xian/custody-enrollments/new" in html
    assert "/t/xian/certifications/new" in html
    assert "/t/xian/cases/new" in html and "您还没有提交任何申请" in html

    admin = app.test_client()
    r = page_login(admin, "province@example.gov.cn")
    assert r.headers["Location"].endswith("/stats")
    anonymous = app.test_client()
    assert anonymous.get("/t/xian/").status_code == 200
    assert anonymous.get("/t/xian/overview").status_code == 200
    assert anonymous.get("/t/xian/worklist").status_code in (302, 401)


def test_worklist_pages_in_english(app, client, enterprise, bureau):
    ent, officer = enterprise("xian"), bureau("xian")
    file_case(ent)
    page_login(client, officer.email)
    html = client.get("/t/xian/worklist?lang=en").get_data(as_text=True)
    assert "Worklist" in html and "Protection-center case" in html and "<title id=" in html
    for chinese in ("工作台", "待办", "已超期", "：", "（"):
        assert chinese not in html.split("<main>")[1], chinese


def test_my_page_numbers_every_kind_and_offers_to_file_a_rejected_one_again(app, enterprise, bureau):
    """Issue 20 (11): 我的办件 said "已办结，无需操作" for a rejected filing that can be filed again, and
    custody
    and certification rows had no number."""
    ent, officer = enterprise("xian"), bureau("xian")
    custody = _custody(ent, _agency(officer), 2026)
    cert = submit_certification(ent, "xian")
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    assert re.fullmatch(rf"XA-TG-{year}-\d{{6}}", custody["number"])
    assert re.fullmatch(rf"XA-GB-{year}-\d{{6}}", cert["number"])
    assert {i["id"]: i["number"] for i in ent.get("/t/xian/api/v1/my").get_json()} == {
        custody["id"]: custody["number"], cert["id"]: cert["number"]}
    r = officer.post(f"/t/xian/api/v1/custody-enrollments/{custody['id']}/decision",
                     json={"decision": "reject", "reason": "合同缺页"})
    assert r.status_code == 200
    officer.post(f"/t/xian/api/v1/certifications/{cert['id']}/decision", json={"decision": "verify"})
    page = app.test_client()
    assert page_login(page, ent.info["email"]).status_code == 302
    html = page.get("/t/xian/my").get_data(as_text=True)
    rows = {n: next(r for r in html.split("<tr") if n in r) for n in (custody["number"], cert["number"])}
    assert "可修改后重新提交" in rows[custody["number"]]
    assert 'href="/t/xian/custody-enrollments/new"' in rows[custody["number"]]
    assert "无需操作" not in rows[custody["number"]]
    assert "已办结，无需操作" in rows[cert["number"]]
    english = page.get("/t/xian/my?lang=en").get_data(as_text=True)
    row = next(r for r in english.split("<tr") if custody["number"] in r)
    assert 'href="/t/xian/custody-enrollments/new"' in row
