"""Issue 21: every decision reaches the organization's inbox and mailbox once, in the reader's language; a
refused change writes nothing; the SMTP server down loses nothing."""
from __future__ import annotations

from sqlalchemy import select

from tests.cases.conftest import case_body
from tests.conftest import Api, page_login
from tests.notifications.conftest import drain, sweep
from tests.proof import world as W

DECISIONS = {  # kind -> (collection, action, body): the bureau's decision on a filing
    "custody": ("custody-enrollments", "decision", {"decision": "approve"}),
    "certification": ("certifications", "decision", {"decision": "verify"}),
    "subsidy": ("subsidy-applications", "decision", {"decision": "approve"}),
    "case": ("cases", "transitions", {"to": "accepted", "note": "受理"}),
}


def _rows(app, **where):
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db
    from ipservice.notifications.models import Notification

    with app.app_context(), cross_tenant("test: read the outbox"):
        q = select(Notification).filter_by(**where).order_by(Notification.created_at)
        rows = list(db.session.scalars(q))
        db.session.expunge_all()
        return rows


def test_a_decision_of_each_kind_reaches_the_inbox_and_the_mailbox_once(app, client, mailbox):
    world = W.build(app, client)
    e1 = world.parties["E1"]
    bureau = Api(client, world.bureaus[W.HOME][1])
    assert {k.name for k in world.kinds} == set(DECISIONS), "a new filing kind: add its decision here"
    # the demo's case has moved already: a fresh one waits for acceptance
    r = Api(client, e1.token).post(f"/t/{W.HOME}/api/v1/cases", json=case_body(W.HOME))
    e1.filings["case"] = r.get_json()["id"]
    drain(app)  # what the world's making told (the demo's case was accepted by its loader)
    mailbox.messages.clear()
    before = {n["id"] for p in world.parties.values()
              for n in Api(client, p.token).get("/api/v1/notifications").get_json()}
    for kind in world.kinds:
        collection, action, body = DECISIONS[kind.name]
        r = bureau.post(f"/t/{W.HOME}/api/v1/{collection}/{e1.filings[kind.name]}/{action}", json=body)
        assert r.status_code == 200, (kind.name, r.get_json())
    drain(app)
    # a job run twice, and the sweep, send nothing more
    from ipservice.core import jobs

    for row in _rows(app):
        if row.email_wanted:
            with app.app_context():
                jobs.enqueue_now("notifications.email", row.id, row.user_id, row.tenant_id, app=app)
    drain(app)
    sweep(app)

    mine = Api(client, e1.token).get("/api/v1/notifications").get_json()
    decided = [n for n in mine if n["id"] not in before]
    assert len(decided) == len(world.kinds)
    assert all(n["read_at"] is None and n["link"] for n in decided)
    mails = mailbox.to(e1.email)
    assert len(mails) == len(world.kinds), [m["Subject"] for m in mails]
    assert sorted(m["Subject"] for m in mails) == sorted(n["title"] for n in decided)
    granted = next(n for n in decided if n["kind"].endswith(".granted"))  # approved and granted: one notice
    assert "资助" in granted["title"]
    html = mails[0].get_body(("html",)).get_content()
    assert "<a href=\"http" in html and mails[0].get_body(("plain",)).get_content()
    # nobody else heard of E1's filings; the bureau's own decisions are not news to it
    e2 = Api(client, world.parties["E2"].token).get("/api/v1/notifications").get_json()
    assert not [n for n in e2 if n["id"] not in before]


def _case_filed(client, enterprise, bureau):
    e = enterprise("xian")
    b = bureau("xian")
    r = e.post("/t/xian/api/v1/cases", json=case_body("xian"))
    assert r.status_code == 201, r.get_json()
    return e, b, r.get_json()["id"]


def test_english_reader_and_read_marks(app, client, enterprise, bureau, queue):
    e, b, case_id = _case_filed(client, enterprise, bureau)
    # the bureau heard of the new case, one notification
    news = b.get("/api/v1/notifications?unread=1").get_json()
    assert len(news) == 1 and "维权案件" in news[0]["title"]
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    mine = e.get("/api/v1/notifications").get_json()
    assert len(mine) == 1 and "已受理" in mine[0]["title"] or "受理" in mine[0]["title"]
    english = Api(client, e.token, lang="en").get("/api/v1/notifications").get_json()
    assert "case" in english[0]["title"].lower() and english[0]["id"] == mine[0]["id"]
    # another user's notification is not found, and stays unread
    assert b.post(f"/api/v1/notifications/{mine[0]['id']}/read").status_code == 404
    r = e.post(f"/api/v1/notifications/{mine[0]['id']}/read")
    assert r.status_code == 200 and r.get_json()["read_at"]
    assert e.get("/api/v1/notifications?unread=1").get_json() == []
    assert e.post("/api/v1/notifications/nope/read").status_code == 404


def test_a_refused_decision_writes_no_notification(app, client, enterprise, bureau, queue):
    e, b, case_id = _case_filed(client, enterprise, bureau)
    r = b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "closed"})
    assert r.status_code in (409, 422)
    assert e.get("/api/v1/notifications").get_json() == []


def test_smtp_down_loses_nothing_and_delivers_once_when_back(app, client, enterprise, bureau, mailbox):
    e, b, case_id = _case_filed(client, enterprise, bureau)
    mailbox.stop()
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    drain(app)
    sweep(app)  # tried again: still down
    note = next(n for n in _rows(app) if n.event == "case.accepted")
    assert note.emailed_at is None and note.email_attempts >= 2 and note.email_error
    assert len(e.get("/api/v1/notifications").get_json()) == 1  # in the app all the same
    mailbox.start()
    sweep(app)
    sweep(app)
    assert len(mailbox.to(e.info["email"])) == 1
    note = next(n for n in _rows(app) if n.event == "case.accepted")
    assert note.emailed_at is not None and note.email_error is None


def test_email_off_for_a_class_keeps_the_inbox(app, client, enterprise, bureau, mailbox):
    from tests.conftest import csrf_from

    e, b, case_id = _case_filed(client, enterprise, bureau)
    pages = app.test_client()
    page_login(pages, e.info["email"])
    form = pages.get("/account/notifications?lang=en")
    assert form.status_code == 200 and "Case progress" in form.get_data(as_text=True)
    r = pages.post("/account/notifications", data={
        "csrf_token": csrf_from(form.get_data(as_text=True)), "email_on": ["decision", "account"],
        "language": "en"})
    assert r.status_code == 302
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    drain(app)
    assert mailbox.to(e.info["email"]) == []
    inbox = pages.get("/inbox?lang=en").get_data(as_text=True)
    assert "accepted" in inbox.lower()
    assert "(1)" in inbox or "（1）" in inbox  # the unread count in the header


def test_account_event_mailed_in_the_users_language(app, client, enterprise, mailbox):
    e = enterprise("xian")
    r = e.post("/api/v1/auth/password",
               json={"current_password": "test-pass-123", "new_password": "Brand-New-Pass-2026"})
    assert r.status_code in (200, 204), r.get_json()
    drain(app)
    [mail] = mailbox.to(e.info["email"])
    assert mail["Subject"] == "您的密码已修改"


def test_daily_digest_once_and_daily_mode_skips_each_filing(app, client, enterprise, bureau, queue):
    from ipservice.core import jobs

    b = bureau("xian")
    pages = app.test_client()
    page_login(pages, b.email)
    from tests.conftest import csrf_from

    form = pages.get("/account/notifications").get_data(as_text=True)
    pages.post("/account/notifications", data={"csrf_token": csrf_from(form), "new_filings": "daily",
                                               "email_on": [], "language": "zh"})
    e = enterprise("xian")
    assert e.post("/t/xian/api/v1/cases", json=case_body("xian")).status_code == 201
    assert b.get("/api/v1/notifications").get_json() == []  # no notice per filing
    with app.app_context():
        jobs.of(app).run("notifications.digest", ())
        jobs.of(app).run("notifications.digest", ())  # run twice the same day: one digest
    digests = b.get("/api/v1/notifications").get_json()
    assert len(digests) == 1 and digests[0]["kind"] == "digest.daily"
    assert "1 件待处理" in digests[0]["title"]


def test_row_level_security_shows_a_notification_to_its_recipient_and_its_tenant_only(
        app, client, enterprise, bureau, queue, postgres):
    from sqlalchemy import func

    from ipservice.core.tenancy import signed_in_as, tenant_context
    from ipservice.extensions import db
    from ipservice.notifications.models import Notification

    e, b, case_id = _case_filed(client, enterprise, bureau)
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    [note] = [n for n in _rows(app) if n.event == "case.accepted"]

    def visible(tenant, user_id):
        with app.app_context(), tenant_context(tenant):
            signed_in_as(user_id)
            count = db.session.scalar(select(func.count()).select_from(Notification))
            db.session.rollback()
            return count

    assert visible("hebi", None) == 0  # another tenant's transaction sees none of xian's
    own = [n for n in _rows(app) if n.user_id == note.user_id]  # the case's notice, the registration's link
    assert visible("*", note.user_id) == len(own)  # the recipient, with no tenant, sees its own only
    assert visible("*", "someone-else") == 0


def test_a_bad_setting_is_refused_in_the_users_language_and_changes_nothing(app, client, enterprise):
    from tests.conftest import csrf_from

    e = enterprise("xian")
    pages = app.test_client()
    page_login(pages, e.info["email"])
    token = csrf_from(pages.get("/account/notifications").get_data(as_text=True))
    r = pages.post("/account/notifications?lang=en", data={"csrf_token": token, "language": "fr",
                                                           "email_on": ["decision"]})
    assert r.status_code == 422 and "Invalid notification settings" in r.get_data(as_text=True)
    r = pages.post("/account/notifications?lang=zh_CN", data={"csrf_token": token, "language": "zh",
                                                              "email_on": ["nope"]})
    assert r.status_code == 422 and "通知设置的取值无效" in r.get_data(as_text=True)
    page = pages.get("/account/notifications").get_data(as_text=True)
    assert page.count("checked") == 4  # the defaults: every class mailed, Chinese
