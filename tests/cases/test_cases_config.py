"""tenants/<slug>/cases.toml, the case kind's own tenant file: a broken one stops start-up with the file
and the field named; the numbers of every kind take the prefix of the kind's own configuration."""
import pytest

from ipservice import create_app
from ipservice.tenants.loader import TenantConfigError
from tests.conftest import replace_in as _edit


@pytest.mark.parametrize("old, new, pattern", [
    ('case_types = ["assistance", "complaint", "mediation"]', 'case_types = ["assistance", "arbitration"]',
     r"guangzhou/cases\.toml: centers\.0\.case_types\.1: Must be one of"),
    ('number_prefix = "GZ"\n', "", r"guangzhou/cases\.toml: number_prefix: Missing data"),
    ('number_prefix = "GZ"', 'number_prefix = "gz"', r"guangzhou/cases\.toml: number_prefix: "),
    ('close = { days = 60, calendar = "working" }', 'close = { days = 60, calendar = "lunar" }',
     r"guangzhou/cases\.toml: time_limits\.close\.calendar: Must be one of"),
    ('document = "guangzhou-2016"', 'document = "guangzhou-1999"',
     r"guangzhou/cases\.toml: centers\.0\.source\.document: unknown document 'guangzhou-1999'"),
    ('clause = "二(十四)", ', "", r"guangzhou/cases\.toml: centers\.0\.source\.clause: Missing data"),
    ('setting = "centers.guangzhou-huadu.case_types"', 'setting = "centers.guangzhou-baiyun.case_types"',
     r"guangzhou/cases\.toml: bureau_settings\.1\.setting: unknown setting"),
])
def test_a_bad_cases_toml_is_refused_naming_the_file_and_the_field(tenants_copy, load_tenants, old, new,
                                                                   pattern):
    _edit(tenants_copy / "guangzhou" / "cases.toml", old, new)
    with pytest.raises(TenantConfigError, match=pattern):
        load_tenants(tenants_copy)


def test_the_app_does_not_start_without_a_districts_cases_toml(tenants_copy):
    (tenants_copy / "hebi" / "cases.toml").unlink()
    with pytest.raises(TenantConfigError, match=r"hebi/cases\.toml: missing"):
        create_app({"TENANTS_DIR": str(tenants_copy), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "x"})


def test_case_settings_are_no_longer_read_from_tenant_toml(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "tenant.toml", 'bureau_en =', 'case_number_prefix = "HB"\nbureau_en =')
    with pytest.raises(TenantConfigError, match=r"hebi/tenant\.toml: case_number_prefix: Unknown field"):
        load_tenants(tenants_copy)


def test_a_numbered_kind_without_a_file_of_its_own_says_its_prefix_in_forms_toml(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "forms.toml", 'number_prefix = "HB"', "")
    with pytest.raises(TenantConfigError, match=r"hebi/forms\.toml: custody\.number_prefix: Missing data"):
        load_tenants(tenants_copy)


def test_a_kind_with_its_own_file_takes_no_prefix_in_forms_toml(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "forms.toml", "[case]\n", '[case]\nnumber_prefix = "HB"\n')
    with pytest.raises(TenantConfigError,
                       match=r"hebi/forms\.toml: case\.number_prefix: the case kind takes no"):
        load_tenants(tenants_copy)


def test_each_kind_numbers_with_the_prefix_of_its_own_configuration(app, load_tenants, tenants_copy):
    """The prefixes are each kind's: changing the cases' does not change the custody enrollments'."""
    _edit(tenants_copy / "xian" / "cases.toml", 'number_prefix = "XA"', 'number_prefix = "XAC"')
    _edit(tenants_copy / "xian" / "subsidies.toml", 'number_prefix = "XA"', 'number_prefix = "XAS"')
    xian = load_tenants(tenants_copy)["xian"]
    assert xian.part("case").number(2026, 1) == "XAC-2026-000001"
    assert xian.part("subsidy").number_prefix == "XAS"
    assert xian.forms.option("custody", "number_prefix") == "XA"
    assert xian.forms.option("certification", "number_prefix") == "XA"
