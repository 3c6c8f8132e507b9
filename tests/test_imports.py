"""``flask --app wsgi import custody|certifications`` — bulk import of a bureau's spreadsheets."""
from __future__ import annotations

import csv
import datetime as dt
import itertools

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import create_user, token_for

CUSTODY_HEADERS = ["企业名称", "统一社会信用代码", "企业规模", "托管服务机构", "服务内容", "开始日期",
                   "结束日期", "政府购买", "所在双创示范基地"]
CERT_HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "标准版本", "证书编号", "认证机构", "发证日期",
                "有效期至", "辅导机构", "认证范围"]


# --- helpers -----------------------------------------------------------------------------------------------

_SERIAL = itertools.count(1)


def make_uscc() -> str:
    """A valid USCC of a series of its own (tests/conftest.py's series is also used by its fixtures, under
    another module name, so the two could repeat each other's codes)."""
    from stdnum.cn import uscc

    body = f"91410600MA{next(_SERIAL):07d}"
    return body + uscc.calc_check_digit(body)


def xlsx(path, headers, rows, title=None):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *[str(a) for a in args]])


def bad_check_digit(uscc: str) -> str:
    return uscc[:-1] + ("0" if uscc[-1] != "0" else "1")


def count(app, tenant, model, *where):
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit(app, tenant, action=None):
    from ipservice.core.audit import AuditEvent
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        stmt = select(AuditEvent).order_by(AuditEvent.at)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return [(e.action, e.actor_email, e.object_id, e.detail) for e in db.session.scalars(stmt)]


@pytest.fixture
def bureau_user(app):
    """``bureau_user("xian")`` → the e-mail of a new bureau user of that tenant."""
    serial = iter(range(1, 100))

    def make(tenant):
        email = f"import{next(serial)}@{tenant}.gov.cn"
        create_user(app, email, "bureau", tenant)
        return email

    return make


@pytest.fixture
def agency(app):
    """``agency("xian", name=…, approved=True)`` → (id, name, uscc) of a custody agency of the tenant."""
    def make(tenant, name="西安知识产权托管服务有限公司", approved=True):
        from ipservice.core.tenancy import tenant_context
        from ipservice.custody import services
        from ipservice.extensions import db

        with app.app_context(), tenant_context(tenant):
            a = services.create_agency({"name": name, "uscc": make_uscc(), "contact": "王经理 029-81234567"})
            if not approved:
                services.set_agency_approval(a.id, False)
            db.session.commit()
            out = (a.id, a.name, a.uscc)
            db.session.remove()
            return out

    return make


def enrollments(app, tenant):
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody.models import CustodyEnrollment
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        rows = db.session.scalars(select(CustodyEnrollment).order_by(CustodyEnrollment.start_date)).all()
        return [{"uscc": e.enterprise.uscc, "name": e.enterprise.name, "scale": e.enterprise_scale,
                 "agency": e.agency.name, "services": e.services, "start": e.start_date, "end": e.end_date,
                 "gov": e.government_purchased, "extra": e.extra, "status": e.status, "id": e.id,
                 "submitted_by": e.submitted_by, "decided_by": e.decided_by, "reason": e.decision_reason}
                for e in rows]


def certifications(app, tenant):
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        rows = db.session.scalars(
            select(CertificationRecord).order_by(CertificationRecord.certificate_no)).all()
        return {r.certificate_no: {"uscc": r.enterprise.uscc, "org_type": r.org_type,
                                   "edition": r.standard_edition,
                                   "status": r.status, "amount": r.subsidy_amount_cny, "id": r.id,
                                   "reason": r.decision_reason, "decided_by": r.decided_by,
                                   "consulting": r.consulting_agency, "issued": r.issued_on}
                for r in rows}


def user_id(app, email):
    from ipservice.accounts.services import find_user
    from ipservice.core.tenancy import cross_tenant

    with app.app_context(), cross_tenant("test"):
        return find_user(email).id


def enterprise_count(app, tenant):
    from ipservice.accounts.models import Enterprise

    return count(app, tenant, Enterprise)


def user_count(app):
    from ipservice.accounts.models import User
    from ipservice.core.tenancy import cross_tenant
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test"):
        return db.session.scalar(select(func.count()).select_from(User))


# --- custody -----------------------------------------------------------------------------------------------

def test_custody_import_for_xian_with_its_innovation_base(app, client, tmp_path, bureau_user, agency,
                                                          enterprise):
    email = bureau_user("xian")
    _agency_id, agency_name, agency_uscc = agency("xian")
    known = enterprise("xian", name="已注册科技有限公司")  # an enterprise that registered itself
    new_uscc = make_uscc()
    path = xlsx(tmp_path / "托管.xlsx", CUSTODY_HEADERS, [
        ["新导入科技有限公司", new_uscc, "小型", agency_name, "信息利用、专利申请", dt.datetime(2024, 1, 1),
         "2026-12-31", "是", "国家级双创示范基地"],
        ["已注册科技有限公司", known.info["uscc"], "micro", agency_uscc, "info_use, training", "2025/1/1",
         dt.date(2027, 12, 31), "否", "none"],
    ])
    result = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert result.exit_code == 0, result.output
    assert "第 2 行：导入成功" in result.stdout and "第 3 行：导入成功" in result.stdout
    assert "2 行：导入 2，跳过 0，错误 0" in result.stdout

    rows = enrollments(app, "xian")
    assert len(rows) == 2
    first, second = rows
    assert first["uscc"] == new_uscc and first["name"] == "新导入科技有限公司" and first["scale"] == "small"
    assert first["services"] == ["info_use", "patent_filing"] and first["agency"] == agency_name
    assert (first["start"], first["end"], first["gov"]) == (dt.date(2024, 1, 1), dt.date(2026, 12, 31), True)
    assert first["extra"] == {"innovation_base": "national"} and first["status"] == "submitted"
    assert second["uscc"] == known.info["uscc"] and second["scale"] == "micro"
    assert second["services"] == ["info_use", "training"] and second["gov"] is False
    assert second["extra"] == {"innovation_base": "none"}
    assert (second["start"], second["end"]) == (dt.date(2025, 1, 1), dt.date(2027, 12, 31))
    bureau_id = user_id(app, email)
    assert first["submitted_by"] == second["submitted_by"] == bureau_id

    # The enterprise that registered itself sees its imported enrollment.
    mine = known.get("/t/xian/api/v1/custody-enrollments").get_json()
    assert [m["id"] for m in mine] == [second["id"]]
    # The new enterprise is owned by a placeholder user that cannot log in.
    placeholder = f"uscc-{new_uscc.lower()}@xian.import.invalid"
    from ipservice.accounts.services import find_user
    from ipservice.core.tenancy import cross_tenant

    with app.app_context(), cross_tenant("test"):
        owner = find_user(placeholder)
        assert owner is not None and owner.role == "enterprise" and owner.tenant_id == "xian"
        assert owner.active is False
    r = client.post("/api/v1/auth/token", json={"email": placeholder, "password": ""})
    assert r.status_code in (400, 401, 422)
    # Audit: filed by the bureau user, marked as imported, the new enterprise too.
    events = audit(app, "xian")
    assert ("custody_enrollment.submitted", email) in [(a, who) for a, who, _id, _d in events]
    imported = audit(app, "xian", "custody_enrollment.imported")
    assert sorted(d["row"] for _a, _w, _i, d in imported) == [2, 3]
    assert all(who == email and d["file"] == "托管.xlsx" for _a, who, _i, d in imported)
    created = audit(app, "xian", "enterprise.imported")
    assert len(created) == 1 and created[0][1] == email and created[0][3]["uscc"] == new_uscc


def test_custody_rules_of_the_api_apply_row_by_row(app, tmp_path, bureau_user, agency):
    email = bureau_user("xian")
    _id, name, _uscc = agency("xian")
    _id2, withdrawn, _uscc2 = agency("xian", name="已撤销资格的托管机构", approved=False)
    good, clash, bad_check = make_uscc(), make_uscc(), make_uscc()
    before_users = user_count(app)
    path = xlsx(tmp_path / "mixed.xlsx", CUSTODY_HEADERS, [
        # 2 ok
        ["好企业", good, "小型", name, "信息利用", "2025-01-01", "2026-12-31", "是", "provincial"],
        ["坏校验位", bad_check_digit(bad_check), "小型", name, "信息利用", "2025-01-01", "2026-12-31", "是",
         "national"],                                                                                  # 3
        ["日期错", make_uscc(), "小型", name, "信息利用", "2023-02-30", "2024-12-31", "否", "national"],  # 4
        ["机构不明", make_uscc(), "小型", "不存在的托管机构", "信息利用", "2025-01-01", "2026-12-31", "否",
         "national"],                                                                                  # 5
        ["超期", make_uscc(), "中型", name, "信息利用", "2025-01-01", "2028-12-31", "否", "national"],    # 6
        ["缺规模", make_uscc(), None, name, "信息利用", "2025-01-01", "2026-12-31", "否", "national"],    # 7
        ["机构未批准", make_uscc(), "小型", withdrawn, "信息利用", "2025-01-01", "2026-12-31", "否",
         "national"],                                                                                  # 8
        # 9 overlap
        ["好企业", good, "小型", name, "专利申请", "2026-01-01", "2027-06-30", "否", "provincial"],
        # 10
        ["缺基地", clash, "小型", name, "信息利用、不存在的服务", "2025-01-01", "2026-12-31", "否", None],
    ])
    result = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "第 2 行：导入成功" in out
    assert "第 3 行：错误" in out and "统一社会信用代码：统一社会信用代码校验位不正确，请核对。" in out
    assert "第 4 行：错误" in out and "开始日期：不是有效的日期（格式 YYYY-MM-DD）。" in out
    assert "第 5 行：错误" in out
    assert "托管服务机构：本地区没有名称或统一社会信用代码为“不存在的托管机构”的托管服务机构。" in out
    assert "第 6 行：错误" in out
    assert "结束日期：托管合同期限最长为 3 年：结束日期不能晚于 2028-01-01。" in out
    assert "第 7 行：错误" in out and "企业规模：缺少必填字段。" in out
    assert "第 8 行：错误" in out and "托管服务机构：请选择本地区已批准的托管服务机构。" in out
    assert "第 9 行：错误" in out and "合同期重叠" in out
    assert "第 10 行：错误" in out and "所在双创示范基地：缺少必填字段。" in out
    assert "服务内容：“不存在的服务”不是可选项" in out
    assert "9 行：导入 1，跳过 0，错误 8" in out
    # Only the good row is in the database; bad rows left no placeholder enterprise or user behind.
    rows = enrollments(app, "xian")
    assert [r["uscc"] for r in rows] == [good]
    assert enterprise_count(app, "xian") == 1 and user_count(app) == before_users + 1


def test_custody_reimport_skips_everything(app, tmp_path, bureau_user, agency):
    from ipservice.accounts.models import Enterprise
    from ipservice.custody.models import CustodyEnrollment

    email = bureau_user("xian")
    _id, name, _uscc = agency("xian")
    a, b = make_uscc(), make_uscc()
    path = xlsx(tmp_path / "c.xlsx", CUSTODY_HEADERS, [
        ["甲公司", a, "小型", name, "信息利用", "2024-01-01", "2025-12-31", "是", "national"],
        ["乙公司", b, "微型", name, "人才培训", "2024-03-01", "2026-02-28", "否", "other"],
        # same row twice
        ["甲公司", a, "小型", name, "信息利用", "2024-01-01", "2025-12-31", "是", "national"],
    ])
    first = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert first.exit_code == 0, first.output
    assert "3 行：导入 2，跳过 1，错误 0" in first.stdout and "第 4 行：跳过（已存在" in first.stdout
    events = len(audit(app, "xian"))
    again = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert again.exit_code == 0, again.output
    assert "3 行：导入 0，跳过 3，错误 0" in again.stdout
    assert count(app, "xian", CustodyEnrollment) == 2 and count(app, "xian", Enterprise) == 2
    assert len(audit(app, "xian")) == events  # a skipped row writes nothing


def test_custody_historical_decisions(app, tmp_path, bureau_user, agency):
    email = bureau_user("xian")
    _id, name, _uscc = agency("xian")
    a, b, c = make_uscc(), make_uscc(), make_uscc()
    path = xlsx(tmp_path / "history.xlsx", CUSTODY_HEADERS + ["状态", "驳回理由"], [
        ["甲公司", a, "小型", name, "信息利用", "2021-01-01", "2023-12-31", "是", "national", "已批准", None],
        ["乙公司", b, "小型", name, "信息利用", "2021-01-01", "2023-12-31", "是", "national", "已驳回",
         "材料不全"],
        ["丙公司", c, "小型", name, "信息利用", "2021-01-01", "2023-12-31", "是", "national", "已驳回", None],
        ["乙公司", b, "小型", name, "信息利用", "2021-01-01", "2023-12-31", "是", "national", "已批准", None],
    ])
    result = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert result.exit_code == 1, result.output
    assert "第 4 行：错误" in result.stdout and "驳回理由：驳回时必须填写理由。" in result.stdout
    rows = {(r["uscc"], r["status"]): r for r in enrollments(app, "xian")}
    bureau_id = user_id(app, email)
    assert set(rows) == {(a, "approved"), (b, "rejected"), (b, "approved")}  # refiled after the rejection
    assert rows[(b, "rejected")]["reason"] == "材料不全"
    assert all(r["decided_by"] == bureau_id for r in rows.values())
    assert enterprise_count(app, "xian") == 2  # 丙公司's row failed whole
    approved = audit(app, "xian", "custody_enrollment.approved")
    rejected = audit(app, "xian", "custody_enrollment.rejected")
    assert len(approved) == 2 and len(rejected) == 1
    assert all(who == email for _a, who, _i, _d in approved + rejected)
    assert rejected[0][3]["reason"] == "材料不全"
    # Re-import: the decided rows are skipped, the failed one fails again.
    again = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert "4 行：导入 0，跳过 3，错误 1" in again.stdout
    assert len(enrollments(app, "xian")) == 3


# --- certifications ----------------------------------------------------------------------------------------

def test_certification_import_for_hebi(app, tmp_path, bureau_user):
    email = bureau_user("hebi")
    org, uni = make_uscc(), make_uscc()
    # English field names, a title row above the header, columns in another order, an extra column.
    headers = ["certificate_no", "enterprise_name", "uscc", "org_type", "standard_edition",
               "certification_body", "issued_on", "expires_on", "consulting_agency", "scope", "备注"]
    path = xlsx(tmp_path / "hebi.xlsx", headers, [
        ["165ip 19 0001 r0m", "鹤壁示范科技有限公司", org, "企业", "GB/T 29490-2013",
         "中知（北京）认证有限公司", dt.datetime(2019, 5, 1), "2022-04-30", None, "知识产权管理", "无"],
        ["HB-UNI-2020-01", "鹤壁职业技术学院", uni, "高等学校", None, "中规（北京）认证有限公司",
         "2020-06-01", "2023-05-31", "鹤壁某知识产权咨询公司", "教学科研相关的知识产权管理", None],
    ], title="鹤壁市贯标认证备案表")
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 0, result.output
    assert "2 行：导入 2，跳过 0，错误 0" in result.stdout
    assert "第 3 行：导入成功" in result.stdout and "第 4 行：导入成功" in result.stdout  # the title is row 1
    assert "备注" in result.stderr  # the ignored column is named
    records = certifications(app, "hebi")
    assert set(records) == {"165IP190001R0M", "HB-UNI-2020-01"}
    ent = records["165IP190001R0M"]
    assert ent["uscc"] == org and ent["org_type"] == "enterprise" and ent["edition"] == "GB/T 29490-2013"
    assert ent["amount"] == 50000 and ent["status"] == "submitted" and ent["consulting"] is None
    assert ent["issued"] == dt.date(2019, 5, 1)
    univ = records["HB-UNI-2020-01"]
    assert univ["org_type"] == "university" and univ["edition"] == "GB/T 33251-2016"
    assert univ["consulting"] == "鹤壁某知识产权咨询公司"
    assert len(audit(app, "hebi", "certification.imported")) == 2
    assert all(who == email for _a, who, _i, _d in audit(app, "hebi", "certification.submitted"))


def test_certification_good_and_bad_rows(app, tmp_path, bureau_user):
    from ipservice.certification.models import CertificationRecord

    email = bureau_user("hebi")
    before_users = user_count(app)
    good = make_uscc()
    path = xlsx(tmp_path / "bad.xlsx", CERT_HEADERS, [
        # 2
        ["好单位", good, "企业", None, "GOOD-0001", "中知认证", "2019-01-10", "2022-01-09", None, "管理"],
        ["校验位", bad_check_digit(make_uscc()), "企业", None, "BAD-0001", "中知认证", "2019-01-10",
         "2022-01-09", None, "管理"],                                                                    # 3
        # 4
        ["日期", make_uscc(), "企业", None, "BAD-0002", "中知认证", "2023-02-30", "2025-01-01", None, "管理"],
        # 5
        ["超期", make_uscc(), "企业", None, "BAD-0003", "中知认证", "2019-01-10", "2022-06-30", None, "管理"],
        # 6
        ["缺机构", make_uscc(), "企业", None, "BAD-0004", None, "2019-01-10", "2022-01-09", None, "管理"],
        # 7
        ["类型", make_uscc(), "医院", None, "BAD-0005", "中知认证", "2019-01-10", "2022-01-09", None, "管理"],
        # 8
        ["重复", make_uscc(), "企业", None, "good-0001 ", "中知认证", "2019-01-10", "2022-01-09", None,
         "管理"],
    ])
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "第 2 行：导入成功" in out
    assert "第 3 行：错误\n    统一社会信用代码：统一社会信用代码校验位不正确，请核对。" in out
    assert "第 4 行：错误\n    发证日期：不是有效的日期（格式 YYYY-MM-DD）。" in out
    assert "第 5 行：错误\n    有效期至：证书有效期最长 3 年：有效期至不能晚于 2022-01-10。" in out
    assert "第 6 行：错误\n    认证机构：缺少必填字段。" in out
    assert "第 7 行：错误\n    单位类型：“医院”不是可选项，可选：企业、高等学校、科研组织。" in out
    assert "第 8 行：跳过（已存在：证书编号 GOOD-0001）" in out  # the same certificate, written differently
    assert "7 行：导入 1，跳过 1，错误 5" in out
    assert count(app, "hebi", CertificationRecord) == 1
    # The bad rows left no placeholder enterprise or user behind.
    assert enterprise_count(app, "hebi") == 1 and user_count(app) == before_users + 1


def test_certification_reimport_skips_by_certificate_number(app, tmp_path, bureau_user):
    from ipservice.accounts.models import Enterprise
    from ipservice.certification.models import CertificationRecord

    email = bureau_user("hebi")
    rows = [["单位一", make_uscc(), "企业", None, "HB-0001", "中知认证", "2019-01-10", "2022-01-09", None,
             "管理"],
            ["单位二", make_uscc(), "科研组织", None, "HB-0002", "中知认证", "2019-02-10", "2022-02-09", None,
             "管理"]]
    path = xlsx(tmp_path / "hebi.xlsx", CERT_HEADERS, rows)
    assert run(app, "certifications", "--tenant", "hebi", "--as", email, path).exit_code == 0
    # The same certificates written differently (spacing, case, full-width) are the same certificates.
    rows[0][4], rows[1][4] = "hb-0001", "ＨＢ－０００２"
    again = run(app, "certifications", "--tenant", "hebi", "--as", email,
                xlsx(tmp_path / "again.xlsx", CERT_HEADERS, rows))
    assert again.exit_code == 0, again.output
    assert "第 2 行：跳过（已存在：证书编号 HB-0001）" in again.stdout
    assert "2 行：导入 0，跳过 2，错误 0" in again.stdout
    assert count(app, "hebi", CertificationRecord) == 2 and count(app, "hebi", Enterprise) == 2


def test_certification_historical_decisions(app, tmp_path, bureau_user):
    email = bureau_user("hebi")
    org = make_uscc()
    path = xlsx(tmp_path / "history.xlsx", CERT_HEADERS + ["状态", "驳回理由"], [
        ["单位一", org, "企业", None, "OLD-0001", "中知认证", "2018-03-01", "2021-02-28", None, "管理",
         "已驳回", "扫描件不清"],
        ["单位一", org, "企业", None, "OLD-0001", "中知认证", "2018-03-01", "2021-02-28", None, "管理",
         "已核验", None],
        ["单位二", make_uscc(), "企业", None, "OLD-0002", "中知认证", "2019-03-01", "2022-02-28", None,
         "管理", "已提交", None],
        ["单位三", make_uscc(), "企业", None, "OLD-0003", "中知认证", "2019-03-01", "2022-02-28", None,
         "管理", "作废", None],
    ])
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 1, result.output
    assert "第 5 行：错误\n    状态：“作废”不是可选项，可选：已提交、已核验、已驳回。" in result.stdout
    from ipservice.certification.models import CertificationRecord
    from ipservice.core.tenancy import tenant_context
    from ipservice.extensions import db

    with app.app_context(), tenant_context("hebi"):
        recs = db.session.scalars(
            select(CertificationRecord).order_by(CertificationRecord.submitted_at)).all()
        got = [(r.certificate_no, r.status, r.decision_reason, r.decided_by) for r in recs]
    bureau_id = user_id(app, email)
    assert got == [("OLD-0001", "rejected", "扫描件不清", bureau_id),
                   ("OLD-0001", "verified", None, bureau_id), ("OLD-0002", "submitted", None, None)]
    verified = audit(app, "hebi", "certification.verified")
    rejected = audit(app, "hebi", "certification.rejected")
    assert len(verified) == 1 and len(rejected) == 1 and verified[0][1] == rejected[0][1] == email
    statuses = sorted(d["status"] for _a, _w, _i, d in audit(app, "hebi", "certification.imported"))
    assert statuses == ["rejected", "submitted", "verified"]
    again = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert "4 行：导入 0，跳过 3，错误 1" in again.stdout
    assert len(certifications(app, "hebi")) == 2


# --- usage errors, English, the CSV report -----------------------------------------------------------------

def test_missing_required_column_is_a_usage_error_naming_it(app, tmp_path, bureau_user):
    email = bureau_user("xian")
    headers = [h for h in CUSTODY_HEADERS if h not in ("企业规模", "所在双创示范基地")]
    path = xlsx(tmp_path / "c.xlsx", headers,
                [["甲", make_uscc(), "机构", "信息利用", "2024-01-01", "2025-01-01", "是"]])
    result = run(app, "custody", "--tenant", "xian", "--as", email, path)
    assert result.exit_code == 2
    assert "文件缺少必需的列：企业规模、所在双创示范基地" in result.output
    # Hebi's custody form has no innovation_base: only the scale is missing there.
    result = run(app, "custody", "--tenant", "hebi", "--as", bureau_user("hebi"), path)
    assert result.exit_code == 2 and "企业规模" in result.output and "所在双创示范基地" not in result.output
    en = run(app, "custody", "--tenant", "xian", "--as", email, "--lang", "en", path)
    assert en.exit_code == 2 and "missing required columns: 企业规模 (enterprise_scale)" in en.output


@pytest.mark.parametrize("case", ["tenant", "user", "other_tenant_user", "enterprise_user", "file", "no_as"])
def test_usage_errors_exit_2(app, tmp_path, bureau_user, enterprise, case):
    email = bureau_user("hebi")
    path = xlsx(tmp_path / "c.xlsx", CERT_HEADERS, [])
    args = ["certifications", "--tenant", "hebi", "--as", email, path]
    if case == "tenant":
        args[2] = "nowhere"
    elif case == "user":
        args[4] = "nobody@example.cn"
    elif case == "other_tenant_user":
        args[4] = bureau_user("xian")
    elif case == "enterprise_user":
        args[4] = enterprise("hebi").info["email"]
    elif case == "file":
        bogus = tmp_path / "not.xlsx"
        bogus.write_text("企业名称,统一社会信用代码\n")
        args[5] = bogus
    elif case == "no_as":
        del args[3:5]
    result = run(app, *args)
    assert result.exit_code == 2, result.output
    expected = {"tenant": "未知的地区“nowhere”", "user": "未找到用户 nobody@example.cn",
                "file": "无法读取文件",
                "other_tenant_user": "不能导入", "enterprise_user": "不能导入", "no_as": "--as"}[case]
    assert expected in result.output


def test_english_report_and_csv(app, tmp_path, bureau_user):
    email = bureau_user("hebi")
    path = xlsx(tmp_path / "hebi.xlsx", CERT_HEADERS, [
        ["单位一", make_uscc(), "enterprise", None, "EN-0001", "中知认证", "2019-01-10", "2022-01-09", None,
         "管理"],
        ["单位二", bad_check_digit(make_uscc()), "企业", None, "EN-0002", "中知认证", "2019-01-10",
         "2022-01-09", None, "=cmd()"],
    ])
    report = tmp_path / "report.csv"
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, "--lang", "en", "--report", report,
                 path)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "row 2: ok" in out and "row 3: error" in out
    assert ("    USCC: The check character of the unified social credit code is wrong; "
            "please verify it.") in out
    assert "2 rows: imported 1, skipped 0, errors 1" in out
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Row", "Result", "Details"]
    assert rows[1] == ["2", "ok", ""] and rows[2][:2] == ["3", "error"] and "USCC:" in rows[2][2]
    again = run(app, "certifications", "--tenant", "hebi", "--as", email, "--lang", "en", "--report", report,
                path)
    assert "row 2: skipped (exists: certificate number EN-0001)" in again.stdout
    rows = list(csv.reader(report.read_bytes().decode("utf-8-sig").splitlines()))
    assert rows[1] == ["2", "skipped", "exists: certificate number EN-0001"]
    # The default report is Chinese.
    zh = run(app, "certifications", "--tenant", "hebi", "--as", email, "--report", report, path)
    rows = list(csv.reader(report.read_bytes().decode("utf-8-sig").splitlines()))
    assert rows[0] == ["行号", "结果", "详情"] and rows[1] == ["2", "跳过", "已存在：证书编号 EN-0001"]
    assert "2 行：导入 0，跳过 1，错误 1" in zh.stdout


def test_the_progress_bar_is_on_stderr(app, tmp_path, bureau_user):
    email = bureau_user("hebi")
    path = xlsx(tmp_path / "hebi.xlsx", CERT_HEADERS, [
        ["单位一", make_uscc(), "企业", None, "PB-0001", "中知认证", "2019-01-10", "2022-01-09", None,
         "管理"]])
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 0
    assert "导入中" in result.stderr and "导入中" not in result.stdout


def test_imported_rows_are_the_tenants_own(app, tmp_path, bureau_user, bureau):
    """An import into Hebi is invisible from Xi'an."""
    email = bureau_user("hebi")
    path = xlsx(tmp_path / "hebi.xlsx", CERT_HEADERS, [
        ["单位一", make_uscc(), "企业", None, "T-0001", "中知认证", "2019-01-10", "2022-01-09", None,
         "管理"]])
    assert run(app, "certifications", "--tenant", "hebi", "--as", email, path).exit_code == 0
    assert len(certifications(app, "hebi")) == 1 and certifications(app, "xian") == {}
    xian = bureau("xian")
    assert xian.get("/t/xian/api/v1/certifications").get_json() == []
    hebi_bureau_token = token_for(xian.client, email)
    listed = xian.client.get("/t/hebi/api/v1/certifications",
                             headers={"Authorization": f"Bearer {hebi_bureau_token}"})
    assert [r["certificate_no"] for r in listed.get_json()] == ["T-0001"]


# --- cases: a protection center's existing ledger -------------------------------------------------------

CASE_HEADERS = ["申请人", "统一社会信用代码", "类型", "知识产权类型", "权利号", "对方当事人", "案情简介",
                "请求事项", "状态", "说明"]


def _case_row(name, uscc, status=None, note=None, right="202010566088.9", case_type="维权援助"):
    return [name, uscc, case_type, "专利", right, "某某侵权贸易有限公司",
            "对方销售的产品落入我方专利保护范围。", "请求提供维权援助。", status, note]


def test_case_ledger_import_numbers_works_and_skips(app, tmp_path, bureau_user, bureau):
    """A bureau brings its case ledger in: each row is filed through the case service (numbered, with its
    deadlines), a historical status is reached by the same moves as on the page (each in the history), a
    bad row is reported next to its column and leaves nothing, and importing the file again adds nothing."""
    from ipservice.cases.models import Case, CaseTransition

    email = bureau_user("hebi")
    a, b, c = make_uscc(), make_uscc(), make_uscc()
    rows = [
        _case_row("甲公司", a),
        _case_row("乙公司", b, "已结案", "双方达成和解，对方下架侵权产品。"),
        _case_row("丙公司", c, "不予受理", None),                      # declining needs a note
        _case_row("丁公司", make_uscc(), right="202010566088.1"),    # wrong check digit
        _case_row("戊公司", make_uscc(), case_type="海外纠纷应对"),       # Hebi does not take this type
    ]
    path = xlsx(tmp_path / "台账.xlsx", CASE_HEADERS, rows, title="鹤壁维权援助案件台账")
    result = run(app, "cases", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "第 3 行：导入成功" in out and "第 4 行：导入成功" in out
    assert "第 5 行：错误" in out and "说明：" in out
    assert "第 6 行：错误" in out and "权利号：" in out
    assert "第 7 行：错误" in out and "类型：" in out
    assert "5 行：导入 2，跳过 0，错误 3" in out
    assert count(app, "hebi", Case) == 2
    with app.app_context():
        from ipservice.core.tenancy import tenant_context
        from ipservice.extensions import db

        with tenant_context("hebi"):
            cases = {x.applicant_name: x for x in db.session.scalars(select(Case))}
            assert cases["甲公司"].status == "submitted" and cases["乙公司"].status == "closed"
            assert sorted(x.seq for x in cases.values()) == [1, 2]  # numbered without gaps
            steps = db.session.scalars(select(CaseTransition.to_status).where(
                CaseTransition.case_id == cases["乙公司"].id).order_by(CaseTransition.step)).all()
            assert steps == ["submitted", "accepted", "in_progress", "resolved", "closed"]
    assert len(audit(app, "hebi", "case.imported")) == 2
    # A bureau of the tenant sees them through the API like any other case.
    listed = bureau("hebi").get("/t/hebi/api/v1/cases").get_json()
    assert {x["enterprise"]["name"] for x in listed} == {"甲公司", "乙公司"}

    again = run(app, "cases", "--tenant", "hebi", "--as", email, path)
    assert "第 3 行：跳过（已存在：案件" in again.stdout and "第 4 行：跳过（已存在：案件" in again.stdout
    assert count(app, "hebi", Case) == 2


def test_rows_are_committed_in_batches_and_a_bad_row_still_leaves_nothing(app, tmp_path, bureau_user,
                                                                          monkeypatch):
    """Rows are committed every BATCH_ROWS under one SAVEPOINT each: with batches of 2, good rows on both
    sides of a batch boundary are kept, the bad ones (in the middle of a batch and at its end) leave no
    record, organization or placeholder user, and the placeholders cannot log in with any password."""
    from ipservice.certification.models import CertificationRecord
    from ipservice.importing import engine

    monkeypatch.setattr(engine, "BATCH_ROWS", 2)
    email = bureau_user("hebi")
    before_users = user_count(app)
    good = [make_uscc() for _ in range(4)]

    def row(name, uscc, number, issued="2019-01-10"):
        return [name, uscc, "企业", None, number, "中知认证", issued, "2022-01-09", None, "管理"]

    path = xlsx(tmp_path / "batches.xlsx", CERT_HEADERS, [
        row("一", good[0], "B-1"),                      # 2
        row("坏一", make_uscc(), "B-X", "2023-02-30"),   # 3: bad date
        row("二", good[1], "B-2"),                      # 4: the batch of 2 is committed here
        row("三", good[2], "B-3"),                      # 5
        row("坏二", bad_check_digit(make_uscc()), "B-Y"),  # 6
        row("四", good[3], "B-4"),                      # 7: committed at the end
    ])
    result = run(app, "certifications", "--tenant", "hebi", "--as", email, path)
    assert result.exit_code == 1, result.output
    assert "6 行：导入 4，跳过 0，错误 2" in result.stdout
    assert count(app, "hebi", CertificationRecord) == 4
    assert enterprise_count(app, "hebi") == 4 and user_count(app) == before_users + 4
    with app.test_client() as client:
        for password in ("", "!unusable", "not-a-real-password"):
            r = client.post("/api/v1/auth/token",
                            json={"email": f"uscc-{good[0].lower()}@hebi.import.invalid",
                                  "password": password})
            assert r.status_code in (400, 401, 422)
