"""Issue 20 (2): exports in the user's language and with real dates — the subsidy export ignored English
(sheet, headers, values) and was named in English in the Chinese UI; the English certification export's
"Estimate explanation" was Chinese; English KPI sheet names were cut mid-word at 31 characters; case-export
dates were text."""
import datetime as dt
import io
import re
from urllib.parse import unquote

from openpyxl import load_workbook

from tests.cases.conftest import file_case, move
from tests.certification.certification_helpers import submit as submit_certification
from tests.subsidy.subsidy_helpers import doc, filed

CJK = re.compile(r"[\u4e00-\u9fff]")


def _sheet(response):
    return load_workbook(io.BytesIO(response.data)).active


def _filename(response) -> str:
    return unquote(response.headers["Content-Disposition"].split("filename*=UTF-8''")[-1])


def _staff(app, api):
    from tests.conftest import page_login

    c = app.test_client()
    assert page_login(c, api.email).status_code == 302
    return c


def test_the_subsidy_export_speaks_the_users_language(app, enterprise, bureau):
    e = enterprise("xian")
    b = _staff(app, bureau("xian"))
    filed(e, "xian", "xian-2017-pledge-risk-compensation", "2018-06-01", object_no=doc(),
          base_amount_cny=1000)
    zh = b.get("/t/xian/subsidy-applications/export.xlsx")
    assert "资助申请" in _filename(zh) and _sheet(zh).title == "资助申请"
    en = b.get("/t/xian/subsidy-applications/export.xlsx?lang=en")
    ws = _sheet(en)
    assert ws.title == "Subsidy applications" and "subsidy-applications" in _filename(en)
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert not any(CJK.search(str(h)) for h in rows[1])
    status, org_type = rows[1].index("Status"), 4
    assert rows[2][status] == "Submitted" and not CJK.search(rows[2][org_type])
    csv = b.get("/t/xian/subsidy-applications/export.csv?lang=en").data.decode("utf-8-sig")
    assert not CJK.search(csv.splitlines()[0])


def test_the_english_certification_export_explains_the_estimate_in_english(app, enterprise, bureau):
    e = enterprise("xian")
    b = _staff(app, bureau("xian"))
    submit_certification(e, "xian")
    sheet = _sheet(b.get("/t/xian/certifications/export.xlsx?lang=en"))
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    column = rows[1].index("Estimate explanation")
    assert "the estimated grant is 30,000 yuan" in rows[2][column]  # the document's number stays as published
    sheet = _sheet(b.get("/t/xian/certifications/export.xlsx?lang=zh_CN"))
    zh = [[c.value for c in row] for row in sheet.iter_rows()]
    assert CJK.search(zh[2][zh[1].index("估算说明")])


def test_english_kpi_sheet_names_are_abbreviated_not_cut_mid_word(client):
    names = {}
    for tenant in ("xian", "hebi", "guangzhou", "tianjin-bonded"):
        workbook = client.get(f"/t/{tenant}/api/v1/kpis.xlsx?lang=en").data
        names[tenant] = load_workbook(io.BytesIO(workbook)).sheetnames
        assert all(len(n) <= 31 for n in names[tenant])
    assert "IP op. service system (TJBZ)" in names["tianjin-bonded"]  # was "Indicator table for building th"
    assert "Main development indicators (2020–2025)"[:31] not in names["xian"]
    assert "Main dev. ind. (2020–2025)" in names["xian"]
    assert "IP op. svc targets (2017–2019)" in names["xian"]


def test_case_export_dates_are_excel_dates(client, enterprise, bureau):
    from tests.conftest import page_login

    applicant, officer = enterprise("xian"), bureau("xian")
    case = file_case(applicant)
    move(officer, "xian", case["id"], "accepted", note=None)
    page_login(client, officer.email)
    ws = _sheet(client.get("/t/xian/cases/export.xlsx"))
    headers = [c.value for c in ws[2]]
    row = [c for c in ws[3]]
    for name in ("提交时间", "受理期限", "受理时间", "办结期限"):
        cell = row[headers.index(name)]
        assert isinstance(cell.value, dt.datetime) and cell.is_date, (name, cell.value)
    assert row[headers.index("受理期限")].number_format == "yyyy-mm-dd"
    assert row[headers.index("提交时间")].number_format == "yyyy-mm-dd hh:mm"
    csv = client.get("/t/xian/cases/export.csv").data.decode("utf-8-sig").splitlines()[1]
    assert re.search(r",\d{4}-\d{2}-\d{2} \d{2}:\d{2},\d{4}-\d{2}-\d{2},", csv)
