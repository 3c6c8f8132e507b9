"""Issue 18, claims: an organization claim made an inactive account with the submitted e-mail, so that
address could never register or claim again anywhere, even after the bureau rejected the claim; and the
claim endpoint answered "is this USCC registered?" 20 times a minute. Now the claim keeps the claimant's
details without reserving the address; the bureau's approval issues a single-use code, and only the
claimant who comes back with it gets an account (the unique e-mail of ``users`` decides between two
claims of one address, raced below). A claim of an unregistered USCC is answered like any other, and the
claim's refusals share the registration's refusal limit. A claimant who types the claim's password at login
is told the claim's state."""
from __future__ import annotations

import io

import pytest

from tests.conftest import DEMO_PASSWORD, create_user, make_uscc, register_enterprise, token_for
from tests.racing import bearer, race
from tests.security.test_registration_enumeration import conflict_limit  # noqa: F401 — 3 refusals an hour

CLAIMS = "/t/{}/api/v1/organization-claims"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "Qing-He-Bridge-1987"


def claim(client, tenant, uscc, email="genuine@real-corp.cn", password=PASSWORD, addr="192.0.2.20",
          lang=None):
    form = {"name": "真实科技有限公司", "uscc": uscc, "email": email, "password": password,
            "contact_name": "陈七", "contact_phone": "029-86668888",
            "licence": (io.BytesIO(PNG), "licence.png")}
    return client.post(CLAIMS.format(tenant), data=form, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": addr}, headers={"Accept-Language": lang} if lang else {})


def decide(bureau, tenant, claim_id, decision="approve", reason=None):
    body = {"decision": decision, **({"reason": reason} if reason else {})}
    return bureau.post(f"{CLAIMS.format(tenant)}/{claim_id}/decision", json=body)


def complete(client, tenant, email, code, lang=None):
    return client.post(CLAIMS.format(tenant) + "/completion", json={"email": email, "code": code},
                       headers={"Accept-Language": lang} if lang else {})


def login(client, email, password=PASSWORD, lang=None):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       headers={"Accept-Language": lang} if lang else {})


def register(client, tenant, email, uscc=None, addr="192.0.2.21"):
    body = {"name": "注册测试有限公司", "uscc": uscc or make_uscc(), "email": email, "password": PASSWORD,
            "contact_name": "赵六", "contact_phone": "029-88886666"}
    return client.post(f"/t/{tenant}/api/v1/register", json=body, environ_base={"REMOTE_ADDR": addr})


@pytest.fixture
def squatted(client):
    return register_enterprise(client, "xian", name="抢注的名字")


def test_a_pending_claim_reserves_nothing(client, squatted):
    assert claim(client, "xian", squatted["uscc"]).status_code == 201
    # the address is free: the same person (or anyone) registers with it, in this tenant or another
    assert register(client, "hebi", "genuine@real-corp.cn").status_code == 201
    assert login(client, "genuine@real-corp.cn").status_code == 200


def test_a_rejected_claimant_can_register_or_claim_again_and_bind(client, bureau, squatted):
    b = bureau("xian")
    first = claim(client, "xian", squatted["uscc"]).get_json()
    assert decide(b, "xian", first["id"], "reject", "营业执照不清晰").status_code == 200
    again = claim(client, "xian", squatted["uscc"])
    assert again.status_code == 201
    approved = decide(b, "xian", again.get_json()["id"]).get_json()
    assert approved["claimant"] == {"id": None, "email": "genuine@real-corp.cn"}
    done = complete(client, "xian", "genuine@real-corp.cn", approved["verification_code"])
    assert done.status_code == 200
    assert login(client, "genuine@real-corp.cn").status_code == 200
    listed = {c["id"]: c for c in b.get(CLAIMS.format("xian")).get_json()}
    assert listed[again.get_json()["id"]]["completed_at"] and listed[first["id"]]["completed_at"] is None
    assert listed[again.get_json()["id"]]["claimant"]["id"] == done.get_json()["claimant"]["id"]


def test_the_code_is_single_use_and_needs_its_email(client, bureau, squatted):
    b = bureau("xian")
    c = claim(client, "xian", squatted["uscc"]).get_json()
    code = decide(b, "xian", c["id"]).get_json()["verification_code"]
    wrong_email = complete(client, "xian", "someone.else@real-corp.cn", code)
    wrong_code = complete(client, "xian", "genuine@real-corp.cn", "ABCD-EFGH-JKMN")
    assert wrong_email.status_code == wrong_code.status_code == 422
    assert wrong_email.get_json()["message"] == wrong_code.get_json()["message"]
    assert complete(client, "hebi", "genuine@real-corp.cn", code).status_code == 422  # another tenant
    assert complete(client, "xian", "genuine@real-corp.cn",
                    f" {code.lower().replace('-', ' ')} ").status_code == 200
    used = complete(client, "xian", "genuine@real-corp.cn", code, lang="en")
    assert used.status_code == 422 and "code" in used.get_json()["message"]


def test_an_expired_code_binds_nothing_and_frees_the_address(app, client, bureau, squatted, monkeypatch):
    b = bureau("xian")
    c = claim(client, "xian", squatted["uscc"]).get_json()
    monkeypatch.setitem(app.config, "CLAIM_CODE_TTL_HOURS", 0)
    approved = decide(b, "xian", c["id"]).get_json()
    assert complete(client, "xian", "genuine@real-corp.cn", approved["verification_code"]).status_code == 422
    r = login(client, "genuine@real-corp.cn")
    assert r.status_code == 403 and "失效" in r.get_json()["message"]
    # the claimant claims again; the new approval's code binds
    monkeypatch.setitem(app.config, "CLAIM_CODE_TTL_HOURS", 72)
    again = claim(client, "xian", squatted["uscc"]).get_json()
    code = decide(b, "xian", again["id"]).get_json()["verification_code"]
    assert complete(client, "xian", "genuine@real-corp.cn", code).status_code == 200


def test_a_later_approval_of_the_organization_voids_the_earlier_code(client, bureau, squatted):
    b = bureau("xian")
    first = claim(client, "xian", squatted["uscc"], email="first@real-corp.cn").get_json()
    second = claim(client, "xian", squatted["uscc"], email="second@real-corp.cn").get_json()
    first_code = decide(b, "xian", first["id"]).get_json()["verification_code"]
    second_code = decide(b, "xian", second["id"]).get_json()["verification_code"]
    assert complete(client, "xian", "first@real-corp.cn", first_code).status_code == 422
    assert complete(client, "xian", "second@real-corp.cn", second_code).status_code == 200
    owner = token_for(client, "second@real-corp.cn", PASSWORD)
    assert client.get("/t/xian/api/v1/my", headers=bearer(owner)).status_code == 200


def test_two_approved_claims_of_one_address_bind_once_under_racing(app, client, live_server):
    """Claims of one address to organizations in two tenants (and several in one), all approved; the
    claimants complete at the same moment, with a registration of the address racing them: one binds."""
    email = "racing@real-corp.cn"
    codes = []
    for tenant, n in (("xian", 3), ("hebi", 3)):
        create_user(app, f"claims-bureau@{tenant}.gov.cn", "bureau", tenant)
        token = token_for(client, f"claims-bureau@{tenant}.gov.cn")
        for _ in range(n):
            squatted = register_enterprise(client, tenant)
            c = claim(client, tenant, squatted["uscc"], email=email).get_json()
            r = client.post(f"{CLAIMS.format(tenant)}/{c['id']}/decision", json={"decision": "approve"},
                            headers=bearer(token))
            assert r.status_code == 200, r.get_json()
            codes.append((tenant, r.get_json()["verification_code"]))
    requests_ = [("POST", CLAIMS.format(t) + "/completion", {}, {"email": email, "code": code})
                 for t, code in codes]
    requests_.append(("POST", "/t/hebi/api/v1/register", {}, {
        "name": "抢先注册有限公司", "uscc": make_uscc(), "email": email, "password": PASSWORD,
        "contact_name": "赵六", "contact_phone": "029-88886666"}))
    results = race(live_server, requests_)
    winners = [code for code, _b in results if code in (200, 201)]
    assert len(winners) == 1, results
    losers = sorted(code for code, _b in results if code not in (200, 201))
    assert losers == [409] * (len(results) - 1), results
    assert login(client, email).status_code == 200
    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test: the accounts of the address"):
        assert db.session.query(User).filter(User.email == email).count() == 1


def test_registered_and_unregistered_uscc_are_answered_alike(client, bureau, squatted):
    registered = claim(client, "xian", squatted["uscc"])
    unregistered = claim(client, "xian", make_uscc())
    assert registered.status_code == unregistered.status_code == 201
    assert set(registered.get_json()) == set(unregistered.get_json()) == {"id", "status"}
    assert registered.get_json()["status"] == unregistered.get_json()["status"] == "pending"
    # the claimant's status pages look alike too
    pages = [client.get(f"/t/xian/claims/{r.get_json()['id']}") for r in (registered, unregistered)]
    assert [p.status_code for p in pages] == [200, 200]
    # the bureau sees the claim of no organization, can only reject it
    b = bureau("xian")
    listed = {c["id"]: c for c in b.get(CLAIMS.format("xian")).get_json()}
    assert listed[unregistered.get_json()["id"]]["organization"] is None
    r = decide(b, "xian", unregistered.get_json()["id"])
    assert r.status_code == 409 and "注册" in r.get_json()["message"]
    assert decide(b, "xian", unregistered.get_json()["id"], "reject", "请直接注册").status_code == 200


def test_the_index_page_shows_a_claim_of_no_organization_with_its_rejection(app, client, bureau):
    from tests.conftest import csrf_from, page_login

    unregistered = claim(client, "xian", make_uscc()).get_json()
    b = bureau("xian")
    staff = app.test_client()
    assert page_login(staff, b.email).status_code == 302
    html = staff.get("/t/xian/organizations").get_data(as_text=True)
    assert f'id="claim-{unregistered["id"]}"' in html and 'value="approve"' not in html
    r = staff.post(f"/t/xian/claims/{unregistered['id']}/decision",
                   data={"csrf_token": csrf_from(html), "decision": "reject", "reason": "请直接注册"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/t/xian/organizations")


def test_claim_refusals_share_the_registrations_refusal_limit(
        client, squatted, conflict_limit):  # noqa: F811 — the fixture imported above
    taken = squatted["email"]
    assert register(client, "xian", taken, addr="192.0.2.30").status_code == 409
    assert claim(client, "xian", squatted["uscc"], email=taken, addr="192.0.2.30").status_code == 409
    assert register(client, "xian", taken, addr="192.0.2.30").status_code == 409
    assert claim(client, "xian", make_uscc(), email=taken, addr="192.0.2.30").status_code == 429
    assert register(client, "xian", taken, addr="192.0.2.30").status_code == 429
    # claims that are received do not count
    for _ in range(4):
        assert claim(client, "xian", make_uscc(), email="fresh@real-corp.cn",
                     addr="192.0.2.31").status_code == 201


def test_login_tells_a_claimant_the_claims_state_only_with_the_claims_password(client, bureau, squatted):
    from tests.conftest import csrf_from

    b = bureau("xian")
    c = claim(client, "xian", squatted["uscc"]).get_json()
    pending = login(client, "genuine@real-corp.cn")
    assert pending.status_code == 403 and "审核" in pending.get_json()["message"]
    en = login(client, "genuine@real-corp.cn", lang="en")
    assert en.status_code == 403 and "review" in en.get_json()["message"]
    wrong = login(client, "genuine@real-corp.cn", password="not-the-claims-password")
    nobody = login(client, "nobody-at-all@real-corp.cn")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.get_json() == nobody.get_json()
    # the login page says the same
    page = client.get("/login")
    r = client.post("/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                    "email": "genuine@real-corp.cn", "password": PASSWORD})
    assert r.status_code == 403 and "审核" in r.get_data(as_text=True)
    decide(b, "xian", c["id"], "reject", "营业执照与单位名称不符")
    rejected = login(client, "genuine@real-corp.cn")
    assert rejected.status_code == 403 and "营业执照与单位名称不符" in rejected.get_json()["message"]
    again = claim(client, "xian", squatted["uscc"]).get_json()
    decide(b, "xian", again["id"])
    approved = login(client, "genuine@real-corp.cn")
    assert approved.status_code == 403 and "验证码" in approved.get_json()["message"]
    # the squatter's own login is unaffected by the claim (it answers 401: the account is switched off)
    assert login(client, squatted["email"], password=DEMO_PASSWORD).status_code == 401


def _old_model_rows(engine) -> dict:
    """Claims as the model before issue 18 left them: one approved (its claimant owns the organization),
    one pending and one rejected, each with the inactive account made for it."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from ipservice.core.types import UTCDateTime, utcnow

    now = utcnow()
    users = sa.table("users", *(sa.column(c) for c in ("id", "email", "password_hash", "role", "tenant_id",
                                                       "display_name", "active", "session_generation")),
                     sa.column("created_at", UTCDateTime))
    enterprises = sa.table("enterprises", *(sa.column(c) for c in (
        "tenant_id", "id", "name", "uscc", "contact_name", "contact_phone", "user_id")),
        sa.column("created_at", UTCDateTime))
    claims = sa.table("organization_claims", *(sa.column(c) for c in (
        "tenant_id", "id", "enterprise_id", "claimant_id", "name", "uscc", "contact_name", "contact_phone",
        "status", "reason", "decided_by")), sa.column("created_at", UTCDateTime),
        sa.column("decided_at", UTCDateTime))
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    people = {"squatter": False, "approved": True, "pending": False, "rejected": False}
    uscc = make_uscc()
    with engine.begin() as conn:
        for who, active in people.items():
            conn.execute(sa.insert(users).values(id=f"user-{who}", email=f"{who}@old-model.cn",
                                                 password_hash=pw,
                                                 role="enterprise", tenant_id="xian", display_name=who,
                                                 active=active, session_generation=0, created_at=now))
        conn.execute(sa.insert(enterprises).values(tenant_id="xian", id="org-1", name="旧单位", uscc=uscc,
                                                   contact_name="陈七", contact_phone="029-86668888",
                                                   user_id="user-approved", created_at=now))
        for who, status in (("approved", "approved"), ("pending", "pending"), ("rejected", "rejected")):
            decided = None if status == "pending" else now
            conn.execute(sa.insert(claims).values(
                tenant_id="xian", id=f"claim-{who}", enterprise_id="org-1", claimant_id=f"user-{who}",
                name="旧单位", uscc=uscc, contact_name="陈七", contact_phone="029-86668888", status=status,
                reason="不符" if status == "rejected" else None, decided_by=None, created_at=now,
                decided_at=decided))
    return people


def test_the_migration_frees_the_addresses_of_pending_and_rejected_claims(app, tmp_path):
    """Migration 0013 on a database holding old-model claims (SQLite, a file of its own): the pending and
    rejected claims' accounts go, their addresses register again, and the pending claim is approved and
    completed under the new model."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from ipservice import create_app
    from ipservice.extensions import db
    from tests.conftest import create_user

    migrations = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "migrations")
    config = Config()
    config.set_main_option("script_location", migrations)
    before = ScriptDirectory.from_config(config).get_revision("0013_claims").down_revision
    settings = {**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
                "IPSERVICE_DB_APP_ROLE": ""}
    # the PostgreSQL leg's (libpq connect_timeout): not SQLite's
    settings.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    old = create_app(settings)
    try:
        with old.app_context():
            upgrade(directory=migrations, revision=before)
            _old_model_rows(db.engine)
            upgrade(directory=migrations)
            emails = set(db.session.execute(db.text("SELECT email FROM users")).scalars())
            rows = {r.id: r for r in db.session.execute(db.text(
                "SELECT id, email, claimant_id, completed_at FROM organization_claims"))}
        assert emails == {"squatter@old-model.cn", "approved@old-model.cn"}
        assert rows["claim-approved"].claimant_id == "user-approved" and rows["claim-approved"].completed_at
        assert rows["claim-pending"].email == "pending@old-model.cn"
        assert rows["claim-pending"].claimant_id is None
        client = old.test_client()
        assert register(client, "hebi", "rejected@old-model.cn").status_code == 201
        r = login(client, "pending@old-model.cn")
        assert r.status_code == 403 and "审核" in r.get_json()["message"]
        create_user(old, "migrated-bureau@xian.gov.cn", "bureau", "xian")
        token = token_for(client, "migrated-bureau@xian.gov.cn")
        r = client.post(f"{CLAIMS.format('xian')}/claim-pending/decision", json={"decision": "approve"},
                        headers=bearer(token))
        assert r.status_code == 200, r.get_json()
        assert complete(client, "xian", "pending@old-model.cn",
                        r.get_json()["verification_code"]).status_code == 200
        assert login(client, "pending@old-model.cn").status_code == 200
        assert login(client, "approved@old-model.cn").status_code == 401  # switched off by the approval
    finally:
        create_app({**app.config})  # the session's app counts in its own database again
