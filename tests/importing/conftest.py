"""Page imports: the queue emptied around each test (the notifications' fixture), files of each kind with a
good and a bad row, and the API client of a bureau official."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

from tests.conftest import Api, create_user, token_for
from tests.notifications.conftest import drain, queue, sweep  # noqa: F401 — the queue fixture, a worker's work
from tests.subsidy.subsidy_helpers import patent
from tests.subsidy.test_subsidy_import_config import HEADERS as SUBSIDY_HEADERS
from tests.test_imports import (
    CASE_HEADERS,
    CERT_HEADERS,
    CUSTODY_HEADERS,
    _case_row,
    bad_check_digit,
    make_uscc,
    xlsx,
)

_SERIAL = itertools.count(1)
TENANT_OF = {"custody": "xian", "certification": "hebi", "case": "hebi", "subsidy": "hebi"}
COMMAND_OF = {"custody": "custody", "certification": "certifications", "case": "cases",
              "subsidy": "subsidies"}


def official(app, client, tenant: str, email: str | None = None) -> Api:
    email = email or f"importer{next(_SERIAL)}@{tenant}.gov.cn"
    create_user(app, email, "bureau", tenant)
    api = Api(client, token_for(client, email))
    api.email = email
    return api


def make_agency(app, tenant: str) -> str:
    """An approved custody agency of the tenant; its name (what a custody row names)."""
    from ipservice.core.tenancy import tenant_context
    from ipservice.custody import services
    from ipservice.extensions import db

    with app.app_context(), tenant_context(tenant):
        a = services.create_agency({"name": "西安知识产权托管服务有限公司", "uscc": make_uscc(),
                                    "contact": "王经理 029-81234567"})
        db.session.commit()
        name = a.name
        db.session.remove()
        return name


def sample(kind: str, path, app=None):
    """A workbook of ``kind`` with a good row and a bad one (a USCC with a wrong check character)."""
    if kind == "custody":
        agency = make_agency(app, "xian")
        rows = [["导入甲科技有限公司", make_uscc(), "小型", agency, "信息利用、专利申请",
                 dt.datetime(2024, 1, 1), "2026-12-31", "是", "国家级双创示范基地"],
                ["导入乙科技有限公司", bad_check_digit(make_uscc()), "小型", agency, "信息利用", "2024-01-01",
                 "2026-12-31", "否", "none"]]
        return xlsx(path, CUSTODY_HEADERS, rows)
    if kind == "certification":
        rows = [["导入甲单位", make_uscc(), "企业", None, f"PG-{next(_SERIAL):04d}", "中知认证", "2019-01-10",
                 "2022-01-09", None, "管理"],
                ["导入乙单位", bad_check_digit(make_uscc()), "企业", None, f"PG-{next(_SERIAL):04d}",
                 "中知认证", "2019-01-10", "2022-01-09", None, "管理"]]
        return xlsx(path, CERT_HEADERS, rows)
    if kind == "case":
        return xlsx(path, CASE_HEADERS, [_case_row("导入甲公司", make_uscc()),
                                         _case_row("导入乙公司", bad_check_digit(make_uscc()))])
    rows = [["导入甲科技有限公司", make_uscc(), "国内发明专利授权资助", "企业", "2019-06-01", patent(), None,
             None, None, None, None, None],
            ["导入乙科技有限公司", bad_check_digit(make_uscc()), "国内发明专利授权资助", "企业", "2019-06-01",
             patent(), None, None, None, None, None, None]]
    return xlsx(path, SUBSIDY_HEADERS, rows)


def upload(api: Api, tenant: str, kind: str | None, path=None, content: bytes | None = None,
           name="台账.xlsx"):
    data = {}
    if kind is not None:
        data["kind"] = kind
    if path is not None or content is not None:
        data["file"] = (io.BytesIO(content if content is not None else path.read_bytes()), name)
    return api.client.post(f"/t/{tenant}/api/v1/imports", data=data, content_type="multipart/form-data",
                           headers=api.headers())


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
