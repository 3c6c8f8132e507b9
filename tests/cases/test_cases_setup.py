"""The published case form, demo data, and recomputing deadlines after a calendar upgrade."""
import datetime as dt

from sqlalchemy import func, select

from tests.cases.conftest import file_case
from tests.conftest import DEMO_PASSWORD, register_enterprise


def test_case_form_is_registered_with_the_tenants_choices(app):
    from ipservice import forms
    from ipservice.forms.render import describe
    from ipservice.tenants import registry

    with app.app_context():
        assert "case" in forms.registered()
        for tenant in list(registry.of(app).values()):
            fields = {f["name"]: f for f in describe(forms.schema_for(tenant, "case")())}
            assert {"case_type", "center", "ip_type", "right_number", "counterparty_name",
                    "counterparty_uscc", "summary", "request"} <= set(fields)
            cases = tenant.part("case")
            assert [c["value"] for c in fields["case_type"]["choices"]] == list(cases.case_types)
            assert [c["value"] for c in fields["center"]["choices"]] == [c.code for c in cases.centers]
            assert [c["value"] for c in fields["ip_type"]["choices"]] == list(tenant.forms.option("case",
                                                                                                  "ip_types"))
            assert fields["center"]["required"] is (len(tenant.part("case").centers) > 1)
            assert fields["counterparty_name"]["required"] and not fields["counterparty_uscc"]["required"]
            assert fields["right_number"]["label_zh"].startswith("权利号")
            assert fields["summary"]["type"] == "text"
            assert all(f["label_en"] and f["label_zh"] for f in fields.values())


def test_demo_cases_are_loaded_once(app, client):
    from ipservice.accounts import services as accounts
    from ipservice.cases.demo import load_demo_cases
    from ipservice.cases.models import Case
    from ipservice.core.tenancy import cross_tenant, tenant_context
    from ipservice.extensions import db
    from ipservice.tenants import registry

    for tenant in list(registry.of(app).values()):
        register_enterprise(client, tenant.slug, email=f"enterprise1@{tenant.slug}.demo")
        with app.app_context(), cross_tenant("test setup"):
            accounts.create_user(f"bureau@{tenant.slug}.demo", DEMO_PASSWORD, "bureau", tenant.slug)
            db.session.commit()
    for _run in range(2):
        for tenant in list(registry.of(app).values()):
            with app.app_context(), tenant_context(tenant.slug):
                users = {"enterprise1": accounts.find_user(f"enterprise1@{tenant.slug}.demo"),
                         "bureau": accounts.find_user(f"bureau@{tenant.slug}.demo")}
                load_demo_cases(tenant, users)
                db.session.commit()
    with app.app_context(), cross_tenant("test: count demo cases"):
        per_tenant = select(Case.tenant_id, func.count(Case.id)).group_by(Case.tenant_id)
        counts = dict(db.session.execute(per_tenant).all())
        statuses = set(db.session.scalars(select(Case.status)))
    assert counts == {t.slug: 2 for t in list(registry.of(app).values())}
    assert "submitted" in statuses and statuses & {"accepted", "in_progress"}


def test_estimated_deadlines_are_recomputed_once_the_calendar_covers_the_year(app, enterprise, monkeypatch):
    from ipservice.cases import services
    from ipservice.core import calendar
    from ipservice.core.tenancy import tenant_context
    from ipservice.tenants import registry

    last = calendar.covered_years()[1]
    applicant = enterprise("xian")
    monkeypatch.setattr(services, "now", lambda: dt.datetime(last, 12, 30, 9, 0, tzinfo=services.CHINA))
    case = file_case(applicant)
    assert case["due"]["accept"]["estimated"]
    # The next release of chinesecalendar publishes the year: say its 4 and 5 January are holidays.
    holidays = {dt.date(last + 1, 1, 4), dt.date(last + 1, 1, 5)}
    monkeypatch.setattr(calendar, "is_working_day",
                        lambda d: (d.weekday() < 5 and d not in holidays, True))
    from ipservice.core.transaction import unit_of_work

    with app.app_context(), tenant_context("xian"):
        with unit_of_work():
            assert services.recompute_estimated_due_dates(registry.of(app).get("xian")) == 1
        assert services.recompute_estimated_due_dates(registry.of(app).get("xian")) == 0
    after = applicant.get(f"/t/xian/api/v1/cases/{case['id']}").get_json()
    assert after["due"]["accept"]["estimated"] is False and after["due"]["note"] is None
    expected, counted = dt.date(last, 12, 30), 0
    while counted < 5:
        expected += dt.timedelta(days=1)
        counted += expected.weekday() < 5 and expected not in holidays
    assert after["accept_due_on"] == expected.isoformat() != case["accept_due_on"]
    assert after["due"]["next_due_on"] == after["accept_due_on"]
