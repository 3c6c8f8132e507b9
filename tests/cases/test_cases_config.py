"""tenants/<slug>/cases.toml, the case kind's own tenant file: a broken one stops start-up with the file
and the field named; the numbers of every kind take the prefix of the kind's own configuration."""
import pytest

from ipservice import create_app
from ipservice.tenants.loader import TenantConfigError
from tests.conftest import replace_in as _edit


GZ = "guangzhou/cases.toml"


@pytest.mark.parametrize("file, old, new, pattern", [
    (GZ, '"assistance", "complaint", "mediation"]', '"assistance", "arbitration"]',
     r"guangzhou/cases\.toml: centers\.0\.case_types\.1: Must be one of"),
    (GZ, 'number_prefix = "GZ"\n', "", r"guangzhou/cases\.toml: number_prefix: Missing data"),
    (GZ, 'number_prefix = "GZ"', 'number_prefix = "gz"', r"guangzhou/cases\.toml: number_prefix: "),
    (GZ, 'close = { days = 60, calendar = "working" }', 'close = { days = 60, calendar = "lunar" }',
     r"guangzhou/cases\.toml: time_limits\.close\.calendar: Must be one of"),
    (GZ, 'document = "guangzhou-2016"', 'document = "guangzhou-1999"',
     r"guangzhou/cases\.toml: centers\.0\.source\.document: unknown document 'guangzhou-1999'"),
    (GZ, 'clause = "二(十四)", ', "",
     r"guangzhou/cases\.toml: centers\.0\.source\.clause: Missing data"),
    (GZ, 'setting = "centers.guangzhou-huadu.case_types"',
     'setting = "centers.guangzhou-baiyun.case_types"',
     r"guangzhou/cases\.toml: bureau_settings\.1\.setting: unknown setting"),
    # the case settings are no longer read from tenant.toml; the numbered kinds' prefixes
    ("hebi/tenant.toml", "bureau_en =", 'case_number_prefix = "HB"\nbureau_en =',
     r"hebi/tenant\.toml: case_number_prefix: Unknown field"),
    ("hebi/forms.toml", 'number_prefix = "HB"', "",
     r"hebi/forms\.toml: custody\.number_prefix: Missing data"),
    ("hebi/forms.toml", "[case]\n", '[case]\nnumber_prefix = "HB"\n',
     r"hebi/forms\.toml: case\.number_prefix: the case kind takes no"),
])
def test_a_bad_case_setting_is_refused_naming_the_file_and_the_field(tenants_copy, load_tenants, file, old,
                                                                     new, pattern):
    _edit(tenants_copy / file, old, new)
    with pytest.raises(TenantConfigError, match=pattern):
        load_tenants(tenants_copy)


def test_a_strict_app_does_not_start_without_a_districts_cases_toml(tenants_copy):
    (tenants_copy / "hebi" / "cases.toml").unlink()
    with pytest.raises(TenantConfigError, match=r"hebi/cases\.toml: missing"):
        create_app({"TENANTS_DIR": str(tenants_copy), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "x", "IPSERVICE_TENANTS_STRICT": True})


def test_each_kind_numbers_with_the_prefix_of_its_own_configuration(app, load_tenants, tenants_copy):
    """The prefixes are each kind's: changing the cases' does not change the custody enrollments'."""
    _edit(tenants_copy / "xian" / "cases.toml", 'number_prefix = "XA"', 'number_prefix = "XAC"')
    _edit(tenants_copy / "xian" / "subsidies.toml", 'number_prefix = "XA"', 'number_prefix = "XAS"')
    xian = load_tenants(tenants_copy)["xian"]
    assert xian.part("case").number(2026, 1) == "XAC-2026-000001"
    assert xian.part("subsidy").number_prefix == "XAS"
    assert xian.forms.option("custody", "number_prefix") == "XA"
    assert xian.forms.option("certification", "number_prefix") == "XA"
