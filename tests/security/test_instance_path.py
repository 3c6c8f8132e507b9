"""Uploads (and every other file the service writes) follow the instance path, not the checkout's
``instance/`` folder: a deployment that sets its own instance folder finds its files there."""
from pathlib import Path

from tests.certification.certification_helpers import file_post, pdf_bytes, submit
from tests.conftest import Api, register_enterprise


def test_uploads_go_under_a_custom_instance_path(app, tmp_path):
    from ipservice import create_app

    instance = tmp_path / "inst"
    config = {k: v for k, v in app.config.items() if k not in ("UPLOAD_DIR",)}
    other = create_app({**config, "UPLOAD_DIR": "", "INSTANCE_PATH": str(instance)})
    assert Path(other.instance_path) == instance
    assert Path(other.config["UPLOAD_DIR"]) == instance / "uploads"
    client = other.test_client()
    e = Api(client, register_enterprise(client, "xian")["token"])
    rec = submit(e, "xian")
    r = file_post(e, f"/t/xian/api/v1/certifications/{rec['id']}/attachments", pdf_bytes())
    assert r.status_code == 201, r.get_json()
    stored = [p for p in (instance / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == [r.get_json()["id"]]


def test_the_instance_path_comes_from_the_environment(app, tmp_path, monkeypatch):
    from ipservice import create_app

    monkeypatch.setenv("IPSERVICE_INSTANCE_PATH", str(tmp_path / "from-env"))
    config = {k: v for k, v in app.config.items() if k not in ("UPLOAD_DIR",)}
    other = create_app({**config, "UPLOAD_DIR": ""})
    assert Path(other.config["UPLOAD_DIR"]) == tmp_path / "from-env" / "uploads"
