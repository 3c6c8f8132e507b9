"""A broken tenant folder stops the app with the file and the field named."""
import re
import shutil
from pathlib import Path

import pytest

from ipservice import create_app
from ipservice.tenants.loader import TenantConfigError, load_all

ROOT = Path(__file__).resolve().parents[2] / "tenants"


@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, fn):
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_the_shipped_configuration_loads():
    assert set(load_all(ROOT)) == {"xian", "hebi", "guangzhou", "tianjin-bonded"}


def test_unknown_field_names_file_and_field(tenants_copy):
    _edit(tenants_copy / "hebi" / "policy.toml",
          lambda s: s.replace("[[rules]]\n", "[[rules]]\namout_cny = 5\n", 1))
    with pytest.raises(TenantConfigError, match=r"hebi/policy\.toml: rules\.0\.amout_cny: Unknown field"):
        load_all(tenants_copy)


def test_missing_citation_names_file_and_field(tenants_copy):
    _edit(tenants_copy / "guangzhou" / "kpis.toml",
          lambda s: re.sub(r"\ncitation = \{[^\n]*\}", "", s, count=1))
    with pytest.raises(TenantConfigError, match=r"guangzhou/kpis\.toml: indicators\.0\.citation: Missing data"):
        load_all(tenants_copy)


def test_citation_of_an_unknown_document(tenants_copy):
    _edit(tenants_copy / "hebi" / "policy.toml",
          lambda s: s.replace('document = "hebi-2017"', 'document = "hebi-1999"', 1))
    with pytest.raises(TenantConfigError, match=r"hebi/policy\.toml: rules\.0\.source\.document: unknown document"):
        load_all(tenants_copy)


def test_overlapping_filing_rules_are_refused(tenants_copy):
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
        load_all(tenants_copy)


def test_period_in_reverse_and_bad_date(tenants_copy):
    _edit(tenants_copy / "xian" / "tenant.toml",
          lambda s: s.replace("period_end = 2019-12-31", "period_end = 2016-12-31", 1))
    with pytest.raises(TenantConfigError, match=r"xian/tenant\.toml: documents\.0\.period_end"):
        load_all(tenants_copy)


def test_repeated_published_row_number(tenants_copy):
    _edit(tenants_copy / "tianjin-bonded" / "kpis.toml", lambda s: s.replace("seq = 2\n", "seq = 1\n", 1))
    with pytest.raises(TenantConfigError, match=r"kpis\.toml: indicators\.\d+\.seq: row 1 of"):
        load_all(tenants_copy)


def test_app_refuses_to_start_with_a_broken_tenant(tenants_copy):
    _edit(tenants_copy / "guangzhou" / "forms.toml", lambda s: s + "\nsurprise = true\n")
    with pytest.raises(TenantConfigError, match=r"guangzhou/forms\.toml: (case\.)?surprise: Unknown field"):
        create_app({"TENANTS_DIR": str(tenants_copy), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "x"})


def test_a_fifth_district_is_a_folder(tenants_copy):
    shutil.copytree(tenants_copy / "hebi", tenants_copy / "anyang")
    _edit(tenants_copy / "anyang" / "tenant.toml",
          lambda s: s.replace('slug = "hebi"', 'slug = "anyang"').replace('name_zh = "鹤壁市"', 'name_zh = "安阳市"'))
    tenants = load_all(tenants_copy)
    assert tenants["anyang"].name_zh == "安阳市" and len(tenants) == 5
