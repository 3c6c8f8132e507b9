"""``flask import subsidies`` (a bureau's ledger, row by row, re-import without duplicates) and the start-up
validation of ``tenants/<slug>/subsidies.toml`` (the file and the field named)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from ipservice.tenants.loader import TenantConfigError
from tests.conftest import create_user
from tests.subsidy.subsidy_helpers import doc, patent, uscc

ROOT = Path(__file__).resolve().parents[2] / "tenants"
HEADERS = ["单位名称", "统一社会信用代码", "政策", "单位类型", "依据日期", "专利申请号", "证书编号",
           "基数金额", "贷款银行", "贷款金额（元）", "状态", "决定理由"]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["鹤壁市资助台账"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _applications(app):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db
    from ipservice.subsidy.models import SubsidyApplication

    with app.app_context(), tenant_context("hebi"):
        rows = db.session.scalars(select(SubsidyApplication).order_by(SubsidyApplication.seq)).all()
        out = [(a.rule_code, a.status, a.estimate_cny, a.granted_cny, list(a.objects)) for a in rows]
        db.session.remove()
        return out


def test_import_rows_and_reimport(app, tmp_path):
    create_user(app, "importer@hebi.gov.cn", "bureau", "hebi")
    p1, p2, loan, cert = patent(), patent(), doc("DK"), doc("HN")
    good_uscc, other_uscc = uscc(), uscc()
    rows = [
        ["鹤壁甲科技有限公司", good_uscc, "国内发明专利授权资助", "企业", "2019-06-01", f"{p1}、{p2}", None,
         None, None, None, None, None],
        ["鹤壁甲科技有限公司", good_uscc, "省专利奖三等奖奖励", "企业", "2019-07-01", None, cert, None, None,
         None, "已批准", None],
        ["鹤壁乙材料有限公司", other_uscc, "hebi-2017-pledge-financing-subsidy", "企业", "2019-03-01", None,
         loan, 300000, "鹤壁某银行", 2000000, None, None],
        ["鹤壁乙材料有限公司", other_uscc, "国内发明专利授权资助", "企业", "2021-01-01", patent(), None, None,
         None, None,
         None, None],  # after the rule's period
        ["鹤壁丙有限公司", other_uscc[:-1] + ("1" if other_uscc.endswith("0") else "0"), "省专利奖三等奖奖励",
         "企业",
         # a wrong check character (never the right one)
         "2019-01-01", None, doc(), None, None, None, None, None],
        ["鹤壁丁有限公司", uscc(), "国内发明专利授权资助", "企业", "2019-06-01", p1, None, None, None, None,
         None, None],
    ]
    path = _xlsx(tmp_path / "资助台账.xlsx", rows)
    result = app.test_cli_runner().invoke(args=["import", "subsidies", "--tenant", "hebi", "--as",
                                                "importer@hebi.gov.cn", str(path)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "第 3 行：导入成功" in out and "第 4 行：导入成功" in out and "第 5 行：导入成功" in out
    assert "2020-12-31" in out  # row 6: the rule's period
    assert "第 8 行：跳过" in out and "第 7 行：错误" in out  # row 8 claims p1 again; row 7: the USCC
    apps = _applications(app)
    assert ("hebi-2017-invention-patent-grant", "submitted", 8000, None,
            sorted([p1.replace(".", ""),
                    p2.replace(".", "")])) in [(r, s, e, g, sorted(o)) for r, s, e, g, o in apps]
    assert ("hebi-2017-henan-patent-award-third", "approved", 10000, 10000, [cert]) in apps
    assert ("hebi-2017-pledge-financing-subsidy", "submitted", 150000, None, [loan]) in apps
    assert len(apps) == 3
    again = app.test_cli_runner().invoke(args=["import", "subsidies", "--tenant", "hebi", "--as",
                                               "importer@hebi.gov.cn", str(path)])
    assert "第 3 行：跳过" in again.output and "第 4 行：跳过" in again.output
    assert "第 5 行：跳过" in again.output
    assert len(_applications(app)) == 3


# --- subsidies.toml at start-up ----------------------------------------------------------------------------

@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_subsidies_load(load_tenants):
    tenants = load_tenants(ROOT)
    assert len(tenants["hebi"].part("subsidy").rules) == 13
    assert len(tenants["xian"].part("subsidy").rules) == 14
    budget = tenants["xian"].part("subsidy").budget_of("xian-2017-certification-grant")
    assert budget.amount_cny == 3000 * 10000


@pytest.mark.parametrize("file, old, new, where", [
    ("hebi", 'unit = "per_patent"\nobject = "patent"', 'unit = "per_patnet"\nobject = "patent"',
     r"hebi/subsidies\.toml: subsidies\.1\.unit: Must be one of"),
    ("hebi", 'rule = "hebi-2017-invention-patent-grant"', 'rule = "hebi-2017-no-such-rule"',
     r"hebi/subsidies\.toml: subsidies\.1\.rule: unknown rule"),
    ("hebi", 'rule = "hebi-2017-invention-patent-grant"', 'rule = "hebi-2017-certification-reward"',
     r"subsidies\.1\.rule: .*certification filing"),
    ("hebi", 'rule = "hebi-2017-annual-fee-support"\nunit = "base"',
     'rule = "hebi-2017-annual-fee-support"\nunit = "rate"', r"subsidies\.3\.unit: .*sets no rate"),
    ("hebi", 'rule = "hebi-2017-pct-subsidy"\nunit = "per_application"',
     'rule = "hebi-2017-pct-subsidy"\nunit = "rate"', r"subsidies\.4\.base: rate and base units"),
    ("hebi", 'basis = { label_zh = "国际申请日"', 'basiss = { label_zh = "国际申请日"',
     r"subsidies\.4\.basiss: Unknown field"),
    ("hebi", 'document = "hebi-2017", clause = "二-1 激发知识产权创造活力", quote = "对PCT',
     'document = "hebi-1999", clause = "二-1 激发知识产权创造活力", quote = "对PCT',
     r"subsidies\.4\.sources\.0\.document: unknown document"),
    ("xian", 'line = "xian-2017-fund-high-value-patents"',
     'line = "xian-2017-high-value-patent-center-grant"',
     r"xian/subsidies\.toml: budgets\.4\.line: .*unit \"total\""),
    ("xian", '"xian-2017-patent-pool-reward",\n',
     '"xian-2017-patent-pool-reward", "xian-2017-ip-trust-subsidy",\n',
     r"budgets\.4\.rules\.2: xian-2017-ip-trust-subsidy is charged to xian-2017-fund-platform-financing "
     r"already"),
    ("xian", 'cap_key_field = "borrower_uscc"', 'cap_key_field = "borrower"',
     r"subsidies\.7\.cap_key_field: cap_key_field must be one of the rule's fields"),
    ("xian", 'name = "borrower_uscc"\ntype = "uscc"', 'name = "borrower_uscc"\ntype = "string"',
     r"subsidies\.7\.cap_key_field: cap_key_field must be a required field of type \"uscc\""),
])
def test_broken_subsidies_file_names_file_and_field(tenants_copy, file, old, new, where, load_tenants):
    _edit(tenants_copy / file / "subsidies.toml", old, new)
    with pytest.raises(TenantConfigError, match=where):
        load_tenants(tenants_copy)


def test_forms_subsidy_section_is_validated(tenants_copy, load_tenants):
    _edit(tenants_copy / "hebi" / "forms.toml", "[subsidy]\n", "[subsidy]\nfieldz = []\n")
    with pytest.raises(TenantConfigError, match=r"hebi/forms\.toml: subsidy\.fieldz: Unknown field"):
        load_tenants(tenants_copy)


def test_a_tenant_without_the_file_offers_nothing(tenants_copy, load_tenants):
    (tenants_copy / "tianjin-bonded" / "subsidies.toml").unlink()
    assert load_tenants(tenants_copy)["tianjin-bonded"].part("subsidy").rules == ()
