"""Fixtures for the custody tests: agencies and filed enrollments."""
import pytest

from tests.conftest import make_uscc
from tests.custody.custody_helpers import enrollment_body


@pytest.fixture
def add_agency():
    """``add_agency(bureau_api, "xian", name=…)`` → the created agency's JSON."""
    def make(bureau_api, tenant: str, name: str = "知识产权托管服务有限公司", **over) -> dict:
        body = {"name": name, "uscc": make_uscc(), "contact": "王经理 029-81234567", **over}
        r = bureau_api.post(f"/t/{tenant}/api/v1/agencies", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    return make


@pytest.fixture
def setup(enterprise, bureau, add_agency):
    """``setup("xian")`` → (enterprise api, bureau api, agency)."""
    def make(tenant: str):
        b = bureau(tenant)
        return enterprise(tenant), b, add_agency(b, tenant)

    return make


@pytest.fixture
def filed(setup):
    """``filed("xian")`` → (enterprise api, bureau api, agency, enrollment JSON) with one enrollment filed."""
    def make(tenant: str, **over):
        e, b, agency = setup(tenant)
        r = e.post(f"/t/{tenant}/api/v1/custody-enrollments",
                   json=enrollment_body(tenant, agency["id"], **over))
        assert r.status_code == 201, r.get_json()
        return e, b, agency, r.get_json()

    return make
