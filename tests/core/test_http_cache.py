"""The published documents answer with an ETag and Cache-Control, and 304 to a client that has them (issue
23 item 4); the tag follows the document: another language, a reported KPI actual → another tag."""
import pytest

DOCUMENTS = [f"/t/xian/api/v1/{d}" for d in ("policy", "forms", "subsidy-rules", "kpis")]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_a_document_is_revalidated_with_its_etag(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "Accept-Language" in first.headers["Vary"]
    assert first.headers["Cache-Control"] in ("public, max-age=300", "no-cache")
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    stale = client.get(path, headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()


def test_the_tag_depends_on_the_language(client):
    zh = client.get("/t/xian/api/v1/forms", headers={"Accept-Language": "zh"})
    en = client.get("/t/xian/api/v1/forms?lang=en")
    assert zh.headers["ETag"] != en.headers["ETag"] or zh.get_data() == en.get_data()


def test_the_kpi_table_tag_changes_when_an_actual_is_reported(client, bureau):
    officer = bureau("xian")
    before = client.get("/t/xian/api/v1/kpis")
    assert before.headers["Cache-Control"] == "no-cache"
    row = next(k for k in before.get_json() if k["source"] == "reported" and k["targets"])
    year = row["targets"][0]["year"]
    r = officer.put(f"/t/xian/api/v1/kpis/{row['code']}/actuals/{year}", json={"value": 7})
    assert r.status_code in (200, 201), r.get_json()
    after = client.get("/t/xian/api/v1/kpis", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]


def test_a_list_of_filings_is_not_cached(client, enterprise):
    r = enterprise("xian").get("/t/xian/api/v1/cases")
    assert r.status_code == 200 and "ETag" not in r.headers
