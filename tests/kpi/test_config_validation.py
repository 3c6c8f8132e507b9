"""A broken tenant folder stops the app with the file and the field named."""
import re
import shutil
from pathlib import Path

import pytest

from ipservice import create_app
from ipservice.tenants.loader import TenantConfigError

ROOT = Path(__file__).resolve().parents[2] / "tenants"


@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, fn):
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_the_shipped_configuration_loads(load_tenants):
    assert set(load_tenants(ROOT)) == {"xian", "hebi", "guangzhou", "tianjin-bonded"}


def test_unknown_field_names_file_and_field(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "policy.toml",
          lambda s: s.replace("[[rules]]\n", "[[rules]]\namout_cny = 5\n", 1))
    with pytest.raises(TenantConfigError, match=r"hebi/policy\.toml: rules\.0\.amout_cny: Unknown field"):
        load_tenants(tenants_copy)


def test_missing_citation_names_file_and_field(tenants_copy, load_tenants):
    _edit(tenants_copy / "guangzhou" / "kpis.toml",
          lambda s: re.sub(r"\ncitation = \{[^\n]*\}", "", s, count=1))
    with pytest.raises(TenantConfigError,
                       match=r"guangzhou/kpis\.toml: indicators\.0\.citation: Missing data"):
        load_tenants(tenants_copy)


def test_citation_of_an_unknown_document(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "policy.toml",
          lambda s: s.replace('document = "hebi-2017"', 'document = "hebi-1999"', 1))
    with pytest.raises(TenantConfigError,
                       match=r"hebi/policy\.toml: rules\.0\.source\.document: unknown document"):
        load_tenants(tenants_copy)


def test_overlapping_filing_rules_are_refused(tenants_copy, load_tenants):
    extra = '''
[[rules]]
code = "hebi-2019-certification-extra"
name_zh = "重复的贯标奖励"
name_en = "Overlapping certification reward"
kind = "reward"
applies_to = "certification"
amount_cny = 10000
effective_from = 2019-01-01
effective_to = 2021-12-31
source = { document = "hebi-2017", clause = "二", quote = "贯标" }
'''
    _edit(tenants_copy / "hebi" / "policy.toml", lambda s: s + extra)
    with pytest.raises(TenantConfigError, match=r"hebi/policy\.toml: rules\.\d+\.effective_from: .*overlaps"):
        load_tenants(tenants_copy)


def test_period_in_reverse_and_bad_date(tenants_copy, load_tenants):
    _edit(tenants_copy / "xian" / "tenant.toml",
          lambda s: s.replace("period_end = 2019-12-31", "period_end = 2016-12-31", 1))
    with pytest.raises(TenantConfigError, match=r"xian/tenant\.toml: documents\.0\.period_end"):
        load_tenants(tenants_copy)


def test_repeated_published_row_number(tenants_copy, load_tenants):
    _edit(tenants_copy / "tianjin-bonded" / "kpis.toml", lambda s: s.replace("seq = 2\n", "seq = 1\n", 1))
    with pytest.raises(TenantConfigError, match=r"kpis\.toml: indicators\.\d+\.seq: row 1 of"):
        load_tenants(tenants_copy)


def test_a_strict_app_refuses_to_start_with_a_broken_tenant(tenants_copy):
    """IPSERVICE_TENANTS_STRICT=1 (and TESTING): every folder loaded at start (tests/test_tenant_store.py:
    otherwise the others start and that district answers 503)."""
    _edit(tenants_copy / "guangzhou" / "forms.toml", lambda s: s + "\nsurprise = true\n")
    with pytest.raises(TenantConfigError, match=r"guangzhou/forms\.toml: (case\.)?surprise: Unknown field"):
        create_app({"TENANTS_DIR": str(tenants_copy), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "x", "IPSERVICE_TENANTS_STRICT": True})


def test_a_fifth_district_is_a_folder(tenants_copy, load_tenants):
    shutil.copytree(tenants_copy / "hebi", tenants_copy / "anyang")
    _edit(tenants_copy / "anyang" / "tenant.toml",
          lambda s: s.replace('slug = "hebi"', 'slug = "anyang"').replace('name_zh = "鹤壁市"',
                                                                          'name_zh = "安阳市"'))
    tenants = load_tenants(tenants_copy)
    assert tenants["anyang"].name_zh == "安阳市" and len(tenants) == 5


NOTICE_SECTION = '''
[notice]
[[notice.fields]]
name = "bank_account"
type = "{type}"
required = true
label_zh = "开户银行账号"
label_en = "Bank account"
'''


def _with_notice_kind(app):
    """The registered kinds and a fifth, ``notice``, with nothing but a name (as a new area registers it)."""
    import types

    from ipservice.core import filing

    notice = types.SimpleNamespace(name="notice", form_section=None, funded_through_filing=False, metrics={},
                                   tenant_config=None, number_attr=None)
    return [*filing.kinds(app), notice]


def test_forms_sections_are_named_by_the_registered_kinds(app, tenants_copy, load_tenants):
    """forms.toml: a section per registered filing kind; a section no kind is registered for is refused
    (a misspelt ``[custdy]`` would otherwise be ignored), naming the kinds."""
    from ipservice.tenants.loader import load_all

    _edit(tenants_copy / "hebi" / "forms.toml", lambda s: s + NOTICE_SECTION.format(type="string"))
    with pytest.raises(TenantConfigError,
                       match=r"hebi/forms\.toml: notice: no filing kind is named 'notice'; "
                                                r"known: custody, certification, subsidy, case"):
        load_tenants(tenants_copy)
    forms = load_all(tenants_copy, _with_notice_kind(app))["hebi"].forms
    assert [f.name for f in forms.fields_for("notice")] == ["bank_account"]
    assert forms.fields_for("custody") == () and forms.fields_for("nothing-here") == ()
    assert forms.version == 1 and {"notice", "custody", "case"} <= set(forms.kinds)
    # the kinds' own settings, with their defaults where forms.toml is silent
    assert len(forms.option("custody", "services")) == 6 and "patent" in forms.option("case", "ip_types")


def test_a_form_field_of_a_new_kind_is_checked(app, tenants_copy):
    from ipservice.tenants.loader import load_all

    _edit(tenants_copy / "hebi" / "forms.toml", lambda s: s + NOTICE_SECTION.format(type="currency"))
    with pytest.raises(TenantConfigError, match=r"hebi/forms\.toml: notice\.fields\.0\.type: Must be one of"):
        load_all(tenants_copy, _with_notice_kind(app))


def test_a_top_level_value_in_forms_is_refused(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "forms.toml", lambda s: "surprise = true\n" + s)
    with pytest.raises(TenantConfigError, match=r"hebi/forms\.toml: surprise: Unknown field"):
        load_tenants(tenants_copy)


def test_a_target_outside_the_tables_year_columns_is_refused(tenants_copy, load_tenants):
    _edit(tenants_copy / "xian" / "kpis-2017.toml",
          lambda s: s.replace("years = [2017, 2018, 2019]", "years = [2019]", 1))
    with pytest.raises(TenantConfigError,
                       match=r"xian/kpis-2017\.toml: indicators\.\d+\.targets\.0\.year: 2017 is not a year "
                             r"column"):
        load_tenants(tenants_copy)


def test_each_loader_names_its_file(tenants_copy, load_tenants):
    """One loader per file kind, the same 'file: field: message' shape for each."""
    cases = [
        ("tenant.toml", lambda s: s.replace('name_zh = "鹤壁市"', "name_zh = 5"),
         r"tenant\.toml: name_zh: Not a valid string"),
        ("tasks.toml", lambda s: s.replace("[[tasks]]\n", "[[tasks]]\nowner = 1\n", 1),
         r"tasks\.toml: tasks\.0\.owner: Unknown field"),
        ("kpis.toml", lambda s: s.replace('direction = "at_least"', 'direction = "upward"', 1),
         r"kpis\.toml: indicators\.0\.direction: Must be one of"),
    ]
    for name, fn, pattern in cases:
        path = tenants_copy / "hebi" / name
        original = path.read_text(encoding="utf-8")
        _edit(path, fn)
        with pytest.raises(TenantConfigError, match=pattern):
            load_tenants(tenants_copy)
        path.write_text(original, encoding="utf-8")
