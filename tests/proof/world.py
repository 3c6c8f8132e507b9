"""One set of real data for the proof tests (isolation matrix, schemathesis): in the home tenant two
enterprises (E1, E2), in the other tenant one (H1), a bureau in each tenant, a cross-district admin, and for
every registered filing kind (``core.filing.kinds()``) a filing of each enterprise with an attachment where
the kind takes one, an agency and an organization claim per tenant.

Filings come from the areas' own demo loaders first (``core.hooks``: each area knows how to file a valid
one of its kinds, prerequisites included), run once per enterprise; where a loader files only once per
tenant, from ``EXAMPLES`` below through the kind's creating API route. A kind that neither provides makes
``build`` fail with its name — a kind added later is covered without anyone remembering it.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select

from tests.cases.conftest import case_body
from tests.certification.certification_helpers import body as cert_body
from tests.certification.certification_helpers import pdf_bytes
from tests.conftest import (DEMO_PASSWORD, Api, create_user, csrf_from, make_uscc, register_enterprise,
                            token_for)
from tests.custody.custody_helpers import enrollment_body

HOME, OTHER = "xian", "hebi"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _custody_example(tenant: str, api: Api) -> dict:
    agencies = api.get(f"/t/{tenant}/api/v1/agencies").get_json()
    return enrollment_body(tenant, next(a["id"] for a in agencies if a.get("approved", True)))


_SERIAL = itertools.count(1)


def _subsidy_example(tenant: str, api: Api, objects: tuple[str, ...] = (), pick=None) -> dict:
    """The subsidy area's demo application (ipservice/subsidy/demo.py), on an object of its own each time:
    one subsidy per object; ``objects``: only a rule claimed on one of these (``document``, ``patent``…);
    of the first such rule with a set amount, or the first one ``pick(cfg)`` accepts."""
    from ipservice.core.identifiers import patent_check_character
    from ipservice.core.types import today_china
    from ipservice.policy.services import rule_by_code
    from ipservice.subsidy import demo
    from ipservice.tenants import registry

    n = next(_SERIAL)
    with api.client.application.app_context():
        t = registry.get(tenant)
        rules = [c for c in t.part("subsidy").rules if not objects or c.object in objects]
        cfg = next((c for c in rules if (pick(c) if pick else rule_by_code(t, c.rule).amount_cny)), rules[0])
        rule = rule_by_code(t, cfg.rule)
        basis = min(rule.effective_from + dt.timedelta(days=60), rule.effective_to, today_china())
        body = {"rule": cfg.rule, "org_type": (cfg.org_types or rule.org_types or ("enterprise",))[0],
                "basis_date": basis.isoformat()}
        if cfg.base is not None:
            body["base_amount_cny"] = 100000
        if cfg.object == "patent":
            digit = {"invention": "1", "utility_model": "2", "design": "3", "pct_invention": "8",
                     "pct_utility_model": "9"}[cfg.patent_kinds[0]]
            number = f"{basis.year}{digit}{n + 100:07d}"
            body["patent_numbers"] = [number + patent_check_character(number)]
        elif cfg.object == "pct_application":
            body["pct_numbers"] = [f"PCT/CN{basis.year}/{n + 100:06d}"]
        elif cfg.object == "document":
            body["object_no"] = f"PROOF-{tenant.upper()}-{n:04d}"
        years = cfg.min_years.years if cfg.min_years else 0
        for f in tuple(t.forms.fields_for("subsidy")) + cfg.fields:
            if f.required:
                body[f.name] = demo._value(f, basis, years)
    return body


# A valid creating body per kind name, for the kinds whose demo loader files once per tenant only (and for
# the race and fault tests, which file many). A kind added later without one makes those tests say so.
EXAMPLES = {
    "custody": _custody_example,
    "certification": lambda tenant, api: cert_body(),
    "case": lambda tenant, api: case_body(tenant),
    "subsidy": _subsidy_example,
}


@dataclass
class Party:
    """An enterprise: its account and the markers that must never reach anyone else."""
    key: str
    tenant: str
    name: str
    uscc: str
    email: str
    token: str
    enterprise_id: str
    filings: dict = field(default_factory=dict)  # kind name -> one filing id
    attachments: dict = field(default_factory=dict)  # kind name -> the attachment id of that filing
    markers: set = field(default_factory=set)
    notification: str | None = None  # one of its notifications (a decision on a demo filing)


@dataclass
class World:
    parties: dict  # "E1", "E2" (home tenant), "H1" (other tenant) -> Party
    bureaus: dict  # tenant -> (email, token)
    cross_admin: tuple  # (email, token)
    agencies: dict  # tenant -> agency id
    claims: dict  # tenant -> claim id
    kpi: dict  # tenant -> (reported KPI code, one of its target years)
    task: dict  # tenant -> task code
    kinds: list  # the registered FilingKind objects
    subsidy_rule: dict  # tenant -> the code of a rule of its subsidy programme (None without one)
    client: object = None  # the client that built it (spare tokens, sign-out routes)
    erasure_requests: dict = field(default_factory=dict)  # tenant -> the open erasure request of a non-actor
    exports: dict = field(default_factory=dict)  # tenant -> an export job of its bureau, built
    imports: dict = field(default_factory=dict)  # tenant -> an import from a page of its bureau


def fresh_token(client, email: str) -> str:
    """A new API token of ``email`` that no other probe uses: a route that revokes it ends nothing else."""
    return token_for(client, email)


def spare_token_id(client, email: str) -> str:
    """The id of a fresh token of ``email`` (the object of ``/api/v1/auth/tokens/<token_id>``)."""
    token = fresh_token(client, email)
    rows = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {token}"}).get_json()
    return next(row["id"] for row in rows if row["current"])


def link_token(client, email: str, purpose: str) -> str:
    """The token of a fresh, unused reset or verification link of ``email`` (the object of
    ``/password-reset/<token>`` and ``/verify-email/<token>``), made as the mail job makes it."""
    import datetime as dt
    import hashlib

    from sqlalchemy import select

    from ipservice.accounts.models import AccountLink, User
    from ipservice.accounts.recovery import token_of
    from ipservice.core.ids import new_id
    from ipservice.core.tenancy import cross_tenant
    from ipservice.core.types import utcnow
    from ipservice.extensions import db

    with client.application.app_context(), cross_tenant("test: a link of the resource's user"):
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        link_id = new_id()
        token = token_of(link_id)
        db.session.add(AccountLink(id=link_id, user_id=user_id, purpose=purpose,
                                   token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                   expires_at=utcnow() + dt.timedelta(hours=1)))
        db.session.commit()
        return token


_COLLECTION_APP = []


def collection_app():
    """An app built at collection time (routes, OpenAPI document: no database needed), once per process."""
    if not _COLLECTION_APP:
        import atexit
        import shutil
        import tempfile

        from ipservice import create_app

        d = tempfile.mkdtemp(prefix="ipservice-collect-")
        atexit.register(shutil.rmtree, d, True)
        _COLLECTION_APP.append(create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": d,
                                           "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:"}))
    return _COLLECTION_APP[0]


def collection_rule(app, kind) -> str:
    """The kind's API collection (``/t/<tenant>/api/v1/<things>``), found from its detail route."""
    tail = f"/<{kind.detail_arg}>"
    for rule in app.url_map.iter_rules():
        if "/api/" in rule.rule and rule.rule.endswith(tail) and "GET" in rule.methods:
            base = rule.rule[: -len(tail)]
            if any(r.rule == base and "POST" in r.methods for r in app.url_map.iter_rules()):
                return base
    raise AssertionError(f"filing kind {kind.name!r}: no API route .../<{kind.detail_arg}> with a creating "
                         "POST")


def attachment_rule(app, kind) -> str | None:
    wanted = collection_rule(app, kind) + f"/<{kind.detail_arg}>/attachments"
    return wanted if any(r.rule == wanted and "POST" in r.methods for r in app.url_map.iter_rules()) else None


def _run_demo_loaders(app, tenant: str, bureau_email: str, owner_email: str) -> None:
    from ipservice.accounts import services as accounts
    from ipservice.core import hooks
    from ipservice.core.errors import Refusal
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.tenants import registry

    with app.app_context(), tenant_context(tenant):
        users = {"bureau": accounts.find_user(bureau_email), "enterprise1": accounts.find_user(owner_email)}
        for loader in hooks.of(app).demo_loaders:
            # a loader whose demo object is one per tenant refuses the second enterprise: EXAMPLES then
            savepoint = db.session.begin_nested()
            try:
                loader(registry.of(app).get(tenant), users)
                savepoint.commit()
            except Refusal:
                savepoint.rollback()
        db.session.commit()


def _filings_of(app, kind, tenant: str, enterprise_id: str) -> list[str]:
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    model = kind.model
    with app.app_context(), tenant_context(tenant):
        return list(db.session.scalars(select(model.id).where(model.enterprise_id == enterprise_id)
                                       .order_by(model.submitted_at, model.id)))


def build(app, client) -> World:
    from ipservice.core import filing

    with app.app_context():
        kinds = filing.kinds(app)
    parties = {}
    for key, tenant, label in (("E1", HOME, "甲"), ("E2", HOME, "乙"), ("H1", OTHER, "丙")):
        uscc, email = make_uscc(), f"matrix-{key.lower()}@{tenant}.example.cn"
        info = register_enterprise(client, tenant, name=f"隔离矩阵{label}号企业有限公司", email=email,
                                   uscc=uscc)
        parties[key] = Party(key, tenant, f"隔离矩阵{label}号企业有限公司", uscc, email, info["token"],
                             info["id"])
    bureaus = {}
    for tenant in (HOME, OTHER):
        email = f"matrix-bureau@{tenant}.gov.cn"
        create_user(app, email, "bureau", tenant)
        bureaus[tenant] = (email, token_for(client, email))
    create_user(app, "matrix-admin@example.gov.cn", "cross_admin", None)
    admin = ("matrix-admin@example.gov.cn", token_for(client, "matrix-admin@example.gov.cn"))

    for p in parties.values():
        _run_demo_loaders(app, p.tenant, bureaus[p.tenant][0], p.email)
    for p in parties.values():
        api = Api(client, p.token)
        for kind in kinds:
            if not _filings_of(app, kind, p.tenant, p.enterprise_id) and kind.name in EXAMPLES:
                r = api.post(collection_rule(app, kind).replace("<tenant>", p.tenant),
                             json=EXAMPLES[kind.name](p.tenant, api))
                assert r.status_code == 201, (kind.name, p.key, r.get_json())
            ids = _filings_of(app, kind, p.tenant, p.enterprise_id)
            assert ids, (f"filing kind {kind.name!r}: no filing for {p.key} — its demo loader files none per "
                         f"enterprise and tests/proof/world.py EXAMPLES has no body for it")
            p.filings[kind.name] = ids[0]
            p.markers.update(ids)
            upload = attachment_rule(app, kind)
            if upload:
                url = upload.replace("<tenant>", p.tenant).replace(f"<{kind.detail_arg}>", ids[0])
                r = client.post(url, data={"file": (io.BytesIO(pdf_bytes()), "scan.pdf")},
                                content_type="multipart/form-data",
                                headers={"Authorization": f"Bearer {p.token}"})
                assert r.status_code == 201, (kind.name, p.key, r.get_json())
                p.attachments[kind.name] = r.get_json()["id"]
                p.markers.add(r.get_json()["id"])
        p.markers.update({p.name, p.uscc, p.email, p.enterprise_id})
    for p in parties.values():  # the demo loaders decided some of its filings: it has heard of them
        notes = Api(client, p.token).get("/api/v1/notifications").get_json()
        assert notes, f"{p.key} was told of no decision on its filings"
        p.notification = notes[-1]["id"]
        p.markers.add(p.notification)

    agencies, claims, kpi, task, erasures, imports = {}, {}, {}, {}, {}, {}
    for tenant in (HOME, OTHER):
        agencies[tenant] = client.get(f"/t/{tenant}/api/v1/agencies").get_json()[0]["id"]
        # a claim of an organization no actor is: approving it ends the claimed organization's account
        claimed = register_enterprise(client, tenant, name=f"被认领的{tenant}单位")
        r = client.post(f"/t/{tenant}/api/v1/organization-claims", content_type="multipart/form-data", data={
            "name": f"认领人填写的{tenant}单位名称", "uscc": claimed["uscc"],
            "email": f"matrix-claimant@{tenant}.example.cn",
            "password": "Qing-He-Bridge-1987", "contact_name": "陈七", "contact_phone": "029-86668888",
            "licence": (io.BytesIO(PNG), "licence.png")})
        assert r.status_code == 201, r.get_json()
        claims[tenant] = r.get_json()["id"]
        row = next(k for k in client.get(f"/t/{tenant}/api/v1/kpis").get_json()
                   if k["source"] == "reported" and k["targets"])
        kpi[tenant] = (row["code"], row["targets"][0]["year"])
        task[tenant] = client.get(f"/t/{tenant}/api/v1/tasks").get_json()[0]["code"]
        # an erasure request of an organization no actor is (approving it closes that account)
        leaving = register_enterprise(client, tenant, name=f"请求删除的{tenant}单位")
        r = Api(client, leaving["token"]).post("/api/v1/me/erasure-request", json={"reason": "matrix"})
        assert r.status_code == 201, r.get_json()
        erasures[tenant] = r.get_json()["id"]
        imports[tenant] = page_import(client, tenant, bureaus[tenant][1])
    from ipservice.tenants import registry

    programmes = {t: registry.of(app).get(t).parts.get("subsidy") for t in (HOME, OTHER)}
    subsidy_rule = {t: (p.rules[0].rule if p is not None and p.rules else None)
                    for t, p in programmes.items()}
    return World(parties, bureaus, admin, agencies, claims, kpi, task, kinds, subsidy_rule, client, erasures,
                 _export_jobs(app, client, bureaus, kinds), imports)


def _export_jobs(app, client, bureaus, kinds) -> dict:
    """An export of each tenant's bureau built by a job (every export is "large" while it is asked)."""
    from ipservice.core import jobs

    kind, limit, out = next(k for k in kinds if k.api), app.config["EXPORT_JOB_ROWS"], {}
    app.config["EXPORT_JOB_ROWS"] = -1
    try:
        for tenant in (HOME, OTHER):
            r = Api(client, bureaus[tenant][1]).get(f"/t/{tenant}/api/v1/{kind.api.path}.csv")
            assert r.status_code == 202, r.get_data(as_text=True)
            out[tenant] = r.get_json()["id"]
    finally:
        app.config["EXPORT_JOB_ROWS"] = limit
    while jobs.drain(app):
        pass
    return out


def ledger_form() -> dict:
    """The multipart form of a page import: a case ledger (a good row, a bad one) and its kind."""
    import tempfile
    from pathlib import Path

    from tests.importing.conftest import sample

    with tempfile.TemporaryDirectory() as d:
        content = sample("case", Path(d) / "ledger.xlsx").read_bytes()
    return {"kind": "case", "file": (io.BytesIO(content), "台账.xlsx")}


def page_import(client, tenant: str, token: str) -> str:
    """A case ledger the tenant's bureau imports from the page (queued: the world's queue has no worker)."""
    r = client.post(f"/t/{tenant}/api/v1/imports", data=ledger_form(), content_type="multipart/form-data",
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 202, r.get_json()
    return r.get_json()["id"]


def page_client(app, email: str | None):
    """A browser-like test client, signed in as ``email`` (anonymous: None), and its CSRF token."""
    c = app.test_client()
    if email is not None:
        page = c.get("/login")
        r = c.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                   "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        html = c.get("/").get_data(as_text=True)
    else:
        html = c.get("/login").get_data(as_text=True)
    return c, csrf_from(html)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def response_text(response) -> str:
    """What a response shows, searchable: JSON without \\u escapes, XLSX unzipped, the rest decoded."""
    data = response.get_data()
    ctype = response.headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        try:
            return json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            pass
    if ctype.startswith(XLSX) or data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    return data.decode("utf-8", "replace") + " " + response.headers.get("Location", "")
