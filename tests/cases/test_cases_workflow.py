"""Working a case: every move of the state machine (allowed and forbidden), notes, withdrawal, history,
audit, lists and filters, evidence files, and the 404s across tenants and enterprises."""
import datetime as dt
import io

import pytest

from tests.cases.conftest import PATHS, bring_to, file_case, move, with_cases

STATUSES = list(PATHS)
ALLOWED = {
    "submitted": {"accepted", "declined", "withdrawn"},
    "accepted": {"in_progress", "withdrawn"},
    "in_progress": {"mediated", "resolved", "withdrawn"},
    "mediated": {"closed", "withdrawn"},
    "resolved": {"closed", "withdrawn"},
    "declined": set(), "closed": set(), "withdrawn": set(),
}


def _actor(to, applicant, officer):
    return applicant if to == "withdrawn" else officer


@pytest.mark.parametrize("to", STATUSES)
@pytest.mark.parametrize("start", STATUSES)
def test_state_machine_matrix(xian_pair, start, to):
    """Every (from, to) pair, made by the party whose move it is: 200 where allowed, 409 otherwise."""
    applicant, officer = xian_pair
    case = bring_to(start, applicant, officer)
    actor = _actor(to, applicant, officer)
    r = actor.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": to, "note": "说明"})
    if to in ALLOWED[start]:
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["status"] == to
        assert body["history"][-1]["from"] == start and body["history"][-1]["to"] == to
    else:
        assert r.status_code == 409, r.get_json()
        message = r.get_json()["message"]
        # the message names the moves that are allowed now (for the caller), or says there are none
        mine = sorted(m for m in ALLOWED[start] if (m == "withdrawn") == (actor is applicant))
        for m in mine:
            assert f"（{m}）" in message
        if not mine:
            assert "无" in message
        assert applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["status"] == start


@pytest.mark.parametrize("to", ["accepted", "declined", "in_progress", "mediated", "resolved", "closed"])
def test_the_applicant_cannot_make_the_bureaus_moves(xian_pair, to):
    applicant, officer = xian_pair
    case = file_case(applicant)
    r = applicant.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": to, "note": "x"})
    assert r.status_code == 403


@pytest.mark.parametrize("start", ["submitted", "accepted", "in_progress", "mediated", "resolved"])
def test_only_the_applicant_withdraws_before_closing(xian_pair, start):
    applicant, officer = xian_pair
    case = bring_to(start, applicant, officer)
    r = officer.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": "withdrawn"})
    assert r.status_code == 403 and "申请人" in r.get_json()["message"]
    body = move(applicant, "xian", case["id"], "withdrawn", note=None)
    assert body["status"] == "withdrawn" and body["due"]["next_due_on"] is None and body["overdue"] is False
    assert body["history"][-1] == {**body["history"][-1], "from": start, "to": "withdrawn",
                                   "by": applicant.info["email"], "by_role": "enterprise", "note": None}


@pytest.mark.parametrize("start", ["closed", "declined", "withdrawn"])
def test_no_withdrawal_after_closing_declining_or_withdrawing(xian_pair, start):
    applicant, officer = xian_pair
    case = bring_to(start, applicant, officer)
    r = applicant.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": "withdrawn"})
    assert r.status_code == 409


def test_another_enterprise_cannot_withdraw(xian_pair, enterprise):
    applicant, officer = xian_pair
    case = file_case(applicant)
    other = enterprise("xian")
    r = other.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json={"to": "withdrawn"})
    assert r.status_code == 404


@pytest.mark.parametrize("to,start", [("declined", "submitted"), ("mediated", "in_progress"),
                                      ("resolved", "in_progress")])
def test_declined_mediated_resolved_need_a_note(xian_pair, to, start):
    applicant, officer = xian_pair
    case = bring_to(start, applicant, officer)
    for note in (None, "", "   "):
        body = {"to": to} if note is None else {"to": to, "note": note}
        r = officer.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json=body)
        assert r.status_code == 422, r.get_json()
        assert "说明" in r.get_json()["errors"]["json"]["note"][0]
    assert move(officer, "xian", case["id"], to, note="  依据充分  ")["history"][-1]["note"] == "依据充分"


@pytest.mark.parametrize("to,start", [("accepted", "submitted"), ("in_progress", "accepted"),
                                      ("closed", "resolved")])
def test_other_moves_need_no_note(xian_pair, to, start):
    applicant, officer = xian_pair
    case = bring_to(start, applicant, officer)
    assert move(officer, "xian", case["id"], to, note=None)["status"] == to


@pytest.mark.parametrize("body", [{}, {"to": "finished"}, {"to": None}, {"to": "closed", "note": "x" * 2001},
                                  {"to": "accepted", "extra": 1}, {"to": ["accepted"]}])
def test_bad_transition_bodies_are_422(xian_pair, body):
    applicant, officer = xian_pair
    case = file_case(applicant)
    r = officer.post(f"/t/xian/api/v1/cases/{case['id']}/transitions", json=body)
    assert r.status_code == 422, r.get_json()


def test_full_history_and_audit(app, xian_pair):
    from sqlalchemy import select

    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    applicant, officer = xian_pair
    case = file_case(applicant)
    for to, note in [("accepted", None), ("in_progress", "开始调查"), ("resolved", "已出具意见"),
                     ("closed", None)]:
        body = move(officer, "xian", case["id"], to, note=note)
    history = body["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "submitted"), ("submitted", "accepted"), ("accepted", "in_progress"),
        ("in_progress", "resolved"), ("resolved", "closed")]
    assert [h["by"] for h in history] == [applicant.info["email"]] + [officer.email] * 4
    assert history[3]["note"] == "已出具意见"
    assert all(h["at"].endswith("+08:00") for h in history)
    assert body["closed_at"] and body["accepted_at"] and body["due"]["next_due_on"] is None
    with app.app_context(), tenant_context("xian"):
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case["id"])
                                     .order_by(AuditEvent.at)).all()
        assert actions == ["case.submitted", "case.accepted", "case.in_progress", "case.resolved",
                           "case.closed"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.resolved"))
        assert event.actor_email == officer.email and event.detail["note"] == "已出具意见"
        assert event.detail["from"] == "in_progress"


def test_allowed_moves_are_shown_per_role(xian_pair):
    applicant, officer = xian_pair
    case = file_case(applicant)
    assert applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["allowed_moves"] == ["withdrawn"]
    moves = officer.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["allowed_moves"]
    assert moves == ["accepted", "declined"]


def test_acceptance_sets_the_closing_deadline(xian_pair):
    applicant, officer = xian_pair
    case = file_case(applicant)
    assert case["due"]["next_due_on"] == case["accept_due_on"]
    body = move(officer, "xian", case["id"], "accepted", note=None)
    assert body["close_due_on"] and body["due"]["next_due_on"] == body["close_due_on"]
    assert body["due"]["close"]["days"] == 60 and body["due"]["close"]["starts_on"]


# --- isolation --------------------------------------------------------------------------------------------

def test_404_across_enterprises_and_tenants(enterprise, bureau):
    applicant, officer = enterprise("xian"), bureau("xian")
    case = file_case(applicant)
    url = f"/t/xian/api/v1/cases/{case['id']}"
    other = enterprise("xian")
    assert other.get(url).status_code == 404
    assert other.post(url + "/transitions", json={"to": "withdrawn"}).status_code == 404
    assert other.get(url + "/attachments").status_code == 404
    assert other.get("/t/xian/api/v1/cases").get_json() == []
    # users of another tenant: 404 on this tenant's URLs, and not found through their own tenant
    hebi_bureau, hebi_enterprise = bureau("hebi"), enterprise("hebi")
    for api in (hebi_bureau, hebi_enterprise):
        assert api.get(url).status_code == 404
        assert api.post(url + "/transitions", json={"to": "accepted"}).status_code == 404
        assert api.get("/t/xian/api/v1/cases").status_code == 404
        assert api.get(f"/t/hebi/api/v1/cases/{case['id']}").status_code == 404
    r = hebi_bureau.post(f"/t/hebi/api/v1/cases/{case['id']}/transitions", json={"to": "accepted"})
    assert r.status_code == 404
    assert hebi_bureau.get("/t/hebi/api/v1/cases").get_json() == []
    assert officer.get(url + "/transitions").status_code == 405
    assert officer.get("/t/xian/api/v1/cases/does-not-exist").status_code == 404
    r = officer.get("/t/atlantis/api/v1/cases")
    assert r.status_code == 404
    assert officer.get(url).status_code == 200 and applicant.get(url).status_code == 200


# --- lists, filters, sorting, paging ----------------------------------------------------------------------

def test_enterprise_lists_its_own_bureau_lists_all(enterprise, bureau):
    a, b, officer = enterprise("xian"), enterprise("xian"), bureau("xian")
    file_case(a)
    file_case(a, case_type="mediation")
    file_case(b)
    assert len(a.get("/t/xian/api/v1/cases").get_json()) == 2
    assert len(b.get("/t/xian/api/v1/cases").get_json()) == 1
    listed = officer.get("/t/xian/api/v1/cases").get_json()
    assert len(listed) == 3 and "history" not in listed[0]
    assert [c["number"][-1] for c in listed] == ["3", "2", "1"]  # newest first


def test_filters_sort_and_paging(app, enterprise, bureau, monkeypatch):
    import json

    from ipservice.cases import services

    applicant, officer = enterprise("xian"), bureau("xian")
    ids = {}
    for moment, name, case_type in [
        (dt.datetime(2024, 9, 2, 2, tzinfo=dt.UTC), "old", "assistance"),
        (dt.datetime(2024, 9, 20, 2, tzinfo=dt.UTC), "late", "mediation"),
        (dt.datetime(2024, 10, 8, 2, tzinfo=dt.UTC), "accepted", "assistance"),
    ]:
        monkeypatch.setattr(services, "now", lambda moment=moment: moment)
        ids[name] = file_case(applicant, case_type=case_type)["id"]
    move(officer, "xian", ids["accepted"], "accepted", note=None)  # on 2024-10-08: due in 60 working days
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 10, 9))
    get = lambda q: officer.get("/t/xian/api/v1/cases" + q)  # noqa: E731
    overdue = get("?overdue=true").get_json()
    assert {c["id"] for c in overdue} == {ids["old"], ids["late"]} and all(c["overdue"] for c in overdue)
    assert [c["id"] for c in get("?overdue=false").get_json()] == [ids["accepted"]]
    assert [c["id"] for c in get("?sort=due").get_json()] == [ids["old"], ids["late"], ids["accepted"]]
    assert [c["id"] for c in get("?sort=-due").get_json()] == [ids["accepted"], ids["late"], ids["old"]]
    assert [c["id"] for c in get("?case_type=mediation").get_json()] == [ids["late"]]
    assert [c["id"] for c in get("?status=accepted").get_json()] == [ids["accepted"]]
    assert get("?center=xian-ppc").get_json().__len__() == 3 and get("?center=other").get_json() == []
    r = get("?page=2&page_size=2&sort=number")
    assert [c["id"] for c in r.get_json()] == [ids["accepted"]]
    assert json.loads(r.headers["X-Pagination"])["total"] == 3
    assert get("?status=bogus").status_code == 422
    assert get("?overdue=maybe").status_code == 422
    assert get("?page_size=501").status_code == 422
    number = applicant.get("/t/xian/api/v1/cases/" + ids["late"]).get_json()["number"]
    assert [c["id"] for c in get("?q=" + number).get_json()] == [ids["late"]]


# --- time limits ----------------------------------------------------------------------------------------

def test_due_dates_skip_national_day_and_count_the_make_up_saturday(xian_pair, monkeypatch):
    """Submitted on Monday 2024-09-30 with 5 working days: 1–7 October are holidays (国庆), Saturday
    12 October is a make-up working day (调休) — the due date is that Saturday, as chinese_calendar says."""
    import chinese_calendar

    from ipservice.cases import services

    expected, day, counted = None, dt.date(2024, 9, 30), 0
    while counted < 5:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    expected = day
    assert expected == dt.date(2024, 10, 12) and expected.weekday() == 5
    applicant, officer = xian_pair
    monkeypatch.setattr(services, "now", lambda: dt.datetime(2024, 9, 30, 9, 0, tzinfo=services.CHINA))
    case = file_case(applicant)
    assert case["accept_due_on"] == "2024-10-12" and case["due"]["accept"]["estimated"] is False
    assert case["due"]["note"] is None
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 10, 12))
    assert applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["overdue"] is False
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 10, 13))
    assert applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["overdue"] is True
    # accepted late: no longer waiting for acceptance; now the closing deadline applies
    monkeypatch.setattr(services, "now", lambda: dt.datetime(2024, 10, 14, 9, 0, tzinfo=services.CHINA))
    body = move(officer, "xian", case["id"], "accepted", note=None)
    assert body["overdue"] is False and body["close_due_on"] > "2024-12-31"


def test_due_dates_in_a_year_the_calendar_does_not_cover_are_estimated(xian_pair, monkeypatch):
    from ipservice.cases import services
    from ipservice.core import calendar

    last = calendar.covered_years()[1]
    applicant, officer = xian_pair
    monkeypatch.setattr(services, "now", lambda: dt.datetime(last, 12, 30, 9, 0, tzinfo=services.CHINA))
    case = file_case(applicant)
    assert case["due"]["accept"]["estimated"] is True
    assert str(last + 1) in case["due"]["note"] and "周一至周五" in case["due"]["note"]


def test_calendar_day_limits(app, xian_pair, monkeypatch):
    from ipservice.cases import services
    from ipservice.tenants import registry
    from ipservice.tenants.config import TimeLimit

    xian = registry.of(app).get("xian")
    monkeypatch.setitem(registry.of(app), "xian",
                        with_cases(xian, accept_limit=TimeLimit(days=3, calendar="calendar")))
    monkeypatch.setattr(services, "now", lambda: dt.datetime(2024, 9, 30, 9, 0, tzinfo=services.CHINA))
    applicant, _officer = xian_pair
    case = file_case(applicant)
    assert case["accept_due_on"] == "2024-10-03" and case["due"]["accept"]["calendar"] == "calendar"


# --- evidence -------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _upload(api, case_id, data, name="证据.pdf", tenant="xian"):
    return api.client.post(f"/t/{tenant}/api/v1/cases/{case_id}/attachments", headers=api.headers(),
                           data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_evidence_upload_and_download(xian_pair, enterprise, bureau):
    applicant, officer = xian_pair
    case = file_case(applicant)
    for data, name in ((PDF, "合同.pdf"), (PNG, "截图.png"), (JPEG, "照片.jpg")):
        r = _upload(applicant, case["id"], data, name)
        assert r.status_code == 201, r.get_json()
    att = r.get_json()
    assert att["filename"] == "照片.jpg" and att["size"] == len(JPEG)
    listed = officer.get(f"/t/xian/api/v1/cases/{case['id']}/attachments").get_json()
    assert len(listed) == 3
    url = f"/t/xian/api/v1/cases/{case['id']}/attachments/{att['id']}"
    assert officer.get(url).data == JPEG and applicant.get(url).data == JPEG
    assert enterprise("xian").get(url).status_code == 404
    assert bureau("hebi").get(url).status_code == 404
    assert len(applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()["attachments"]) == 3


def test_evidence_is_checked_by_content_and_size(app, xian_pair):
    applicant, officer = xian_pair
    case = file_case(applicant)
    assert _upload(applicant, case["id"], b"MZ\x90\x00 not a pdf", "evil.pdf").status_code == 415
    assert _upload(applicant, case["id"], b"", "empty.pdf").status_code == 422
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    assert _upload(applicant, case["id"], big, "big.pdf").status_code == 413
    r = applicant.client.post(f"/t/xian/api/v1/cases/{case['id']}/attachments", headers=applicant.headers(),
                              data={}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert _upload(officer, case["id"], PDF).status_code == 403  # the applicant's evidence
    move(applicant, "xian", case["id"], "withdrawn", note=None)
    assert _upload(applicant, case["id"], PDF).status_code == 409
    assert officer.get(f"/t/xian/api/v1/cases/{case['id']}/attachments").get_json() == []


def test_openapi_documents_the_case_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/t/{tenant}/api/v1/cases", "/t/{tenant}/api/v1/cases/{case_id}",
                 "/t/{tenant}/api/v1/cases/{case_id}/transitions"):
        assert path in doc["paths"], path
    assert "requestBody" in doc["paths"]["/t/{tenant}/api/v1/cases"]["post"]


def test_concurrent_moves_from_the_same_status_apply_once(app, xian_pair):
    """An officer declines a case that another officer accepted meanwhile: 409, the acceptance stands."""
    from sqlalchemy import select
    from ipservice.accounts.models import User
    from ipservice.cases.models import CASE_MOVES, Case
    from ipservice.core import filing
    from ipservice.core.errors import Refusal
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    applicant, officer = xian_pair
    case_id = file_case(applicant)["id"]
    with app.test_request_context(), tenant_context("xian"):
        user = db.session.scalar(select(User).where(User.email == officer.email))
        stale = db.session.get(Case, ("xian", case_id))  # read while still submitted
        db.session.expunge(stale)
        db.session.commit()
        move(officer, "xian", case_id, "accepted", note=None)  # another request accepts it
        with pytest.raises(Refusal) as exc:
            filing.move(stale, CASE_MOVES, "case", {"to": "declined", "note": "重复"}, user)
        assert exc.value.status == 409
    body = officer.get(f"/t/xian/api/v1/cases/{case_id}").get_json()
    assert body["status"] == "accepted" and [h["to"] for h in body["history"]] == ["submitted", "accepted"]
