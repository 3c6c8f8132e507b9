"""Issue 5: exports, the KPI metric, status counts, audit events and demo data of the custody area."""
import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.custody.custody_helpers import enrollment_body, today


def url(tenant, path=""):
    return f"/t/{tenant}/api/v1/custody-enrollments{path}"


@pytest.fixture
def two_filed(filed, enterprise):
    """Xi'an: one approved enrollment (a company with an emoji and a formula-like name) and one submitted."""
    e, b, agency, first = filed("xian", innovation_base="provincial")
    b.post(url("xian", f"/{first['id']}/decision"), json={"decision": "approve"})
    other = enterprise("xian", name="=HYPERLINK(\"x\") 🚀 科技")
    second = other.post(url("xian"), json=enrollment_body("xian", agency["id"], government_purchased=False,
                                                          services=["training"])).get_json()
    return e, b, agency, first, second


def test_export_xlsx_has_chinese_headers_tenant_fields_and_rows(two_filed):
    e, b, agency, first, second = two_filed
    r = b.get(url("xian", ".xlsx"))
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert "西安市" in rows[0][0]  # caption
    headers = rows[1]
    for h in ("企业名称", "统一社会信用代码", "企业规模", "托管服务机构", "服务内容", "合同开始日期",
              "合同结束日期", "政府购买", "状态", "所在双创示范基地"):
        assert h in headers, h
    data = [dict(zip(headers, row, strict=True)) for row in rows[2:]]
    assert len(data) == 2
    approved = next(d for d in data if d["状态"] == "已批准")
    assert approved["统一社会信用代码"] == e.info["uscc"] and approved["托管服务机构"] == agency["name"]
    assert approved["企业规模"] == "小型" and approved["服务内容"] == "信息利用、专利申请"
    # the contract period in two date cells
    assert approved["合同开始日期"].date() == dt.date(2025, 1, 1)
    assert approved["合同结束日期"].date() == dt.date(2026, 12, 31)
    assert ws.cell(row=3, column=headers.index("合同开始日期") + 1).is_date and approved["政府购买"] == "是"
    assert approved["所在双创示范基地"] == "省级双创示范基地"
    submitted = next(d for d in data if d["状态"] == "已提交")
    assert submitted["企业名称"].startswith("'=HYPERLINK")  # never a live formula
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # the list's filters apply
    only = load_workbook(io.BytesIO(b.get(url("xian", ".xlsx?status=approved")).data)).active
    assert only.max_row == 3
    assert b.get(url("xian", ".xlsx?status=bogus")).status_code == 422


def test_export_csv_has_bom_and_chinese(two_filed):
    _e, b, _agency, _first, _second = two_filed
    r = b.get(url("xian", ".csv") + "?status=submitted")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "企业名称", "统一社会信用代码"] and rows[0][-1] == "所在双创示范基地"
    assert len(rows) == 2 and "🚀 科技" in rows[1][1] and rows[1][rows[0].index("服务内容")] == "人才培训"
    assert rows[1][rows[0].index("政府购买")] == "否"
    en = b.get(url("xian", ".csv"), headers={"Accept-Language": "en"})
    header = next(csv.reader(io.StringIO(en.data.decode("utf-8-sig"))))
    assert "Enterprise name" in header and "Mass-innovation demonstration base" in header


def test_export_is_for_the_bureau_only(two_filed, bureau):
    e, _b, _agency, _first, _second = two_filed
    assert e.get(url("xian", ".xlsx")).status_code == 403
    assert e.get(url("xian", ".csv")).status_code == 403
    assert bureau("hebi").get(url("xian", ".csv")).status_code == 404
    hebi_csv = bureau("hebi").get(url("hebi", ".csv"))
    assert len(list(csv.reader(io.StringIO(hebi_csv.data.decode("utf-8-sig"))))) == 1  # headers only


def test_metric_counts_approved_enterprises_cumulatively(app, filed, enterprise):
    from ipservice.core.tenancy import tenant_context
    from ipservice.kpi import metrics

    e, b, agency, first = filed("xian")
    year = today().year
    with app.app_context(), tenant_context("xian"):
        assert metrics.compute("custody_enrollments_approved", year) == 0
    b.post(url("xian", f"/{first['id']}/decision"), json={"decision": "approve"})
    # a second approved enrollment of the same enterprise counts once; a rejected one not at all
    second = e.post(url("xian"), json=enrollment_body("xian", agency["id"], start_date="2027-01-01",
                                                      end_date="2027-12-31")).get_json()
    b.post(url("xian", f"/{second['id']}/decision"), json={"decision": "approve"})
    other = enterprise("xian")
    third = other.post(url("xian"), json=enrollment_body("xian", agency["id"])).get_json()
    b.post(url("xian", f"/{third['id']}/decision"), json={"decision": "reject", "reason": "不符合条件"})
    with app.app_context():
        with tenant_context("xian"):
            assert metrics.compute("custody_enrollments_approved", year) == 1
            assert metrics.compute("custody_enrollments_approved", year + 5) == 1  # cumulative
            assert metrics.compute("custody_enrollments_approved", year - 1) == 0
        with tenant_context("hebi"):
            assert metrics.compute("custody_enrollments_approved", year) == 0


def test_status_counts(app, filed, enterprise):
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody import services

    _e, b, agency, first = filed("hebi")
    b.post(url("hebi", f"/{first['id']}/decision"), json={"decision": "reject", "reason": "缺少合同"})
    enterprise("hebi").post(url("hebi"), json=enrollment_body("hebi", agency["id"]))
    with app.app_context():
        with tenant_context("hebi"):
            assert services.stats() == {"submitted": 1, "approved": 0, "rejected": 1}
        with tenant_context("xian"):
            assert services.stats() == {"submitted": 0, "approved": 0, "rejected": 0}


def test_audit_events_for_agency_submission_and_decision(app, filed):
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    e, b, agency, created = filed("xian")
    b.post(url("xian", f"/{created['id']}/decision"), json={"decision": "reject", "reason": "合同缺页"})
    b.post(f"/t/xian/api/v1/agencies/{agency['id']}/approval", json={"approved": False})
    with app.app_context(), tenant_context("xian"):
        events = {ev.action: ev for ev in db.session.scalars(select(AuditEvent))}
    assert events["custody_agency.created"].object_id == agency["id"]
    assert events["custody_agency.created"].actor_email == b.email
    submitted = events["custody_enrollment.submitted"]
    assert submitted.object_id == created["id"] and submitted.actor_email == e.info["email"]
    rejected = events["custody_enrollment.rejected"]
    assert rejected.detail["reason"] == "合同缺页" and rejected.actor_role == "bureau"
    assert events["custody_agency.withdrawn"].object_id == agency["id"]


def test_demo_loader_is_idempotent(app, client):
    from ipservice.accounts import services as accounts
    from ipservice.core import hooks
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody.demo import load_demo
    from ipservice.custody.models import CustodyAgency, CustodyEnrollment
    from ipservice.extensions import db
    from ipservice.tenants import registry
    from stdnum.cn import uscc
    from tests.conftest import register_enterprise

    assert load_demo in hooks.of(app).demo_loaders
    register_enterprise(client, "tianjin-bonded", email="enterprise1@tianjin.example.cn")
    with app.app_context():
        for slug in ("xian", "tianjin-bonded"):
            with tenant_context(slug):
                bureau = accounts.create_user(f"demo-bureau@{slug}.example.cn", "pass-1234", "bureau", slug)
                db.session.commit()
                users = {"bureau": bureau,
                         "enterprise1": accounts.find_user("enterprise1@tianjin.example.cn")}
                for _ in range(2):
                    load_demo(registry.of(app).get(slug), users)
                    db.session.commit()  # the demo command commits what the loaders add
                agencies = list(db.session.scalars(select(CustodyAgency)))
                assert len(agencies) == 3 and all(uscc.is_valid(a.uscc) and a.approved for a in agencies)
                enrollments = list(db.session.scalars(select(CustodyEnrollment)))
                if slug == "tianjin-bonded":
                    assert len(enrollments) == 1 and enrollments[0].status == "submitted"
                    assert enrollments[0].extra == {"recipient_type": "sme"}
                else:  # no enterprise1 of this tenant: agencies only
                    assert enrollments == []


def test_home_page_lists_approved_agencies(client, setup, add_agency):
    _e, b, agency = setup("hebi")
    hidden = add_agency(b, "hebi", name="未批准的机构")
    b.post(f"/t/hebi/api/v1/agencies/{hidden['id']}/approval", json={"approved": False})
    html = client.get("/t/hebi/").get_data(as_text=True)
    assert agency["name"] in html and "未批准的机构" not in html
    assert agency["name"] not in client.get("/t/xian/").get_data(as_text=True)


def test_the_migration_numbers_existing_enrollments_and_records_in_submission_order(app, enterprise, bureau):
    """Issue 20 (11): migration 0020 numbers the custody enrollments and certification records filed before
    numbers existed, per tenant and year in the order they came, and the counters go on from there."""
    import sqlalchemy as sa

    from ipservice.core.numbering import Counter
    from ipservice.extensions import db
    from tests.certification.certification_helpers import submit
    from tests.conftest import make_uscc
    from tests.subsidy.subsidy_helpers import migration

    b = bureau("xian")
    agency = b.post("/t/xian/api/v1/agencies",
                    json={"name": "机构", "uscc": make_uscc(), "contact": "x"}).get_json()
    filed = [enterprise("xian").post("/t/xian/api/v1/custody-enrollments",
                                     json=enrollment_body("xian", agency["id"])).get_json() for _ in range(3)]
    cert = submit(enterprise("xian"), "xian")
    year = filed[0]["number"].split("-")[2]
    step = migration("0020_filing_numbers")
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))
        for table in ("custody_enrollments", "certification_records"):  # as before numbers existed
            conn.execute(sa.text(f"UPDATE {table} SET number = 'old-' || id"))
            conn.execute(Counter.__table__.delete().where(Counter.__table__.c.name == table))
        for table, code in step.KINDS:
            step._number_existing(conn, table, code, step._prefixes(conn, table, step.KIND_NAMES[table]))
    numbers = [b.get(f"/t/xian/api/v1/custody-enrollments/{e['id']}").get_json()["number"] for e in filed]
    assert numbers == [f"XA-TG-{year}-{n:06d}" for n in (1, 2, 3)]
    assert b.get(f"/t/xian/api/v1/certifications/{cert['id']}").get_json()["number"] == f"XA-GB-{year}-000001"
    again = enterprise("xian").post("/t/xian/api/v1/custody-enrollments",
                                    json=enrollment_body("xian", agency["id"]))
    assert again.get_json()["number"] == f"XA-TG-{year}-000004"  # the counter goes on
