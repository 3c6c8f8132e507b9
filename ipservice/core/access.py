"""Every view declares who may call it; the app refuses to start if one does not.

``@access("anyone")``, ``@access("enterprise")``, ``@access("bureau", "enterprise")``… on a view function
or on each method of a MethodView. A ``before_request`` hook enforces it:
- unauthenticated → 401 (API) or the login page (browser);
- a user of another tenant on a tenant URL → 404 (checked first), so nobody learns what exists elsewhere;
- authenticated with another role → 403.
API requests authenticate with a bearer token only; pages with the session cookie (and CSRF).
"""
from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user

ROLES = ("enterprise", "bureau", "cross_admin")
ANYONE = "anyone"
# Endpoints that flask and flask-smorest add themselves; public by nature.
BUILTIN_PUBLIC = {"static", "api-docs.openapi_json"}


def access(*roles: str):
    for role in roles:
        if role not in ROLES + (ANYONE,):
            raise ValueError(f"unknown role {role!r}")
    if not roles:
        raise ValueError("access() needs at least one role or 'anyone'")

    def decorate(fn):
        fn.access_roles = frozenset(roles)
        return fn

    return decorate


def declared_roles(view, method: str):
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        meth = getattr(view_class, method.lower(), None)
        if meth is None and method == "HEAD":
            meth = getattr(view_class, "get", None)
        return getattr(meth, "access_roles", None)
    return getattr(view, "access_roles", None)


def check_all_declared(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in BUILTIN_PUBLIC:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if declared_roles(view, method) is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    if missing:
        raise RuntimeError("routes without an access declaration: " + "; ".join(missing))


def is_api_request() -> bool:
    return "/api/" in request.path


def enforce():
    from ipservice.core.errors import error

    if request.endpoint is None or request.endpoint in BUILTIN_PUBLIC or request.method == "OPTIONS":
        return None
    roles = declared_roles(current_app.view_functions[request.endpoint], request.method)
    if roles is None:  # cannot happen after check_all_declared; fail closed anyway
        error(403)
    if ANYONE in roles:
        return None
    user = current_user
    if not user.is_authenticated:
        if is_api_request():
            error(401)
        return redirect(url_for("accounts.login", next=request.full_path))
    tenant = g.get("tenant")
    if tenant is not None and user.tenant_id is not None and user.tenant_id != tenant.slug:
        error(404)  # another district's user learns nothing, whatever its role
    if user.role not in roles:
        error(403)
    if tenant is not None and user.tenant_id != tenant.slug:
        error(404)
    return None
