"""ipservice — IP programs of several Chinese districts in one Flask service."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy.exc import DataError

from ipservice.config import Config

log = logging.getLogger(__name__)



def areas() -> list[str]:
    """The sub-packages of ``ipservice`` that are areas (all but ``core``), in their ``ORDER`` (their
    ``__init__`` may set it; 100 otherwise): a new area is a new folder, nothing here names it."""
    import importlib
    import pkgutil

    names = [m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and m.name != "core"]
    modules = {n: importlib.import_module(f"{__name__}.{n}") for n in names}
    return sorted(names, key=lambda n: (getattr(modules[n], "ORDER", 100), n))


def create_app(config: dict | None = None) -> Flask:
    """The only place that wires things together."""
    # The instance folder (secret key, SQLite file, uploads, compiled catalogs) is the deployment's to
    # choose: INSTANCE_PATH in the config or IPSERVICE_INSTANCE_PATH; Flask's default is the checkout's.
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("IPSERVICE_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path,
                static_folder=str(Path(__file__).parent.parent / "static"))
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _defaults(app)
    _security(app)

    from ipservice.core import (access, calendar, filing, hooks, i18n, labels, request_guard, tenancy,
                                transaction)
    from ipservice.core.errors import Refusal, refusal_response
    from ipservice.core.idempotency import new_form_token
    from ipservice.core.types import china_time
    from ipservice.extensions import (
        api,
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
    )
    from ipservice.forms.render import tenant_field_rows
    from ipservice.tenants import registry

    from ipservice.core import jobs

    jobs.install(app)  # before the areas, which register their jobs
    _set_up_areas(app)  # the filing kinds say what a tenant folder may hold
    strict = app.config["IPSERVICE_TENANTS_STRICT"]
    registry.load(app.config["TENANTS_DIR"], filing.kinds(app), app,
                  size=app.config["IPSERVICE_TENANT_CACHE"],
                  # strict: a broken folder stops here
                  strict=app.config["TESTING"] if strict is None else strict)
    import ipservice.models  # noqa: F401 — the whole metadata, for Alembic

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True)
    compiled = i18n.compile_catalogs(Path(app.config["TRANSLATIONS_DIR"]),
                                     Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    api.init_app(app)
    tenancy.install(app, registry.get)
    _install_auth(app)
    _register_blueprints(app, api, csrf)
    transaction.install(app)
    app.register_error_handler(Refusal, refusal_response)

    app.before_request(access.enforce)
    app.before_request(request_guard.refuse_nul)
    app.before_request(request_guard.limit_body)
    app.register_error_handler(DataError, request_guard.data_error)
    from ipservice.core import unavailable

    unavailable.install(app)  # the database unreachable: 503 with Retry-After
    app.after_request(i18n.remember_language)
    from ipservice.core import http_cache

    http_cache.install(app)
    app.after_request(_security_headers)
    app.jinja_env.filters["zh"] = i18n.mark_zh
    app.jinja_env.filters["listing"] = i18n.listing
    app.jinja_env.globals.update(
        pick=i18n.pick, is_english=i18n.is_english, lang_url=_lang_url, role_label=labels.role_label,
        status_label=labels.status_label,
        rule_kind_label=labels.rule_kind_label,
        task_status_label=labels.task_status_label, nav_items=hooks.nav_items, local_time=china_time,
        new_form_token=new_form_token, tenant_field_rows=tenant_field_rows,
        deadline_estimated=calendar.is_estimated,
    )
    _register_cli(app)
    access.check_all_declared(app)
    return app


def _defaults(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "ipservice.db")
    from ipservice.core import dbtimeouts

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dbtimeouts.engine_options(
        app.config, app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["SECRET_KEY"]:
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            os.chmod(key_file, 0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")


def _install_auth(app: Flask) -> None:
    from flask_login import AnonymousUserMixin

    from ipservice.accounts import services, tokens
    from ipservice.core.access import is_api_request
    from ipservice.extensions import login_manager

    @login_manager.user_loader
    def load_user(user_id):
        return services.user_for_session(user_id)

    @app.before_request
    def api_bearer_only():
        # The API authenticates with bearer tokens only: a session cookie is not accepted there, so the
        # CSRF-exempt API cannot be driven from a browser session. (Flask-Login reads g._login_user.)
        if not is_api_request():
            return
        header = request.headers.get("Authorization", "")
        user = None
        if header[:7].lower() == "bearer ":
            user = tokens.user_from_token(header[7:].strip())
        g._login_user = user or AnonymousUserMixin()

    from ipservice.core import dbtimeouts

    dbtimeouts.install(app)  # every wait on the database ends; SQLite's pragmas


def _set_up_areas(app: Flask) -> None:
    """Each area's ``init_app(app)``, where it hooks itself in (``core.hooks``, ``core.filing``)."""
    import importlib

    for area in areas():
        init_app = getattr(importlib.import_module(f"ipservice.{area}"), "init_app", None)
        if init_app is not None:
            init_app(app)


def _register_blueprints(app: Flask, api, csrf) -> None:
    """Each area's ``api.BLUEPRINTS`` (flask-smorest, token-authenticated, CSRF-exempt) and ``views.bp``."""
    import importlib

    for area in areas():
        for part in ("api", "views"):
            name = f"ipservice.{area}.{part}"
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name in (f"ipservice.{area}", name):
                    continue
                raise
            if part == "api":
                for blp in module.BLUEPRINTS:
                    api.register_blueprint(blp)
                    csrf.exempt(blp)
            else:
                app.register_blueprint(module.bp)
    from ipservice.core import filing, filing_api, filing_pages

    for kind in filing.kinds(app):  # one API and one set of pages for every filing kind, from its declaration
        if kind.api is not None:
            blp = filing_api.blueprint(kind)
            api.register_blueprint(blp)
            csrf.exempt(blp)
        if kind.pages is not None:
            app.register_blueprint(filing_pages.blueprint(kind))


def _lang_url(lang: str) -> str:
    """The current page in another language (the choice is remembered in a cookie)."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _security(app: Flask) -> None:
    """Proxy, cookies, headers, where rate limits count (core.security); before the extensions bind."""
    from ipservice.core import security

    security.install(app)


def _register_cli(app: Flask) -> None:
    from ipservice.cli import register

    register(app)
