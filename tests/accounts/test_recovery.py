"""Issue 21 item 5: password recovery and e-mail verification through HTTP, with the real SMTP server the
tests start (aiosmtpd): the link mailed, expiry (time moved), single use (and two confirmations at once:
one wins), every old session and token ended, the same answer for an unknown address; the confirmation field
of every new-password form; the verification link, and no other mail to an unverified address; the claim's
code mailed to the claimant."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from sqlalchemy import select

from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import (DEMO_PASSWORD, Api, csrf_from, make_uscc, page_login, register_enterprise,
                            token_for)
from tests.notifications.conftest import drain
from tests.racing import race

RESET = "/api/v1/auth/password-reset"
CONFIRM = RESET + "/confirm"
NEW_PASSWORD = "Yellow-River-Bridge-2031"


def _token(message, path: str) -> str:
    found = re.search(rf"https?://\S+?/{path}/([A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content())
    assert found, message.get_body(("plain",)).get_content()
    return found.group(1)


def _links(app, email: str, purpose: str = "reset") -> list:
    from ipservice.accounts.models import AccountLink, User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test: the account's links"):
        rows = list(db.session.scalars(select(AccountLink).join(User, User.id == AccountLink.user_id)
                                       .where(User.email == email, AccountLink.purpose == purpose)
                                       .order_by(AccountLink.created_at)))
        db.session.expunge_all()
        return rows


def _user(app, email: str):
    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test: the account"):
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def _reset_mail(app, client, mailbox, email: str, lang: str | None = None):
    r = client.post(RESET, json={"email": email}, headers={"Accept-Language": lang} if lang else {})
    assert r.status_code == 202, r.get_json()
    drain(app)
    [mail] = [m for m in mailbox.to(email) if "/password-reset/" in m.get_body(("plain",)).get_content()]
    return mail


def test_recovery_end_to_end_through_the_pages(app, client, enterprise, mailbox):
    e = enterprise("xian")
    email = e.info["email"]
    sessions = [app.test_client(), app.test_client()]  # signed in on two devices
    for s in sessions:
        assert page_login(s, email).status_code == 302
    drain(app)
    mailbox.messages.clear()

    visitor = app.test_client()
    login = visitor.get("/login").get_data(as_text=True)
    assert "忘记密码" in login and 'href="/password-reset"' in login
    form = visitor.get("/password-reset").get_data(as_text=True)
    r = visitor.post("/password-reset", data={"email": email.upper(), "csrf_token": csrf_from(form)})
    assert r.status_code == 200 and "如果该电子邮箱对应一个账户" in r.get_data(as_text=True)
    drain(app)
    [mail] = mailbox.to(email)
    assert mail["Subject"] == "重置密码" and "1 小时" in mail.get_body(("plain",)).get_content()
    token = _token(mail, "password-reset")
    # only the link's SHA-256 is stored
    [link] = _links(app, email)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and link.used_at is None
    assert round((link.expires_at - link.created_at).total_seconds()) == 3600
    assert token not in str(vars(link))
    # nor is the link shown in the inbox
    assert all("password" not in n["kind"] for n in e.get("/api/v1/notifications").get_json())

    page = visitor.get(f"/password-reset/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "再次输入新密码" in html
    # a mismatched confirmation: 422 beside the field, nothing changed (the link neither)
    r = visitor.post(f"/password-reset/{token}", data={"password": NEW_PASSWORD, "password_confirmation":
                                                       NEW_PASSWORD + "x", "csrf_token": csrf_from(html)})
    assert r.status_code == 422 and "两次输入的密码不一致" in r.get_data(as_text=True)
    assert e.get("/api/v1/notifications").status_code == 200
    assert _links(app, email)[0].used_at is None
    # a password the policy refuses: 422, the link still unused
    r = visitor.post(f"/password-reset/{token}", data={"password": "12345678",
                                                       "password_confirmation": "12345678",
                                                       "csrf_token": csrf_from(html)})
    assert r.status_code == 422 and _links(app, email)[0].used_at is None

    r = visitor.post(f"/password-reset/{token}", data={"password": NEW_PASSWORD, "password_confirmation":
                                                       NEW_PASSWORD, "csrf_token": csrf_from(html)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    # every session and API token of the user has ended
    for s in sessions:
        assert s.get("/account/password").status_code in (302, 401)
    assert e.get("/api/v1/notifications").status_code == 401
    old = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert old.status_code == 401
    fresh = Api(client, token_for(client, email, NEW_PASSWORD))
    # single use: the page and the API refuse the link now
    assert visitor.get(f"/password-reset/{token}").status_code == 400
    r = client.post(CONFIRM, json={"token": token, "password": "Another-Long-Pass-2032"})
    assert r.status_code == 400 and "已使用" in r.get_json()["message"]
    # the user is told the password changed (inbox and mailbox)
    drain(app)
    assert [n["kind"] for n in fresh.get("/api/v1/notifications").get_json()] == ["user.password_changed"]
    assert [m["Subject"] for m in mailbox.to(email)] == ["重置密码", "您的密码已修改"]


def test_the_same_answer_whether_the_address_exists_or_not(app, client, enterprise, mailbox):
    e = enterprise("xian")
    drain(app)
    mailbox.messages.clear()
    known = client.post(RESET, json={"email": e.info["email"]})
    unknown = client.post(RESET, json={"email": "nobody-here@xian-corp.cn"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    english = client.post(RESET, json={"email": "nobody-here@xian-corp.cn"},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 202 and "If this e-mail" in english.get_json()["message"]
    pages = app.test_client()
    form = csrf_from(pages.get("/password-reset").get_data(as_text=True))
    a = pages.post("/password-reset", data={"email": e.info["email"], "csrf_token": form})
    b = pages.post("/password-reset", data={"email": "nobody-here@xian-corp.cn", "csrf_token": form})
    assert a.status_code == b.status_code == 200
    def shown(r, email):  # the page without the typed address and its one-time form tokens
        text = r.get_data(as_text=True).replace(email, "")
        return re.sub(r'name="(form_token|csrf_token)" value="[^"]*"', "", text)

    assert shown(a, e.info["email"]) == shown(b, "nobody-here@xian-corp.cn")
    drain(app)
    assert mailbox.to("nobody-here@xian-corp.cn") == [] and len(mailbox.to(e.info["email"])) == 2
    # a malformed request is a clear 422, not an answer about the address
    assert client.post(RESET, json={}).status_code == 422


def test_the_link_expires_after_one_hour(app, client, enterprise, mailbox, monkeypatch):
    from ipservice.accounts import recovery
    from ipservice.core.types import utcnow

    e = enterprise("hebi")
    token = _token(_reset_mail(app, client, mailbox, e.info["email"]), "password-reset")
    start = utcnow()
    monkeypatch.setattr(recovery, "utcnow", lambda: start + dt.timedelta(minutes=61))
    assert client.get(f"/password-reset/{token}").status_code == 400
    r = client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 400 and "过期" in r.get_json()["message"]
    monkeypatch.setattr(recovery, "utcnow", lambda: start + dt.timedelta(minutes=59))
    assert client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 200
    assert e.get("/api/v1/notifications").status_code == 401  # its token ended
    token_for(client, e.info["email"], NEW_PASSWORD)


def test_a_newer_link_voids_the_older_one_and_unknown_tokens_are_400(app, client, enterprise, mailbox):
    e = enterprise("xian")
    first = _token(_reset_mail(app, client, mailbox, e.info["email"]), "password-reset")
    mailbox.messages.clear()
    second = _token(_reset_mail(app, client, mailbox, e.info["email"]), "password-reset")
    assert first != second
    assert client.post(CONFIRM, json={"token": first, "password": NEW_PASSWORD}).status_code == 400
    assert client.post(CONFIRM, json={"token": "x" * 43, "password": NEW_PASSWORD}).status_code == 400
    assert client.post(CONFIRM, json={"token": second, "password": NEW_PASSWORD}).status_code == 200


def test_two_confirmations_of_one_link_at_once_one_wins(app, client, enterprise, mailbox, live_server):
    e = enterprise("xian")
    token = _token(_reset_mail(app, client, mailbox, e.info["email"]), "password-reset")
    results = race(live_server, [
        ("POST", CONFIRM, {}, {"token": token, "password": NEW_PASSWORD}),
        ("POST", CONFIRM, {}, {"token": token, "password": "Second-Racer-Pass-2033"})])
    assert sorted(status for status, _body in results) == [200, 400], results
    winner = NEW_PASSWORD if results[0][0] == 200 else "Second-Racer-Pass-2033"
    token_for(client, e.info["email"], winner)


def test_reset_requests_are_limited_per_typed_address(app, client, enterprise, monkeypatch):
    e = enterprise("xian")
    monkeypatch.setitem(app.config, "RATE_LIMIT_RESET_ACCOUNT", "2 per hour")
    for email in (e.info["email"], "limited-nobody@xian-corp.cn"):  # counted alike: the 429 tells nothing
        assert [client.post(RESET, json={"email": email}).status_code for _ in range(3)] == [202, 202, 429]


def test_a_reset_mail_is_in_the_language_of_the_request_unless_the_user_chose_one(app, client, enterprise,
                                                                                   mailbox):
    e = enterprise("xian")
    mail = _reset_mail(app, client, mailbox, e.info["email"], lang="en")
    assert mail["Subject"] == "Reset your password"
    assert "1 hour" in mail.get_body(("plain",)).get_content()


def _register_page(pages, lang="zh", **over):
    html = pages.get(f"/t/xian/register?lang={lang}").get_data(as_text=True)
    data = {"name": "验证邮箱科技有限公司", "uscc": make_uscc(), "email": "verify.me@verify-corp.cn",
            "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "contact_name": "王五",
            "contact_phone": "029-88886666", "accept_privacy_notice": "on", "csrf_token": csrf_from(html),
            **over}
    return pages.post("/t/xian/register", data=data), data


def test_every_new_password_form_has_a_confirmation(app, client, enterprise):
    pages = app.test_client()
    r, _data = _register_page(pages, lang="en", password_confirmation="Something-Else-2030")
    out = r.get_data(as_text=True)
    assert r.status_code == 422 and "The two passwords do not match" in out
    assert _user(app, "verify.me@verify-corp.cn") is None  # nothing registered
    r, _data = _register_page(pages, password_confirmation="Something-Else-2030")
    assert r.status_code == 422 and "两次输入的密码不一致" in r.get_data(as_text=True)
    # the password page
    e = enterprise("xian")
    assert page_login(pages, e.info["email"]).status_code == 302
    html = pages.get("/account/password?lang=en").get_data(as_text=True)
    assert 'name="password_confirmation"' in html
    r = pages.post("/account/password", data={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                                              "password_confirmation": "Not-The-Same-2030",
                                              "csrf_token": csrf_from(html)})
    assert r.status_code == 422 and "The two passwords do not match" in r.get_data(as_text=True)
    token_for(client, e.info["email"], DEMO_PASSWORD)  # unchanged
    r = pages.post("/account/password", data={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                                              "password_confirmation": NEW_PASSWORD,
                                              "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    token_for(client, e.info["email"], NEW_PASSWORD)
    # the claim page (its password becomes the account's)
    claim = pages.get("/t/xian/claims/new").get_data(as_text=True)
    assert 'name="password_confirmation"' in claim


def test_registration_verifies_the_address_and_until_then_only_its_link_is_mailed(app, client, bureau,
                                                                                  mailbox):
    from tests.cases.conftest import case_body

    pages = app.test_client()
    r, data = _register_page(pages)
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    email = data["email"]
    assert _user(app, email).email_verified_at is None
    drain(app)
    [mail] = mailbox.to(email)
    assert mail["Subject"] == "请验证您的电子邮箱"
    token = _token(mail, "verify-email")
    [link] = _links(app, email, "verify")
    assert link.purpose == "verify" and (link.expires_at - link.created_at) == dt.timedelta(days=7)

    # the bureau sees the address marked
    b = bureau("xian")
    staff = app.test_client()
    page_login(staff, b.email)
    index = staff.get("/t/xian/organizations").get_data(as_text=True)
    row = next(line for line in index.splitlines() if email in line)
    assert "邮箱未验证" in row
    # a decision on a filing reaches the inbox, not the unverified address
    owner = Api(client, token_for(client, email, NEW_PASSWORD))
    case_id = owner.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()["id"]
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    drain(app)
    assert [n["kind"] for n in owner.get("/api/v1/notifications").get_json()] == ["case.accepted"]
    assert len(mailbox.to(email)) == 1  # the verification only

    # the link: a page with one button (a mail scanner opening it spends nothing), then verified
    assert app.test_client().get(f"/verify-email/{token}").status_code == 200
    page = pages.get(f"/verify-email/{token}")
    assert page.status_code == 200 and _user(app, email).email_verified_at is None
    r = pages.post(f"/verify-email/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 302
    assert _user(app, email).email_verified_at is not None
    assert pages.post(f"/verify-email/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
                      ).status_code == 400  # once
    index = staff.get("/t/xian/organizations").get_data(as_text=True)
    assert "邮箱未验证" not in next(line for line in index.splitlines() if email in line)
    # from now on the address hears of its filings
    second = owner.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()["id"]
    assert b.post(f"/t/xian/api/v1/cases/{second}/transitions", json={"to": "accepted"}).status_code == 200
    drain(app)
    assert len(mailbox.to(email)) == 2


def test_an_unverified_user_can_ask_for_the_link_again(app, client, mailbox):
    pages = app.test_client()
    r, data = _register_page(pages, email="again@verify-corp.cn")
    assert r.status_code == 302
    drain(app)
    settings = pages.get("/account/notifications").get_data(as_text=True)
    assert "尚未验证" in settings
    r = pages.post("/account/verify-email", data={"csrf_token": csrf_from(settings),
                                                  "next": "/account/notifications"})
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    assert r.headers["Location"].endswith("/account/notifications")
    drain(app)
    first, second = mailbox.to("again@verify-corp.cn")
    assert _token(first, "verify-email") != _token(second, "verify-email")
    # the newer link is the one that works
    assert client.get(f"/verify-email/{_token(first, 'verify-email')}").status_code == 400


def test_the_claim_code_is_mailed_to_the_claimant(app, client, bureau, mailbox):
    uscc = make_uscc()
    register_enterprise(client, "xian", name="抢注的名字", email="squat@squat-corp.cn", uscc=uscc)
    form = {"name": "真实科技有限公司", "uscc": uscc, "email": "owner@owner-corp.cn",
            "password": NEW_PASSWORD, "contact_name": "陈七", "contact_phone": "029-86668888",
            "licence": (io.BytesIO(pdf_bytes()), "licence.pdf")}
    r = client.post("/t/xian/api/v1/organization-claims", data=form, content_type="multipart/form-data",
                    headers={"Accept-Language": "en"})
    assert r.status_code == 201, r.get_json()
    b = bureau("xian")
    decided = b.post(f"/t/xian/api/v1/organization-claims/{r.get_json()['id']}/decision",
                     json={"decision": "approve"})
    assert decided.status_code == 200
    code = decided.get_json()["verification_code"]  # the contract: the official sees it once
    drain(app)
    [mail] = mailbox.to("owner@owner-corp.cn")
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == "Claim approved: complete it"
    assert code in text and "/t/xian/claims/complete" in text
    drain(app)
    assert len(mailbox.to("owner@owner-corp.cn")) == 1  # once
    done = client.post("/t/xian/api/v1/organization-claims/completion",
                       json={"email": "owner@owner-corp.cn", "code": code})
    assert done.status_code == 200
    assert _user(app, "owner@owner-corp.cn").email_verified_at is not None  # the mailed code proved it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_link_page_says_so_in_the_users_language(client, lang):
    r = client.get(f"/password-reset/{'y' * 43}?lang={lang}")
    assert r.status_code == 400
    assert ("expired" in r.get_data(as_text=True)) == (lang == "en")


def test_row_level_security_hides_the_links_from_other_tenants_and_users(app, client, enterprise, postgres):
    from sqlalchemy import func

    from ipservice.accounts.models import AccountLink
    from ipservice.core.tenancy import signed_in_as, tenant_context
    from ipservice.extensions import db

    e = enterprise("xian")
    assert client.post(RESET, json={"email": e.info["email"]}).status_code == 202
    user_id = _user(app, e.info["email"]).id

    def visible(tenant, who):
        with app.app_context(), tenant_context(tenant):
            signed_in_as(who)
            count = db.session.scalar(select(func.count()).select_from(AccountLink))
            db.session.rollback()
            return count

    assert visible("hebi", None) == 0 and visible("*", "someone-else") == 0
    assert visible("*", user_id) == 2  # its own: the registration's verification link and the reset link


def test_a_reset_link_reaches_an_unverified_address_and_proves_it(app, client, mailbox):
    """The one other mail an unverified address gets: a reset link proves the address as the verification
    link does (a user who registered, never verified and forgot the password is not locked out)."""
    email = register_enterprise(client, "hebi", email="never.verified@reset-corp.cn", verified=False)["email"]
    token = _token(_reset_mail(app, client, mailbox, email), "password-reset")
    assert _user(app, email).email_verified_at is None
    assert client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 200
    assert _user(app, email).email_verified_at is not None


def test_the_claim_code_waits_while_the_smtp_server_is_down(app, client, bureau, mailbox):
    from ipservice.core import jobs
    from ipservice.organizations.completion import CODE_JOB

    uscc = make_uscc()
    register_enterprise(client, "xian", name="被抢注的单位", email="squat2@squat-corp.cn", uscc=uscc)
    r = client.post("/t/xian/api/v1/organization-claims", content_type="multipart/form-data", data={
        "name": "真实科技有限公司", "uscc": uscc, "email": "owner2@owner-corp.cn", "password": NEW_PASSWORD,
        "contact_name": "陈七", "contact_phone": "029-86668888",
        "licence": (io.BytesIO(pdf_bytes()), "l.pdf")})
    claim_id = r.get_json()["id"]
    drain(app)
    mailbox.stop()
    b = bureau("xian")
    assert b.post(f"/t/xian/api/v1/organization-claims/{claim_id}/decision",
                  json={"decision": "approve"}).status_code == 200
    drain(app)  # refused by the server: given back, and tried again later
    mailbox.start()
    assert mailbox.to("owner2@owner-corp.cn") == []
    with app.app_context():  # the retry the job scheduled, run now
        jobs.enqueue_now(CODE_JOB, "xian", claim_id, app=app)
        jobs.enqueue_now(CODE_JOB, "xian", claim_id, app=app)
    drain(app)
    assert len(mailbox.to("owner2@owner-corp.cn")) == 1


def test_a_signed_in_user_asking_for_another_address_keeps_seeing_their_own(app, client, enterprise, bureau):
    """The request makes the other account's rows visible while it writes the link (row-level security),
    then the caller's again: the page still counts the caller's own unread notifications."""
    from tests.cases.conftest import case_body

    e, other = enterprise("xian"), enterprise("hebi")
    b = bureau("xian")
    case_id = e.post("/t/xian/api/v1/cases", json=case_body("xian")).get_json()["id"]
    assert b.post(f"/t/xian/api/v1/cases/{case_id}/transitions", json={"to": "accepted"}).status_code == 200
    pages = app.test_client()
    page_login(pages, e.info["email"])
    form = csrf_from(pages.get("/password-reset").get_data(as_text=True))
    r = pages.post("/password-reset", data={"email": other.info["email"], "csrf_token": form})
    assert r.status_code == 200 and "站内信（1）" in r.get_data(as_text=True)
