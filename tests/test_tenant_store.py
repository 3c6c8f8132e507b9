"""Tenants loaded on demand (issue 23 item 3): start-up reads each folder's identity only; a tenant's full
configuration is read on its first use and kept in a bounded cache; a broken folder makes its own district
answer 503 (the others serve) and is found before deployment by ``flask --app wsgi tenants check``."""
from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from ipservice import create_app
from ipservice.tenants import TenantUnavailable, loader, registry
from ipservice.tenants.store import TenantStore, read_identity
from tests.conftest import replace_in

ROOT = Path(__file__).resolve().parents[1] / "tenants"


@pytest.fixture
def make_app(app, tmp_path):
    """Apps of their own on a tenants folder (not strict unless asked) and the session app's database; the
    session app's extension state
    (Flask-Limiter, flask-smorest keep one app's on their single object) is put back afterwards."""
    from ipservice.extensions import api, limiter

    saved = {ext: dict(vars(ext)) for ext in (api, limiter)}

    def make(root, **config):
        return create_app({"TENANTS_DIR": str(root), "SECRET_KEY": "x", "TESTING": True,
                           "IPSERVICE_TENANTS_STRICT": False, "INSTANCE_PATH": str(tmp_path / "instance"),
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],  # its schema
                           "IPSERVICE_QUEUE_INPROCESS": False,
                           "QUEUE_SQLITE_FILE": str(tmp_path / "queue.db"), **config})

    yield make
    for ext, state in saved.items():
        vars(ext).clear()
        vars(ext).update(state)


def _many(root: Path, copies: int) -> Path:
    """The four shipped tenants and ``copies`` copies of hebi (as bench/run.py makes them)."""
    shutil.copytree(ROOT, root)
    for n in range(copies):
        slug = f"hebi-{n:04d}"
        shutil.copytree(ROOT / "hebi", root / slug)
        replace_in(root / slug / "tenant.toml", 'slug = "hebi"', f'slug = "{slug}"')
    return root


def _count_full_loads(monkeypatch) -> list[str]:
    loaded, real = [], loader.load_tenant

    def counting(folder, kinds):
        loaded.append(folder.name)
        return real(folder, kinds)

    monkeypatch.setattr(loader, "load_tenant", counting)
    return loaded


def test_start_up_with_many_folders_parses_no_full_configuration(make_app, tmp_path, monkeypatch):
    root = _many(tmp_path / "tenants", 60)
    loaded = _count_full_loads(monkeypatch)
    app = make_app(root)
    store = registry.of(app)
    assert loaded == [] and store.loads == 0 and len(store) == 64
    assert store.identities["hebi-0042"].name_zh == "鹤壁市"

    client = app.test_client()
    assert client.get("/").status_code == 200  # the districts' list: identities only
    assert loaded == []
    assert client.get("/t/hebi-0007/overview").status_code == 200
    assert loaded == ["hebi-0007"]
    assert client.get("/t/hebi-0007/overview").status_code == 200
    assert loaded == ["hebi-0007"]  # kept


def test_a_strict_start_up_loads_every_folder(make_app, tmp_path, monkeypatch):
    root = _many(tmp_path / "tenants", 2)
    loaded = _count_full_loads(monkeypatch)
    make_app(root, IPSERVICE_TENANTS_STRICT=True)
    assert sorted(loaded) == sorted(p.name for p in root.iterdir())


def test_the_cache_evicts_beyond_its_bound_and_reloads(app):
    from ipservice.core import filing

    store = TenantStore(ROOT, filing.kinds(app), size=2)
    store.scan()
    hebi = store["hebi"]
    store["xian"]
    assert store["hebi"] is hebi and store.loads == 2  # hebi used last: xian is the one to go
    store["guangzhou"]
    assert store.cached() == ["hebi", "guangzhou"] and store.loads == 3
    again = store["xian"]
    assert store.loads == 4 and store.cached() == ["guangzhou", "xian"]
    assert again == store["xian"] and again.slug == "xian"


def test_two_threads_asking_for_one_tenant_load_it_once(app, monkeypatch):
    """The first thread loads and holds the tenant's lock; the second, arriving meanwhile (it has missed the
    cache), waits for it and takes what it loaded."""
    from ipservice.core import filing

    store = TenantStore(ROOT, filing.kinds(app))
    store.scan()
    inside, release, real = threading.Event(), threading.Event(), loader.load_tenant

    def slow(folder, kinds):
        inside.set()
        release.wait(30)
        return real(folder, kinds)

    monkeypatch.setattr(loader, "load_tenant", slow)
    got = {}

    def ask(name):
        got[name] = store["xian"]

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    assert inside.wait(30)
    waiting = threading.Event()

    class Watched:  # the first thread's lock, telling when the second thread (past the cache) waits on it
        def __init__(self, lock):
            self.lock = lock

        def __enter__(self):
            waiting.set()
            return self.lock.__enter__()

        def __exit__(self, *exc):
            return self.lock.__exit__(*exc)

    assert store.cached() == []
    with store._lock:
        assert store._loading["xian"].locked()
        store._loading["xian"] = Watched(store._loading["xian"])
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    try:
        assert waiting.wait(30)
    finally:
        release.set()
    first.join(30)
    second.join(30)
    assert store.loads == 1 and got["first"] is got["second"]


def test_a_broken_folder_answers_503_in_the_readers_language_and_the_others_serve(make_app, tmp_path,
                                                                                    caplog):
    root = tmp_path / "tenants"
    shutil.copytree(ROOT, root)
    replace_in(root / "hebi" / "policy.toml", "amount_cny", "amout_cny")
    app = make_app(root)  # not strict: it starts
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="ipservice.tenants"):
        zh = client.get("/t/hebi/overview")
        en = client.get("/t/hebi/api/v1/policy", headers={"Accept-Language": "en"})
    assert zh.status_code == 503 and "鹤壁市的配置有误" in zh.get_data(as_text=True)
    assert en.status_code == 503 and en.get_json()["message"].startswith("Hebi's configuration is broken")
    logged = [r.getMessage() for r in caplog.records if "hebi" in r.getMessage()]
    assert len(logged) == 1 and "hebi/policy.toml: rules." in logged[0]
    assert "amout_cny: Unknown field" in logged[0]
    assert client.get("/t/xian/overview").status_code == 200
    listed = client.get("/api/v1/tenants").get_json()
    assert [t["slug"] for t in listed] == ["guangzhou", "tianjin-bonded", "xian"]  # hebi left out of its page
    assert "鹤壁市" in client.get("/").get_data(as_text=True)  # its identity is sound: still listed
    with app.app_context():
        assert [t.slug for t in registry.all()] == ["guangzhou", "tianjin-bonded", "xian"]
        with pytest.raises(TenantUnavailable):
            registry.get("hebi")


def test_a_broken_identity_is_named_with_its_file_and_field(tmp_path):
    folder = tmp_path / "anyang"
    shutil.copytree(ROOT / "hebi", folder)
    with pytest.raises(loader.TenantConfigError, match=r"anyang/tenant\.toml: slug: 'hebi' differs"):
        read_identity(folder)
    replace_in(folder / "tenant.toml", 'slug = "hebi"', 'slug = "anyang"')
    replace_in(folder / "tenant.toml", 'name_en = "Hebi"\n', "")
    with pytest.raises(loader.TenantConfigError, match=r"anyang/tenant\.toml: name_en: Missing data"):
        read_identity(folder)


def test_tenants_check_finds_a_folder_broken_after_start(make_app, tmp_path):
    root = tmp_path / "tenants"
    shutil.copytree(ROOT, root)
    app = make_app(root)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["tenants", "check"])
    assert ok.exit_code == 0 and "4 个地区的配置均无误" in ok.output

    replace_in(root / "hebi" / "kpis.toml", "[[indicators]]", "[[indicators]]\nsurprise = 1")
    replace_in(root / "guangzhou" / "tenant.toml", 'name_en = "', 'name_en = 3\nold_name_en = "')
    zh = runner.invoke(args=["tenants", "check"])
    en = runner.invoke(args=["tenants", "check", "--lang", "en"])
    assert zh.exit_code == 1 and en.exit_code == 1
    assert "hebi/kpis.toml: indicators.0.surprise: Unknown field" in zh.output
    assert "guangzhou/tenant.toml: name_en: Not a valid string" in zh.output
    assert "4 个地区中 2 个的配置有误" in zh.output
    assert "2 of 4 districts have a broken configuration" in en.output


def test_the_tenants_form_classes_are_bounded_with_them(app, monkeypatch):
    """A worker serving every district in turn keeps as many tenants' form classes as it keeps tenants."""
    from ipservice import forms

    monkeypatch.setitem(app.config, "IPSERVICE_TENANT_CACHE", 1)
    with app.app_context():
        built = forms._of()
        monkeypatch.setattr(built, "cache", type(built.cache)())
        for slug in ("xian", "hebi", "guangzhou"):
            tenant = registry.get(slug)
            for form in forms.registered():
                forms.schema_for(tenant, form)
        assert len(built.cache) <= len(built.builders)
        assert {key[0] for key in built.cache} == {"guangzhou"}
        tenant = registry.get("guangzhou")
        assert forms.schema_for(tenant, forms.registered()[0]) is forms.schema_for(tenant,
                                                                                   forms.registered()[0])


def test_an_identity_beyond_plain_lines_is_read_by_the_toml_parser(tmp_path):
    folder = tmp_path / "hebi"
    shutil.copytree(ROOT / "hebi", folder)
    replace_in(folder / "tenant.toml", 'name_en = "Hebi"',
               'name_en = "He\\u0062i"  # an escape\nextra = [1, 2]')
    assert read_identity(folder).name_en == "Hebi"
