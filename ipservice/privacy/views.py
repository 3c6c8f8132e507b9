"""Pages: the tenant's privacy notice, accepting a new version after login, 我的个人信息 (the account's
privacy page: download, correction, erasure request, who looked) and the bureau's erasure requests and
access record. Session cookie + CSRF; the same services as the API."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ipservice.core.access import access
from ipservice.core.errors import Refusal, error
from ipservice.core.tenancy import current_tenant, tenant_context
from ipservice.extensions import db
from ipservice.forms.render import load_form
from ipservice.privacy import api, export, notice, services
from ipservice.privacy.models import ErasureRequest

bp = Blueprint("privacy", __name__, template_folder="templates")
SIGNED_IN = ("enterprise", "bureau", "cross_admin")


def _safe(target: str | None, default: str) -> str:
    # a path of this site only: not "//host" nor "/\\host" (browsers read a backslash as a slash)
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/t/<tenant>/privacy")
@access("anyone")
def notice_page():
    return render_template("privacy/notice.html", notice=notice.of(g.tenant))


@bp.route("/account/privacy/accept", methods=["GET", "POST"])
@access("enterprise", "bureau")
def accept():
    """A new version of the notice, shown after login until accepted."""
    target = _safe(request.values.get("next"), url_for("privacy.account"))
    with services.me_context(current_user):
        current = notice.of(current_tenant())
        if request.method == "POST":
            services.accept(current_user, current.version)
            flash(_("已接受个人信息保护告知（第 %(v)s 版）。", v=current.version))
            return redirect(target)
        return render_template("privacy/accept.html", notice=current, target=target)


def consent_step(user):
    """``hooks.login_step``: the accept page while an organization's user has not accepted the tenant's
    current notice (officials are the bureau's staff, not the public the notice informs: not asked)."""
    if user.role != "enterprise" or not user.tenant_id:
        return None
    with tenant_context(user.tenant_id):
        return url_for("privacy.accept") if services.needs_consent(user) else None


@bp.route("/account/privacy", methods=["GET", "POST"])
@access(*SIGNED_IN)
def account():
    errors, status = {}, 200
    with services.me_context(current_user):
        if request.method == "POST":
            errors, status = _post_account()
            if status == 303:
                return redirect(url_for("privacy.account"), 303)
        from ipservice.accounts.services import enterprise_of

        return render_template(
            "privacy/account.html", enterprise=enterprise_of(current_user), errors=errors,
            accesses=services.accesses_of(current_user), requests=services.own_requests(current_user),
            accepted=services.accepted_version(current_user),
            notice=notice.of(current_tenant()) if current_user.tenant_id else None), status


def _post_account():
    """The contact correction or the erasure request of the account page: ``(errors, status)``."""
    if request.form.get("action") == "contact" and current_user.role == "enterprise":
        data, errors = load_form(api.ContactIn(), request.form)
        if errors:
            return errors, 422
        services.correct_contact(current_user, data)
        flash(_("联系人信息已更正。"))
        return {}, 303
    if request.form.get("action") == "erasure" and current_user.role != "cross_admin":
        data, errors = load_form(api.ErasureIn(), request.form)
        if errors:
            return errors, 422
        try:
            services.request_erasure(current_user, data["reason"])
        except Refusal as exc:
            return {"reason": [exc.text]}, exc.status
        flash(_("删除请求已提交，本局将在告知规定的期限内作出决定。"))
        return {}, 303
    error(422)


@bp.route("/account/privacy/my-data.zip")
@access(*SIGNED_IN)
def my_data():
    with services.me_context(current_user):
        body = export.build(current_user)
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="my-data.zip"'})


@bp.route("/t/<tenant>/erasure-requests")
@access("bureau")
def requests_page():
    return render_template("privacy/requests.html", requests=services.erasure_requests(),
                           names=_emails({r.user_id for r in services.erasure_requests()}), errors={})


@bp.route("/t/<tenant>/erasure-requests/<request_id>/decision", methods=["POST"])
@access("bureau")
def decide(request_id):
    data, errors = load_form(api.DecisionIn(), request.form)
    if not errors:
        try:
            services.decide(current_user, request_id, data["decision"], data.get("reason"))
        except Refusal as exc:
            if exc.status == 404:
                raise
            errors = exc.errors or {"reason": [exc.text]}
    if errors:
        rows = services.erasure_requests()
        return render_template("privacy/requests.html", requests=rows,
                               names=_emails({r.user_id for r in rows}),
                               errors=errors, failed=request_id), 422
    flash(_("已作出决定。"))
    return redirect(url_for("privacy.requests_page"), 303)


@bp.route("/t/<tenant>/accesses")
@access("bureau")
def accesses_page():
    official = (request.args.get("official_id") or "")[:36] or None
    return render_template("privacy/accesses.html", accesses=services.accesses_by_official(official),
                           official=official)


def _emails(user_ids) -> dict:
    from ipservice.accounts.models import User

    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())


def nav():
    """我的个人信息 for every signed-in user; the bureau's erasure requests (with the open count) and access
    record in its own tenant."""
    if not current_user.is_authenticated:
        return []
    links = [{"url": url_for("privacy.account"), "label": _("我的个人信息")}]
    tenant = g.get("tenant")
    if current_user.role == "bureau" and tenant is not None and current_user.tenant_id == tenant.slug:
        waiting = db.session.scalar(select(func.count()).select_from(ErasureRequest)
                                    .where(ErasureRequest.status == "submitted"))
        label = _("删除请求") + (f" ({waiting})" if waiting else "")
        links += [{"url": url_for("privacy.requests_page"), "label": label},
                  {"url": url_for("privacy.accesses_page"), "label": _("查阅记录")}]
    return links
