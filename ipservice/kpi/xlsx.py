"""``kpis.xlsx``: one sheet per published table, in its layout (序号, 类别, 指标名称, years…, 年均预增)."""
from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ipservice.core.i18n import is_english, pick
from ipservice.kpi.services import kpi_table
from ipservice.tenants.config import Tenant

THIN = Side(style="thin", color="888888")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _year_cell(row: dict, year: int):
    baseline = row["baseline"]
    if baseline and baseline["year"] == year:
        return _cell(baseline["value"])
    target = next((t for t in row["targets"] if t["year"] == year), None)
    if target is None:
        return ""
    return target["display_note"] if target["value"] is None else _cell(target["value"])


# The published layout's headers; English on request (?lang=en / Accept-Language), like every export.
HEADERS = {
    "seq": ("序号", "No."), "category": ("类别", "Category"), "name": ("指标名称", "Indicator"),
    "unit": ("单位", "Unit"), "year": ("{y}年", "{y}"),
    "growth_published": ("年均预增（公布）", "Annual growth (published)"),
    "growth_recomputed": ("年均预增（复算）", "Annual growth (recomputed)"),
    "actual": ("{y}年实际", "{y} actual"),
    "source": ("数据来源", "Source"), "citation": ("依据", "Citation"), "computed": ("系统计算", "Computed"),
    "reported": ("填报", "Reported"),
    "from_text": ("；本表目标摘自文件正文，文件未公布此表",
                  "; targets taken from the document's text (no such table is published)"),
}


def _h(key: str, **kw) -> str:
    zh, en = HEADERS[key]
    return pick(zh, en).format(**kw)


# Shorter forms of the words of the published tables' English titles, tried in order until a title fits
# Excel's 31 characters (never cut mid-word): the phrases first, then single words.
ABBREVIATIONS = (
    ("Indicator table for building the IP operation service system of the Tianjin Port Bonded Zone",
     "IP op. service system (TJBZ)"),
    ("Targets of the IP operation service system", "IP op. service targets"),
    ("Three-year", "3-year"), ("operation", "op."), ("service", "svc"), ("system", "sys."),
    ("development", "dev."), ("Demonstration", "Demo"), ("indicators", "ind."), ("Indicators", "Ind."),
    ("targets", "tgts"), ("Targets", "Tgts"),
)


def shortened(title: str, limit: int = 31) -> str:
    """``title`` within ``limit`` characters: abbreviated word by word, else whole words dropped from the
    end."""
    for long, short in ABBREVIATIONS:
        if len(title) <= limit:
            break
        title = title.replace(long, short)
    while len(title) > limit and " " in title:
        title = title.rsplit(" ", 1)[0].rstrip(",:;—–- ")
    return title[:limit]


def sheet_title(title: str, taken: list[str]) -> str:
    """The table's title as a sheet name: without the characters Excel forbids, at most 31 characters
    (abbreviated, not cut mid-word), unique in the workbook."""
    name = shortened(re.sub(r"[\[\]:*?/\\]", "", title).strip("' ")) or "Sheet"
    n = 2
    while name in taken:
        suffix = f" ({n})"
        name, n = name[:31 - len(suffix)] + suffix, n + 1
    return name


def build(tenant: Tenant) -> Workbook:
    rows = kpi_table(tenant)
    wb = Workbook()
    wb.remove(wb.active)
    for table in tenant.kpi_tables:
        ws = wb.create_sheet(title=sheet_title(pick(table.title_zh, table.title_en), wb.sheetnames))
        headers = _headers(table)
        _title_rows(ws, tenant, table, len(headers))
        _header_row(ws, headers)
        for r, row in enumerate((x for x in rows if x["table"] == table.code), start=4):
            _indicator_row(ws, r, row, table)
        _layout(ws, len(headers))
    return wb


def _headers(table) -> list[str]:
    """序号, 类别, 指标名称, 单位, the target years, the growth columns where published, the actual years,
    the source and the citation."""
    headers = [_h("seq"), _h("category"), _h("name"), _h("unit")] + [_h("year", y=y) for y in table.years]
    if table.has_growth_column:
        headers += [_h("growth_published"), _h("growth_recomputed")]
    return headers + [_h("actual", y=y) for y in table.years] + [_h("source"), _h("citation")]


def _title_rows(ws, tenant: Tenant, table, ncols: int) -> None:
    """Row 1: the tenant and the table's title; row 2: the document it is published in."""
    doc = tenant.document(table.document)
    title = (f"{tenant.name_en} — {table.title_en}" if is_english() else f"{tenant.name_zh}{table.title_zh}")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    origin = _h("from_text") if table.from_text else ""
    # The document's title stays as published; its English follows on an English export.
    english_title = f" ({doc.title_en})" if is_english() and doc.title_en else ""
    ws.cell(row=2, column=1,
            value=f"{doc.title}{('（' + doc.number + '）') if doc.number else ''}{english_title}{origin}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)


def _header_row(ws, headers: list[str]) -> None:
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=c, value=h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX


def _indicator_row(ws, r: int, row: dict, table) -> None:
    """One indicator: its targets per year, the growth columns, its actuals, where it comes from."""
    values = [row["seq"], row["display"]["category"], row["display"]["name"], row["display"]["unit"]]
    values += [_year_cell(row, y) for y in table.years]
    if table.has_growth_column:
        g = row["recomputed_growth"]
        values += [row["display"]["published_growth"] or "", f"{g * 100:.2f}%" if g is not None else ""]
    acts = {a["year"]: a["value"] for a in row["actuals"]}
    values += [_cell(acts.get(y)) for y in table.years]
    values += [_h("computed") if row["source"] == "computed" else _h("reported"),
               f"{row['citation']['document']} {row['citation']['clause']}"]
    for c, v in enumerate(values, start=1):
        cell = ws.cell(row=r, column=c, value=v)
        cell.border = BOX
        cell.alignment = Alignment(vertical="top", wrap_text=True)


def _layout(ws, ncols: int) -> None:
    """Column widths, the header row frozen and repeated on every printed page, A4 landscape one page wide."""
    widths = {1: 6, 2: 18, 3: 40, 4: 8}
    for c in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 13)
    ws.column_dimensions[get_column_letter(ncols)].width = 28
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
