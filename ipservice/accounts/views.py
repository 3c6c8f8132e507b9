"""Login, logout, password, API token and registration pages (session cookie + CSRF)."""
import secrets
from urllib.parse import urlencode, urlparse

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ipservice.accounts import recovery, schemas, services, throttle, tokens
from ipservice.core import hooks
from ipservice.core.access import access
from ipservice.core.transaction import keep_on_refusal
from ipservice.core.errors import Refusal
from ipservice.extensions import limiter, login_rate
from ipservice.forms.render import for_page, load_form

bp = Blueprint("accounts", __name__, template_folder="templates")


def _safe_next(target: str | None, default: str) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def home_for(user) -> str:
    """Where the user's day starts: the landing page an area offers for the role, else the tenant home."""
    from ipservice.core import hooks

    landing = hooks.landing_url(user)
    if landing:
        return landing
    if user.role == "cross_admin":
        return url_for("tenants.index")
    return url_for("tenants.home", tenant=user.tenant_id)


@bp.route("/login", methods=["GET", "POST"])
@access("anyone")
@throttle.per_address
@throttle.per_account
def login():
    schema = schemas.TokenRequestSchema()
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        if data:
            user = services.authenticate(data["email"], data["password"])
            if user is not None:
                throttle.refund_account()
                services.start_session(user)
                services.audit_auth("user.login", user, user.email, {"via": "page"})
                target = _safe_next(request.args.get("next"), home_for(user))
                step = hooks.login_step_url(user)  # e.g. a new privacy notice to accept first
                return redirect(f"{step}?{urlencode({'next': target})}" if step else target)
            services.audit_auth("user.login_failed", services.lookup_login(data["email"]), data["email"],
                                {"via": "page"}, by_user=False)
            keep_on_refusal()  # the failed attempt stays in the audit trail
            claim_state = hooks.login_refusal_message(data["email"], data["password"])
            message = claim_state or _("电子邮箱或密码不正确。")
            status = 403 if claim_state else 401
    status = status if message else (422 if errors else 200)
    return render_template("accounts/login.html", fields=for_page(schema), values=values, errors=errors,
                           message=message), status


@bp.route("/logout", methods=["POST"])
@access("anyone")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        services.end_sessions(user)  # every page session of the user ends, and the tokens they issued
        tokens.end_page_tokens(user)
        services.audit_auth("user.logout", user, user.email)
    logout_user()
    session.clear()
    flash(_("您已退出登录。"))
    return redirect(url_for("tenants.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@access("enterprise", "bureau", "cross_admin")
@limiter.limit(login_rate, methods=["POST"])
def change_password():
    schema = schemas.PasswordChangePageSchema()
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            try:
                services.change_password(current_user, data["current_password"], data["new_password"])
            except Refusal as exc:
                if exc.status != 422:
                    raise
                errors, status = exc.errors, 422
            else:
                # every other session ends with the change; this one goes on with the new generation
                session[services.SESSION_KEY] = current_user.session_generation
                flash(_("密码已修改。"))
                return redirect(home_for(current_user))
    return render_template("accounts/password.html", fields=for_page(schema), values={},
                           errors=errors), status


@bp.route("/password-reset", methods=["GET", "POST"])
@access("anyone")
@throttle.reset_per_address
@throttle.reset_per_account
def forgot_password():
    """忘记密码: the e-mail; the same answer whether it has an account or not."""
    schema = schemas.PasswordResetRequestSchema()
    values, errors, message = {}, {}, None
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        if data:
            recovery.request_reset(data["email"])
            message = recovery.requested_message()
        values = request.form if errors else {}
    return render_template("accounts/forgot.html", fields=for_page(schema), values=values, errors=errors,
                           message=message), 422 if errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@access("anyone")
@limiter.limit(login_rate, methods=["POST"])
def reset_password(token):
    """The link of the mail: a new password, typed twice. A used, expired or unknown link: 400, and the way
    to ask for a new one."""
    schema = schemas.PasswordResetPageSchema()
    errors, status, message = {}, 200, None
    if request.method == "GET" and not recovery.link_usable(token, recovery.RESET):
        message, status = _("该链接无效、已使用或已过期。请重新申请。"), 400
    elif request.method == "POST":
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            try:
                recovery.confirm_reset(token, data["password"])
            except Refusal as exc:
                if exc.status not in (400, 422):
                    raise
                status, message = exc.status, (exc.message if exc.status == 400 else None)
                errors = exc.errors if exc.status == 422 else {}
            else:
                logout_user()  # every session of the user has ended, this browser's too
                session.clear()
                flash(_("密码已重置，请用新密码登录。"))
                return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", fields=for_page(schema), values={}, errors=errors,
                           message=message, usable=status != 400), status


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
@access("anyone")
@limiter.limit(login_rate, methods=["POST"])
def verify_email(token):
    """The verification link of the mail: the page asks for one click (a mail scanner opening the link does
    not spend it); the POST proves the address."""
    if request.method == "POST":
        try:
            recovery.verify(token)
        except Refusal as exc:
            if exc.status != 400:
                raise
            return render_template("accounts/verify.html", message=exc.message, usable=False), 400
        flash(_("电子邮箱已验证。"))
        signed_in = current_user.is_authenticated
        return redirect(home_for(current_user) if signed_in else url_for("accounts.login"))
    usable = recovery.link_usable(token, recovery.VERIFY)
    message = None if usable else _("该链接无效、已使用或已过期。请重新申请。")
    return render_template("accounts/verify.html", message=message, usable=usable), 200 if usable else 400


@bp.route("/account/verify-email", methods=["POST"])
@access("enterprise", "bureau", "cross_admin")
@throttle.reset_per_address
def resend_verification():
    """The signed-in user asks for a new verification link (an address not verified yet)."""
    if current_user.email_verified_at is None:
        recovery.send_verification(current_user)
        flash(_("验证邮件已发送，请查收。"))
    return redirect(_safe_next(request.form.get("next"), home_for(current_user)))


@bp.route("/account/tokens", methods=["GET", "POST"])
@access("enterprise", "bureau", "cross_admin")
def api_tokens():
    """The user's API tokens (never their values) with a revoke button each; POST issues one for this login
    session, shown once, which ends with the session (logout)."""
    new_token = None
    # a session from before
    this_session = session.setdefault(tokens.SESSION_ID_KEY, secrets.token_urlsafe(16))
    if request.method == "POST":
        new_token, _expires = tokens.issue(current_user, this_session)
    return render_template("accounts/tokens.html", tokens=tokens.of_user(current_user), new_token=new_token,
                           this_session=this_session, page_url=url_for("accounts.api_tokens"))


@bp.route("/account/tokens/<token_id>/revoke", methods=["POST"])
@access("enterprise", "bureau", "cross_admin")
def revoke_token(token_id):
    tokens.revoke(current_user, token_id)  # another user's token: 404
    flash(_("令牌已撤销。"))
    return redirect(url_for("accounts.api_tokens"))


@bp.route("/t/<tenant>/register", methods=["GET", "POST"])
@access("anyone")
@throttle.register_attempts()
@throttle.register_refused
def register():
    schema = schemas.RegistrationPageSchema()
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            from ipservice.privacy import notice

            data["privacy_notice_version"] = notice.of(g.tenant).version  # the checkbox accepted this one
            try:
                enterprise = services.register_enterprise(g.tenant.slug, data)
            except Refusal as exc:  # USCC or e-mail taken: the field messages go next to the fields
                if exc.status != 409:
                    raise
                errors, status = exc.errors, 409
                # the claim page opens with what was typed (not the password), kept in the session
                session[CLAIM_PREFILL] = {k: values.get(k, "") for k in CLAIM_FIELDS}
            else:
                user = services.user_of(enterprise)
                services.start_session(user)  # registered: signed in, on the landing page
                services.audit_auth("user.login", user, user.email, {"via": "registration"})
                flash(_("注册成功，欢迎使用。"))
                return redirect(home_for(user))
    return _register_page(schema, values, errors, status)


CLAIM_PREFILL = "claim_prefill"
CLAIM_FIELDS = ("name", "uscc", "email", "contact_name", "contact_phone")


def _register_page(schema, values, errors, status, message=None):
    return render_template("accounts/register.html", fields=for_page(schema), values=values,
                           errors=errors, status=status, message=message), status


@bp.errorhandler(429)
def too_many_attempts(exc):
    """The registration page refused for its rate keeps the form and says how long to wait."""
    return throttle.keep_the_form(exc, "accounts.register", lambda message: _register_page(
        schemas.RegistrationPageSchema(), request.form, {}, 429, message))
