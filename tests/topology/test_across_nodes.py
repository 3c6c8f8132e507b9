"""Two app nodes answer one client as one service: what one node made (a session, a CSRF token, a limit's
count, an idempotency key, an uploaded file) holds on the other — nothing is kept in one process's memory
or on one host's disk but the shared uploads folder."""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.cases.conftest import case_body
from tests.certification.certification_helpers import body as cert_body
from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import (
    DEMO_PASSWORD,
    bearer,
    create_user,
    make_uscc,
    register_enterprise,
)
from tests.topology.clients import Browser, new_address

TENANT = "xian"
SIGNED_IN_PAGE = "/account/password"  # answers 200 to a signed-in user, a redirect to the login otherwise


def test_a_session_made_on_one_node_works_on_the_other_and_logout_on_one_ends_it_on_both(app, topology):
    create_user(app, "topo-bureau@xian.gov.cn", "bureau", TENANT)
    user = Browser(topology)
    assert user.login("topo-bureau@xian.gov.cn", DEMO_PASSWORD, node=0).status_code == 302
    for node in (1, 0, None):
        assert user.get(SIGNED_IN_PAGE, node).status_code == 200, node
    kept = user.copy()  # the same cookie, held elsewhere (another tab, a copied cookie)
    token = user.csrf(SIGNED_IN_PAGE, node=0)
    assert user.post("/logout", node=1, data={"csrf_token": token}).status_code == 302
    for node in (0, 1, None):
        r = kept.get(SIGNED_IN_PAGE, node)
        assert r.status_code == 302 and "/login" in r.headers["Location"], (node, r.status_code)


def test_a_csrf_token_from_one_node_is_good_on_the_other_and_a_forged_one_on_neither(app, topology):
    create_user(app, "topo-csrf@xian.gov.cn", "bureau", TENANT)
    user = Browser(topology)
    assert user.login("topo-csrf@xian.gov.cn", DEMO_PASSWORD, node=1, token_from=0).status_code == 302
    forged = Browser(topology)
    forged.csrf("/login", node=0)
    for node in (0, 1):
        r = forged.post("/login", node, data={"email": "topo-csrf@xian.gov.cn", "password": DEMO_PASSWORD,
                                              "csrf_token": "forged-" + "x" * 40})
        assert r.status_code == 400, (node, r.status_code)


def test_the_login_limit_per_address_counts_on_both_nodes_together(topology):
    """30 per minute per address (the default): 30 attempts spread over the nodes, the 31st is refused on
    either — with counters per process each node (each worker) would allow 30."""
    client = Browser(topology, new_address())

    def attempt(i):
        return client.post("/api/v1/auth/token", i % 2, json={"email": f"nobody{i}@example.cn",
                                                              "password": "wrong-password-1"}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(attempt, range(30)))
    assert codes == [401] * 30, codes
    for node in (0, 1):
        assert client.post("/api/v1/auth/token", node, json={"email": "nobody@example.cn",
                                                             "password": "x"}).status_code == 429, node


def test_the_failed_logins_of_one_account_count_on_both_nodes_from_any_address(app, topology):
    create_user(app, "topo-target@xian.gov.cn", "bureau", TENANT)
    codes = [Browser(topology).post("/api/v1/auth/token", i % 2, json={
        "email": "topo-target@xian.gov.cn", "password": f"guess-{i}"}).status_code for i in range(10)]
    assert codes == [401] * 10, codes
    for node in (0, 1):  # the right password too, from a new address: the account's limit is reached
        r = Browser(topology).post("/api/v1/auth/token", node, json={"email": "topo-target@xian.gov.cn",
                                                                      "password": DEMO_PASSWORD})
        assert r.status_code == 429, (node, r.status_code)


def test_the_refused_registrations_limit_counts_on_both_nodes_together(app, client, topology):
    """10 refused registrations per hour per address (a registered USCC): the 11th is 429 on either node."""
    taken = register_enterprise(client, TENANT)["uscc"]
    visitor = Browser(topology, new_address())

    def attempt(i, node):
        return visitor.post(f"/t/{TENANT}/api/v1/register", node, json={
            "name": "重复注册有限公司", "uscc": taken, "email": f"dup{i}@example.cn",
            "password": DEMO_PASSWORD, "contact_name": "李四", "contact_phone": "029-88886666"}).status_code

    codes = [attempt(i, i % 2) for i in range(10)]
    assert all(400 <= c < 500 and c != 429 for c in codes), codes
    assert [attempt(10 + node, node) for node in (0, 1)] == [429, 429]


def _filings(app, model, enterprise_id):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(TENANT):
        return list(db.session.scalars(select(model.id).where(model.enterprise_id == enterprise_id)))


def test_an_idempotency_key_holds_across_nodes_in_turn_and_at_once(app, client, topology):
    from ipservice.cases.models import Case

    owner = register_enterprise(client, TENANT)
    api = Browser(topology)
    body = case_body(TENANT)
    first = api.post(f"/t/{TENANT}/api/v1/cases", 0, json=body,
                     headers={**bearer(owner["token"]), "Idempotency-Key": "topo-key-1"})
    assert first.status_code == 201, first.text
    again = api.post(f"/t/{TENANT}/api/v1/cases", 1, json=body,
                     headers={**bearer(owner["token"]), "Idempotency-Key": "topo-key-1"})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"], again.text

    def send(node):  # the same key on both nodes at the same moment
        return Browser(topology).post(f"/t/{TENANT}/api/v1/cases", node, json=case_body(TENANT),
                                      headers={**bearer(owner["token"]), "Idempotency-Key": "topo-key-2"})

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, [0, 1, 0, 1]))
    made = {r.json()["id"] for r in answers if r.status_code == 201}
    assert all(r.status_code in (201, 409) for r in answers), [(r.status_code, r.text[:200]) for r in answers]
    assert len(made) == 1, made
    assert len(_filings(app, Case, owner["id"])) == 2


def test_a_file_uploaded_on_one_node_is_served_by_the_other(client, topology):
    owner = register_enterprise(client, TENANT)
    api = Browser(topology)
    record = api.post(f"/t/{TENANT}/api/v1/certifications", 0, json=cert_body(),
                      headers=bearer(owner["token"]))
    assert record.status_code == 201, record.text
    scan = pdf_bytes()
    base = f"/t/{TENANT}/api/v1/certifications/{record.json()['id']}/attachments"
    up = api.post(base, 1, files={"file": ("scan.pdf", io.BytesIO(scan), "application/pdf")},
                  headers=bearer(owner["token"]))
    assert up.status_code == 201, up.text
    for node in (0, 1, None):
        down = api.get(f"{base}/{up.json()['id']}", node, headers=bearer(owner["token"]))
        assert down.status_code == 200 and down.content == scan, (node, down.status_code)
    assert make_uscc  # (the helpers the other tests use)
