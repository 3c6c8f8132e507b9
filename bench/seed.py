"""Benchmark data: accounts through the service's own functions, a year of filings by direct inserts.

``python3 bench/seed.py main --out creds.json``: in every tenant of ``IPSERVICE_TENANTS_DIR`` a bureau
user, ``--bench-enterprises`` registered enterprises (``accounts.services.register_enterprise``, the real
password hashing) that file during the benchmark, with API tokens (``issue_token``), a cross-district
admin; then, by direct inserts for volume, ``--enterprises`` more organizations and a year of filings:
certification records (with the subsidy estimate made by ``policy.services.subsidy_estimate``), custody
enrollments, cases with their history and numbering counters, and an audit event per filing.

``python3 bench/seed.py big --out creds.json``: the same for one tenant (``--template``, certification
records only), then copied in SQL to every other tenant folder of ``IPSERVICE_TENANTS_DIR`` (1 000
tenants x 1 000 filings in seconds rather than hours).

The database comes from ``DATABASE_URL`` (as for the service); run it as the schema owner (no
``IPSERVICE_DB_APP_ROLE``): it writes across tenants.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-pass-2026"
# The share of each status among seeded filings (the bureau's "submitted" queue is about a quarter).
CERT_STATUSES = (("submitted", 25), ("verified", 60), ("rejected", 15))
CUSTODY_STATUSES = (("submitted", 25), ("approved", 60), ("rejected", 15))
# A case's path through the state machine, by where it ended (weights).
CASE_PATHS = (
    (("submitted",), 15),
    (("submitted", "accepted"), 10),
    (("submitted", "accepted", "in_progress"), 15),
    (("submitted", "accepted", "in_progress", "resolved"), 5),
    (("submitted", "accepted", "in_progress", "mediated", "closed"), 15),
    (("submitted", "accepted", "in_progress", "resolved", "closed"), 30),
    (("submitted", "declined"), 5),
    (("submitted", "withdrawn"), 5),
)


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def uscc_for(slug: str, series: str, n: int) -> str:
    from stdnum.cn import uscc

    body = f"910000{sum(map(ord, slug)) % 100:02d}{series}{n:07d}"
    return body + uscc.calc_check_digit(body)


class Seeder:
    def __init__(self, app, seed: int):
        from werkzeug.security import generate_password_hash

        self.app, self.seed, self.rng = app, seed, random.Random(seed)
        # One real hash for the bulk accounts (they never log in during the benchmark).
        self.bulk_hash = generate_password_hash(PASSWORD)
        self.now = dt.datetime.now(dt.timezone.utc)

    # -- accounts, through the service ----------------------------------------------------------------

    def for_tenant(self, tenant) -> None:
        """A random sequence of the tenant's own: a tenant's data is the same whatever else is seeded."""
        self.rng = random.Random(f"{self.seed}-{tenant.slug}")

    def accounts(self, tenant, bench_enterprises: int) -> dict:
        from ipservice.accounts import services, tokens
        from ipservice.accounts.models import Enterprise
        from ipservice.extensions import db

        bureau_email = f"bureau@{tenant.slug}.bench.invalid"
        bureau = services.find_user(bureau_email) or services.create_user(
            bureau_email, PASSWORD, "bureau", tenant.slug, tenant.bureau_zh)
        db.session.commit()
        token, _expires = tokens.issue(bureau)
        enterprises = []
        for n in range(1, bench_enterprises + 1):
            email = f"bench{n}@{tenant.slug}.bench-ipservice.cn"
            ent = services.register_enterprise(tenant.slug, {
                "name": f"{tenant.name_zh}基准测试科技有限公司{n}号", "uscc": uscc_for(tenant.slug, "BE", n),
                "email": email, "password": PASSWORD, "contact_name": "张三", "contact_phone": "13800000000"})
            user = services.find_user(email)
            enterprises.append({"id": ent.id, "email": email, "token": tokens.issue(user)[0]})
        db.session.commit()
        ids = [e["id"] for e in enterprises]
        assert db.session.query(Enterprise).filter(Enterprise.id.in_(ids)).count() == len(ids)
        return {"bureau": {"email": bureau_email, "password": PASSWORD, "token": token},
                "enterprises": enterprises}

    # -- bulk rows, direct inserts ------------------------------------------------------------------

    def _insert(self, model, rows: list[dict]) -> None:
        from sqlalchemy import insert

        from ipservice.extensions import db

        if rows:
            db.session.execute(insert(model.__table__), rows)

    def organizations(self, tenant, count: int) -> list[dict]:
        from ipservice.accounts.models import Enterprise, User
        from ipservice.core.ids import new_id

        users, orgs = [], []
        for n in range(1, count + 1):
            user_id, created = new_id(), self.now - dt.timedelta(days=400)
            users.append({"id": user_id, "email": f"org{n}@{tenant.slug}.bench.invalid", "password_hash": self.bulk_hash,
                          "role": "enterprise", "tenant_id": tenant.slug, "display_name": f"单位{n}",
                          "active": True, "created_at": created})
            orgs.append({"tenant_id": tenant.slug, "id": new_id(), "name": f"{tenant.name_zh}样本企业{n}号",
                         "uscc": uscc_for(tenant.slug, "BK", n), "contact_name": "李四", "contact_phone": "029-88886666",
                         "user_id": user_id, "created_at": created})
        self._insert(User, users)
        self._insert(Enterprise, orgs)
        return orgs

    def _moment(self, days_back_max: int = 365) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.rng.randint(3600, days_back_max * 86400))

    def _audit(self, tenant, actor_id, action, object_type, object_id, at) -> dict:
        from ipservice.core.ids import new_id

        return {"tenant_id": tenant.slug, "id": new_id(), "at": at, "actor_id": actor_id,
                "actor_email": None, "actor_role": "enterprise", "action": action, "object_type": object_type,
                "object_id": object_id, "detail": {}, "ip": "127.0.0.1"}

    def certifications(self, tenant, owners: list[str], count: int, bureau_id: str) -> int:
        from flask_babel import force_locale

        from ipservice.certification.models import CertificationRecord
        from ipservice.certification.standards import add_years, resolve
        from ipservice.core import numbering
        from ipservice.core.audit import AuditEvent
        from ipservice.core.ids import new_id
        from ipservice.policy import services as policy

        rows, events, takes = [], [], {}
        moments = sorted(self._moment() for _ in range(count))
        for n, at in enumerate(moments, start=1):
            org_type = self.rng.choices(["enterprise", "university", "research_institute"], weights=[90, 5, 5])[0]
            # Most certificates are recent; a fifth are older ones recorded late (subsidy rules of their time).
            issued = (at - dt.timedelta(days=self.rng.randint(1, 200))).date() if self.rng.random() < 0.8 \
                else dt.date(self.rng.randint(2017, 2020), self.rng.randint(1, 12), self.rng.randint(1, 28))
            standard, edition = resolve(org_type, issued, None)
            status = _pick(self.rng, CERT_STATUSES)
            owner = self.rng.choice(owners)
            record_id = new_id()
            with force_locale("zh_CN"):
                est = policy.subsidy_estimate(tenant, "certification", issued, org_type=org_type, what="贯标认证")
                prior = takes.get((owner, standard.code)) if est["rule_code"] else None
                if prior is not None:
                    est = policy.subsidy_estimate(tenant, "certification", issued, org_type=org_type,
                                                  what="贯标认证", already_granted="本单位已有同一标准的贯标备案。")
            if est["rule_code"] and prior is None and status != "rejected" and est["amount_cny"] != 0:
                takes[(owner, standard.code)] = record_id
            decided = status != "submitted"
            rows.append({
                "tenant_id": tenant.slug, "id": record_id, "enterprise_id": owner, "status": status,
                "submitted_by": bureau_id, "submitted_at": at, "form_version": tenant.forms.version, "extra": {},
                "decided_by": bureau_id if decided else None,
                "decided_at": at + dt.timedelta(days=3) if decided else None,
                "decision_reason": "证书扫描件不清晰" if status == "rejected" else None,
                "org_type": org_type, "standard": standard.code, "standard_edition": edition.code,
                "certificate_no": f"{tenant.slug[:2].upper()}IP{n:08d}R0M", "certification_body": "中知（北京）认证有限公司",
                "issued_on": issued, "expires_on": add_years(issued, 3) - dt.timedelta(days=1),
                "consulting_agency": None, "scope": "与研发、生产和销售相关的知识产权管理",
                "subsidy_amount_cny": est["amount_cny"], "subsidy_rule_code": est["rule_code"],
                "subsidy_explanation": est["explanation"], "subsidy_prior_id": prior})
            events.append(self._audit(tenant, bureau_id, "certification.submitted", "certification", record_id, at))
        numbering.number_rows(rows, CertificationRecord.__tablename__, CertificationRecord.number_code)  # as an import numbers
        self._insert(CertificationRecord, rows)
        self._insert(AuditEvent, events)
        return len(rows)

    def custody(self, tenant, owners: list[str], count: int, bureau_id: str) -> int:
        from ipservice.core.audit import AuditEvent
        from ipservice.core.ids import new_id
        from ipservice.core import numbering
        from ipservice.custody.models import CustodyAgency, CustodyEnrollment

        agencies = [{"tenant_id": tenant.slug, "id": new_id(), "name": f"{tenant.name_zh}托管服务机构{n}号",
                     "uscc": uscc_for(tenant.slug, "AG", n), "contact": "王五 13900000000", "approved": True,
                     "created_at": self.now - dt.timedelta(days=500)} for n in range(1, 11)]
        self._insert(CustodyAgency, agencies)
        rows, events, last_end = [], [], {}
        for at in sorted(self._moment() for _ in range(count)):
            owner = self.rng.choice(owners)
            start = max(at.date(), last_end.get(owner, at.date()) + dt.timedelta(days=1))
            end = start + dt.timedelta(days=364)
            last_end[owner] = end
            status = _pick(self.rng, CUSTODY_STATUSES)
            decided = status != "submitted"
            record_id = new_id()
            offered = tenant.forms.option("custody", "services")
            services = self.rng.sample(list(offered), k=min(2, len(offered)))
            rows.append({
                "tenant_id": tenant.slug, "id": record_id, "enterprise_id": owner, "status": status,
                "submitted_by": bureau_id, "submitted_at": at, "form_version": tenant.forms.version, "extra": {},
                "decided_by": bureau_id if decided else None, "decided_at": at + dt.timedelta(days=5) if decided else None,
                "decision_reason": "材料不全" if status == "rejected" else None,
                "enterprise_scale": self.rng.choice(["micro", "small", "medium"]),
                "agency_id": self.rng.choice(agencies)["id"], "services": services, "start_date": start,
                "end_date": end, "government_purchased": self.rng.random() < 0.7})
            events.append(self._audit(tenant, bureau_id, "custody.submitted", "custody", record_id, at))
        numbering.number_rows(rows, CustodyEnrollment.__tablename__, CustodyEnrollment.number_code)  # as an import numbers
        self._insert(CustodyEnrollment, rows)
        self._insert(AuditEvent, events)
        return len(rows)

    def cases(self, tenant, owners: list[dict], count: int, bureau) -> int:
        from ipservice.cases.models import Case, CaseTransition
        from ipservice.cases.services import format_number
        from ipservice.core.audit import AuditEvent
        from ipservice.core.ids import new_id
        from ipservice.core.numbering import Counter
        from ipservice.core.types import CHINA

        from ipservice.cases import config as cases_config

        setup = cases_config.of(tenant)  # the centers and case types are in cases.toml
        ip_type = next((t for t in ("trademark", "copyright") if t in tenant.forms.option("case", "ip_types")), None)
        if ip_type is None or not setup.case_types:
            return 0
        types = [t for t in setup.case_types if t not in ("pre_exam_filing", "pre_exam")] or list(setup.case_types)
        rows, steps, events, seqs = [], [], [], {}
        for at in sorted(self._moment() for _ in range(count)):
            case_type = self.rng.choice(types)
            center = next(c for c in setup.centers if case_type in c.case_types)
            year = at.astimezone(CHINA).year
            seqs[year] = seqs.get(year, 0) + 1
            path = _pick(self.rng, CASE_PATHS)
            case_id, owner = new_id(), self.rng.choice(owners)
            moments = [at + dt.timedelta(days=4 * i, hours=i) for i in range(len(path))]
            status = path[-1]
            accepted_at = moments[path.index("accepted")] if "accepted" in path else None
            closed_at = moments[-1] if status == "closed" else None
            accept_due = (at + dt.timedelta(days=7)).date()
            close_due = (accepted_at + dt.timedelta(days=84)).date() if accepted_at else None
            due = None if status in ("declined", "closed", "withdrawn") else (close_due or accept_due)
            number = right = f"{self.rng.randint(10_000_000, 99_999_999)}"
            rows.append({
                "tenant_id": tenant.slug, "id": case_id, "enterprise_id": owner["id"], "status": status,
                "submitted_by": owner["user_id"], "submitted_at": at, "form_version": tenant.forms.version,
                "extra": {}, "decided_by": None, "decided_at": None, "decision_reason": None,
                "number": format_number(tenant, year, seqs[year]), "year": year, "seq": seqs[year],
                "case_type": case_type, "center": center.code, "ip_type": ip_type, "right_number": number,
                "right_number_normalized": right, "counterparty_name": "某某商贸有限公司", "counterparty_uscc": None,
                "summary": "对方在其网店销售的商品上使用与我方注册商标相同的标识。", "request": "请求协助调查取证并调解。",
                "applicant_name": owner["name"], "applicant_uscc": owner["uscc"],
                "applicant_email": f"org@{tenant.slug}.bench.invalid", "accept_due_on": accept_due,
                "accept_due_estimated": False, "close_due_on": close_due, "close_due_estimated": False,
                "due_on": due, "accepted_at": accepted_at, "closed_at": closed_at, "updated_at": moments[-1]})
            for step, (to, moment) in enumerate(zip(path, moments)):
                by = owner["user_id"] if to in ("submitted", "withdrawn") else bureau.id
                steps.append({"tenant_id": tenant.slug, "id": new_id(), "case_id": case_id, "step": step,
                              "from_status": path[step - 1] if step else None, "to_status": to, "by_user_id": by,
                              "by_email": bureau.email, "by_role": "bureau" if by == bureau.id else "enterprise",
                              "at": moment, "note": "已处理" if to in ("declined", "mediated", "resolved") else None})
            events.append(self._audit(tenant, owner["user_id"], "case.submitted", "case", case_id, at))
        self._insert(Case, rows)
        self._insert(CaseTransition, steps)
        self._insert(AuditEvent, events)
        self._insert(Counter, [{"tenant_id": tenant.slug, "id": new_id(), "name": "case", "year": y, "value": v}
                               for y, v in seqs.items()])
        return len(rows)


def _app():
    from ipservice import create_app

    # the owner, and no statement timeout: copying a tenant's filings to 3 000 others is one long INSERT
    return create_app({"IPSERVICE_DB_APP_ROLE": "", "IPSERVICE_DB_STATEMENT_TIMEOUT": 0})


def seed_main(args) -> dict:
    from ipservice.accounts import services, tokens
    from ipservice.core.tenancy import cross_tenant, tenant_context
    from ipservice.extensions import db
    from ipservice.tenants import registry

    app = _app()
    creds, counts = {"password": PASSWORD, "tenants": {}}, {}
    with app.test_request_context():
        seeder = Seeder(app, args.seed)
        with cross_tenant("benchmark seed: cross-district admin"):
            admin = services.create_user("admin@bench.invalid", PASSWORD, "cross_admin", None, "跨地区管理员")
            db.session.commit()
            creds["cross_admin"] = {"email": admin.email, "password": PASSWORD, "token": tokens.issue(admin)[0]}
        for tenant in registry.all():
            with tenant_context(tenant.slug):
                seeder.for_tenant(tenant)
                # Only the tenant the submissions go to needs enterprises that log in (password hashing is slow).
                accounts = seeder.accounts(tenant, args.bench_enterprises if tenant.slug == args.template else 0)
                bureau = services.find_user(accounts["bureau"]["email"])
                orgs = seeder.organizations(tenant, args.enterprises)
                owners = [e["id"] for e in accounts["enterprises"]] + [o["id"] for o in orgs]
                counts[tenant.slug] = {
                    "certification_records": seeder.certifications(tenant, owners, args.certifications, bureau.id),
                    "custody_enrollments": seeder.custody(tenant, owners, args.custody, bureau.id),
                    "cases": seeder.cases(tenant, orgs, args.cases, bureau),
                    "enterprises": len(owners)}
                db.session.commit()
                creds["tenants"][tenant.slug] = accounts
    creds["counts"] = counts
    return creds


def seed_big(args) -> dict:
    """The template tenant seeded like ``main`` (certification records only: the same list), and the newest
    ``--copies`` of its filings copied, with its organizations, to every other tenant."""
    from sqlalchemy import text

    from ipservice.accounts import services
    from ipservice.core.tenancy import cross_tenant, tenant_context
    from ipservice.extensions import db
    from ipservice.tenants import registry

    app = _app()
    creds = {"password": PASSWORD, "tenants": {}}
    with app.test_request_context():
        seeder = Seeder(app, args.seed)
        tenant = registry.get(args.template)
        with tenant_context(tenant.slug):
            seeder.for_tenant(tenant)
            accounts = seeder.accounts(tenant, args.bench_enterprises)
            bureau = services.find_user(accounts["bureau"]["email"])
            orgs = seeder.organizations(tenant, args.enterprises)
            owners = [e["id"] for e in accounts["enterprises"]] + [o["id"] for o in orgs]
            seeder.certifications(tenant, owners, args.certifications, bureau.id)
            db.session.commit()
        creds["tenants"][tenant.slug] = accounts
        others = [t.slug for t in registry.identities() if t.slug != tenant.slug]  # no folder read in full
        started = time.monotonic()
        with cross_tenant("benchmark seed: copy the template tenant's filings to every tenant"):
            db.session.execute(text("CREATE TEMPORARY TABLE bench_slugs (slug VARCHAR(64) PRIMARY KEY)"))
            db.session.execute(text("INSERT INTO bench_slugs (slug) VALUES (:slug)"), [{"slug": s} for s in others])
            newest = ("SELECT id FROM certification_records WHERE tenant_id = :template "
                      "ORDER BY submitted_at DESC LIMIT :copies")
            for table, which in (("enterprises", ""), ("certification_records", f" AND t.id IN ({newest})")):
                # The same ids in another tenant: keys are (tenant_id, id), so nothing else changes.
                columns = [c.name for c in db.metadata.tables[table].columns]
                select_list = ", ".join("s.slug" if c == "tenant_id" else f"t.{c}" for c in columns)
                db.session.execute(text(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select_list} "
                    f"FROM {table} t CROSS JOIN bench_slugs s WHERE t.tenant_id = :template{which}"),
                    {"template": tenant.slug, "copies": args.copies})
            db.session.commit()
        creds["copy_seconds"] = round(time.monotonic() - started, 1)
        creds["tenant_count"] = len(others) + 1
    return creds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["main", "big"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--bench-enterprises", type=int, default=40)
    parser.add_argument("--enterprises", type=int, default=160, help="bulk organizations per tenant")
    parser.add_argument("--certifications", type=int, default=1000)
    parser.add_argument("--custody", type=int, default=500)
    parser.add_argument("--cases", type=int, default=800)
    parser.add_argument("--copies", type=int, default=1000, help="big: filings copied to every other tenant")
    parser.add_argument("--template", default="hebi",
                        help="main: the tenant whose enterprises file during the benchmark; big: the tenant copied")
    args = parser.parse_args(argv)
    started = time.monotonic()
    creds = seed_main(args) if args.kind == "main" else seed_big(args)
    creds["seconds"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(creds, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
