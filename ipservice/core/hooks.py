"""Where areas hook themselves into the app — connected by the app factory, not by import order.

Each area package (``ipservice/<area>/__init__.py``) may define ``init_app(app)``; the factory calls it
once per app, before the tenants are loaded and the blueprints registered, and the area adds what it
contributes here:

    hooks.nav(app, fn)            fn() -> [{"url", "label"}]: links in the header for the current user
    hooks.home_section(app, fn)   fn(tenant) -> (template, context) | None: a section of the tenant home
    hooks.demo_loader(app, fn)    fn(tenant, users): demo data for one tenant (``flask demo``)
    hooks.landing(app, fn)        fn(user) -> url | None: where the user's day starts (after login, and
                                  at the home of the user's own tenant); the first answer wins
    hooks.command(app, group)     a click command or group under ``flask``
    hooks.login_refusal(app, fn)  fn(email, password) -> message | None: what a login that failed is told
                                  instead of "wrong e-mail or password" (a claimant: the claim's state)
    hooks.audited(app, fn)        fn(event): every audit event as it is added, in the same transaction (the
                                  notifications' outbox writes its rows there)
    hooks.login_step(app, fn)     fn(user) -> url | None: a page the user must pass after a page login before
                                  going on (a new privacy notice to accept); it gets ``next``
    hooks.personal_data(app, fn)  fn(user) -> {"<file>.json": data}: the area's part of a person's copy of
                                  their data (``GET /api/v1/me/data``); lists under one name are joined
                                  (notifications register "notifications.json" here)
    hooks.work(app, fn)           fn() -> Work | None: work other than filings that waits for the tenant's
                                  bureau (erasure requests), on the worklist beside the filing kinds

Filing kinds register with ``core.filing.register_kind``; KPI metrics with ``kpi.metrics.metric``.
Everything is kept per app (``app.extensions``), so two apps in one process do not share registrations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

KEY = "ipservice.hooks"


@dataclass
class Hooks:
    nav: list = field(default_factory=list)
    home_sections: list = field(default_factory=list)
    demo_loaders: list = field(default_factory=list)
    landings: list = field(default_factory=list)
    login_refusals: list = field(default_factory=list)
    audit_listeners: list = field(default_factory=list)
    personal_data: list = field(default_factory=list)
    login_steps: list = field(default_factory=list)
    work: list = field(default_factory=list)


@dataclass(frozen=True)
class Work:
    """What an area gives the bureau's worklist: its kind of work (``name``, the ``kind`` of its items),
    the label (Chinese, English), the page that lists it, and every item waiting — each a dict with ``id``,
    ``due`` (a date or None), ``submitted_at``, ``status``, ``url`` and ``enterprise_id`` (or None)."""

    name: str
    label: tuple[str, str]
    url: str
    waiting: list


def of(app=None) -> Hooks:
    app = app or current_app
    return app.extensions.setdefault(KEY, Hooks())


def _add(items: list, fn):
    if fn not in items:
        items.append(fn)
    return fn


def nav(app, fn):
    return _add(of(app).nav, fn)


def home_section(app, fn):
    return _add(of(app).home_sections, fn)


def demo_loader(app, fn):
    return _add(of(app).demo_loaders, fn)


def landing(app, fn):
    return _add(of(app).landings, fn)


def login_refusal(app, fn):
    return _add(of(app).login_refusals, fn)


def audited(app, fn):
    return _add(of(app).audit_listeners, fn)


def audit_event(event) -> None:
    """Tell the listeners of an audit event just added to the session."""
    for fn in of().audit_listeners:
        fn(event)


def login_step(app, fn):
    return _add(of(app).login_steps, fn)


def login_step_url(user) -> str | None:
    """The first page an area asks the user to pass after login, if any."""
    return _first_answer(of().login_steps, user)


def _first_answer(fns, user) -> str | None:
    for fn in fns:
        url = fn(user)
        if url:
            return url
    return None


def work(app, fn):
    return _add(of(app).work, fn)


def waiting_work() -> list[Work]:
    """The other work waiting for the current tenant's bureau, in the order the areas were set up."""
    return [w for w in (fn() for fn in of().work) if w is not None]


def personal_data(app, fn):
    return _add(of(app).personal_data, fn)


def personal_data_parts(user) -> dict:
    """Every area's part of ``user``'s copy of their data, by file name."""
    parts: dict = {}
    for fn in of().personal_data:
        for name, data in (fn(user) or {}).items():
            parts[name] = parts.get(name, []) + data if isinstance(data, list) else data
    return parts


def login_refusal_message(email: str, password: str) -> str | None:
    """The first area's answer to a failed login, if one has something to say."""
    for fn in of().login_refusals:
        message = fn(email, password)
        if message:
            return message
    return None


def command(app, cmd):
    app.cli.add_command(cmd)
    return cmd


def nav_items() -> list[dict]:
    """The header links for the current user, in the order the areas were set up."""
    items = []
    for fn in of().nav:
        items.extend(fn() or [])
    return items


def home_sections(tenant) -> list:
    return [s for s in (fn(tenant) for fn in of().home_sections) if s]


def landing_url(user) -> str | None:
    """The page the user's day starts on, if an area offers one for the user's role."""
    return _first_answer(of().landings, user)
