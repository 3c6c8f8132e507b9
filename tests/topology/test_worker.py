"""The job queue's worker in the topology: the nodes queue jobs in Redis and run none; the worker, started
from the unit file of docs/deploy.md with the nodes' env file, delivers a decision's e-mail and builds a large
export into the shared uploads folder, which the other node serves."""
from __future__ import annotations

import time

from tests.certification.certification_helpers import body as cert_body
from tests.conftest import DEMO_PASSWORD, bearer, create_user, register_enterprise, token_for
from tests.topology.clients import Browser

TENANT = "xian"
PATIENCE = 120  # seconds a loaded machine may take before a job has run: a bound on waiting, not a timing


def _eventually(check, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {PATIENCE} s: {what}")


def test_a_decision_on_one_node_is_mailed_by_the_worker(app, client, topology, topology_mailbox):
    assert topology.worker is not None and topology.worker.alive()
    owner = register_enterprise(client, TENANT)
    create_user(app, "topo-worker-bureau@xian.gov.cn", "bureau", TENANT)
    officer = token_for(client, "topo-worker-bureau@xian.gov.cn", DEMO_PASSWORD)
    api = Browser(topology)
    record = api.post(f"/t/{TENANT}/api/v1/certifications", 0, json=cert_body(),
                      headers=bearer(owner["token"]))
    assert record.status_code == 201, record.text
    decided = api.post(f"/t/{TENANT}/api/v1/certifications/{record.json()['id']}/decision", 1,
                       json={"decision": "verify"}, headers=bearer(officer))
    assert decided.status_code == 200, decided.text
    mails = _eventually(lambda: topology_mailbox.to(owner["email"]), f"an e-mail to {owner['email']}")
    assert len(mails) == 1
    assert topology.base in mails[0].get_body(("plain",)).get_content()  # links to the service's address


def test_a_large_export_is_built_by_the_worker_and_served_by_the_other_node(app, client, topology):
    owner = register_enterprise(client, TENANT)
    create_user(app, "topo-export-bureau@xian.gov.cn", "bureau", TENANT)
    officer = bearer(token_for(client, "topo-export-bureau@xian.gov.cn", DEMO_PASSWORD))
    api = Browser(topology)
    for n in range(6):  # the stack's IPSERVICE_EXPORT_JOB_ROWS is 5
        r = api.post(f"/t/{TENANT}/api/v1/certifications", n % 2, headers=bearer(owner["token"]),
                     json=cert_body(certificate_no=f"TOPO-EXPORT-{n}"))
        assert r.status_code == 201, r.text
    queued = api.get(f"/t/{TENANT}/api/v1/certifications.csv", 0, headers=officer)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    done = _eventually(lambda: (lambda j: j if j["status"] == "done" else None)(
        api.get(job["status_url"], 1, headers=officer).json()), "the export built")
    file = api.get(done["download_url"], 1, headers=officer)
    assert file.status_code == 200 and "TOPO-EXPORT-5" in file.content.decode("utf-8-sig")
