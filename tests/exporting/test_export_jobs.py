"""Exports too large for one request are built by a job (issue 21 item 7): 202 with the job, a notification
when the file is ready, the same file the request would have answered, downloadable by its owner only."""
import pytest

from tests.cases.conftest import file_case
from tests.notifications.conftest import drain


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)


def _three_cases(enterprise):
    applicant = enterprise("xian")
    for _ in range(3):
        file_case(applicant)
    return applicant


def test_a_large_export_is_queued_built_announced_and_the_same_file(app, queue, enterprise, bureau,
                                                                    monkeypatch, small_limit):
    _three_cases(enterprise)
    officer = bureau("xian")
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 100)
    direct = officer.get("/t/xian/api/v1/cases.csv")
    assert direct.status_code == 200  # under the limit: answered at once
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)

    r = officer.get("/t/xian/api/v1/cases.csv")
    assert r.status_code == 202, r.get_data(as_text=True)
    job = r.get_json()
    assert job["status"] == "queued" and job["rows"] == 3 and job["download_url"] is None
    assert r.headers["Location"].endswith(f"/exports/{job['id']}")
    assert officer.get(f"/t/xian/api/v1/exports/{job['id']}/file").status_code == 409  # not built yet

    assert drain(app) >= 1
    done = officer.get(f"/t/xian/api/v1/exports/{job['id']}").get_json()
    assert done["status"] == "done" and done["download_url"]
    file = officer.get(done["download_url"])
    assert file.status_code == 200 and file.get_data() == direct.get_data()
    assert "attachment" in file.headers["Content-Disposition"]

    notes = officer.get("/api/v1/notifications").get_json()
    ready = [n for n in notes if n["kind"] == "export.done"]
    assert len(ready) == 1 and "3" in ready[0]["title"] and ready[0]["link"].endswith("/t/xian/exports/")
    assert [j["id"] for j in officer.get("/t/xian/api/v1/exports").get_json()] == [job["id"]]


def test_the_job_run_twice_builds_once_and_tells_once(app, queue, enterprise, bureau, small_limit):
    from ipservice.core import jobs

    _three_cases(enterprise)
    officer = bureau("xian")
    job = officer.get("/t/xian/api/v1/cases.xlsx").get_json()
    drain(app)
    with app.app_context():
        jobs.of(app).run("exports.build", ("xian", job["id"]))  # a retry after the job had finished
    notes = [n for n in officer.get("/api/v1/notifications").get_json() if n["kind"].startswith("export.")]
    assert len(notes) == 1
    assert officer.get(f"/t/xian/api/v1/exports/{job['id']}/file").status_code == 200


def test_only_the_owner_sees_the_job_and_its_file(app, queue, enterprise, bureau, small_limit):
    applicant = _three_cases(enterprise)
    owner, colleague, elsewhere = bureau("xian"), bureau("xian"), bureau("hebi")
    job = owner.get("/t/xian/api/v1/cases.csv").get_json()
    drain(app)
    assert colleague.get(f"/t/xian/api/v1/exports/{job['id']}").status_code == 404
    assert colleague.get(f"/t/xian/api/v1/exports/{job['id']}/file").status_code == 404
    assert elsewhere.get(f"/t/hebi/api/v1/exports/{job['id']}").status_code == 404
    assert applicant.get(f"/t/xian/api/v1/exports/{job['id']}").status_code in (403, 404)
    assert colleague.get("/t/xian/api/v1/exports").get_json() == []


def test_the_page_lists_the_exports_in_both_languages(app, client, queue, enterprise, bureau, small_limit):
    from tests.conftest import page_login

    _three_cases(enterprise)
    officer = bureau("xian")
    officer.get("/t/xian/api/v1/cases.csv")
    drain(app)
    page_login(client, officer.email)
    zh = client.get("/t/xian/exports/?lang=zh").get_data(as_text=True)
    assert "我的导出" in zh and "已完成" in zh and "下载" in zh
    en = client.get("/t/xian/exports/?lang=en").get_data(as_text=True)
    assert "My exports" in en and "Done" in en and "Download" in en


def test_every_kind_documents_the_queued_answer(app, client):
    from ipservice.core import filing

    doc = client.get("/api/v1/openapi.json").get_json()
    paths = [f"/t/{{tenant}}/api/v1/{k.api.path}.{fmt}"
             for k in filing.kinds(app) if k.api for fmt in ("xlsx", "csv")]
    assert len(paths) >= 8
    assert all("202" in doc["paths"][p]["get"]["responses"] for p in paths)
