"""A bureau's 贯标 ledger as an XLSX file for ``flask import certifications`` (openpyxl, write-only).

Each organization appears twice (two certificates: the second gets no second subsidy), every row is
valid, seven in ten were verified already (the import records the decision), and every organization is
new to the tenant (the import creates it). ``prefix`` keeps the certificate numbers and USCCs of one file
apart from another's.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "证书编号", "认证机构", "发证日期", "有效期至", "辅导机构",
           "认证范围", "状态"]


def _uscc(series: str, n: int) -> str:
    from stdnum.cn import uscc

    body = f"91000008{series}{n:07d}"
    return body + uscc.calc_check_digit(body)


def write_ledger(path: Path, rows: int, series: str) -> Path:
    """``rows`` rows; ``series``: two characters of the USCC alphabet (no I, O, S, V, Z) for this file."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("贯标备案")
    ws.append(HEADERS)
    base = dt.date(2018, 1, 10)
    for n in range(rows):
        org = n // 2
        issued = base + dt.timedelta(days=(n * 37) % 2500)
        expires = dt.date(issued.year + 3, issued.month, min(issued.day, 28)) - dt.timedelta(days=1)
        ws.append([f"鹤壁导入测试企业{series}{org}号", _uscc(series, org), "企业", f"IMP{series}{n:08d}",
                   "中知（北京）认证有限公司", issued, expires, None, "与研发、生产和销售相关的知识产权管理",
                   "已核验" if n % 10 < 7 else "已提交"])
    wb.save(path)
    return path
