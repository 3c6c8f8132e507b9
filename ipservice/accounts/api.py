from flask.views import MethodView
from flask_babel import gettext as _
from ipservice.extensions import Blueprint

from ipservice.accounts import recovery, schemas, services, throttle, tokens
from ipservice.core import hooks
from ipservice.core.access import access
from ipservice.core.transaction import keep_on_refusal
from ipservice.core.errors import error
from ipservice.extensions import limiter, login_rate

auth_blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="令牌 — API tokens")
register_blp = Blueprint("api_register", __name__, url_prefix="/t/<tenant>/api/v1",
                         description="企业注册 — enterprise registration")


@auth_blp.route("/token")
class TokenResource(MethodView):
    decorators = [throttle.per_address, throttle.per_account]

    @access("anyone")
    @auth_blp.arguments(schemas.TokenRequestSchema)
    @auth_blp.response(200, schemas.TokenSchema)
    @auth_blp.alt_response(401, description="bad e-mail or password (one answer for both)")
    @auth_blp.alt_response(403,
                           description="no account yet: the e-mail and password of an organization claim; "
                                            "the message says the claim's state")
    def post(self, data):
        """Exchange e-mail and password for a bearer token."""
        user = services.authenticate(data["email"], data["password"])
        if user is None:
            services.audit_auth("user.login_failed", services.lookup_login(data["email"]), data["email"],
                                {"via": "api"}, by_user=False)
            keep_on_refusal()  # the failed attempt stays in the audit trail
            claim_state = hooks.login_refusal_message(data["email"], data["password"])
            if claim_state:  # a claimant who typed the claim's password: the claim's state
                error(403, claim_state)
            error(401, _("电子邮箱或密码不正确。"))
        throttle.refund_account()
        token, expires_at = tokens.issue(user)
        return {"token": token, "expires_at": expires_at, "user": user}

    @access("enterprise", "bureau", "cross_admin")
    @auth_blp.response(204)
    @auth_blp.alt_response(401, description="no valid token presented")
    def delete(self):
        """Revoke the token this request presents (sign out of the API); it no longer authenticates."""
        from flask import g
        from flask_login import current_user

        tokens.revoke(current_user, g.get("api_token_id"))


@auth_blp.route("/tokens")
class TokenListResource(MethodView):
    @access("enterprise", "bureau", "cross_admin")
    @auth_blp.response(200, schemas.TokenInfoSchema(many=True))
    def get(self):
        """The caller's unexpired tokens, newest first (never their values); ``current``: the one
        presented."""
        from flask import g
        from flask_login import current_user

        presented = g.get("api_token_id")
        return [{"token": t, "current": t.id == presented} for t in tokens.of_user(current_user)]


@auth_blp.route("/tokens/<token_id>")
class TokenItemResource(MethodView):
    @access("enterprise", "bureau", "cross_admin")
    @auth_blp.response(204)
    @auth_blp.alt_response(404, description="no token of the caller with this id")
    def delete(self, token_id):
        """Revoke one of the caller's tokens."""
        from flask_login import current_user

        tokens.revoke(current_user, token_id)


@auth_blp.route("/password")
class PasswordResource(MethodView):
    decorators = [limiter.limit(login_rate)]

    @access("enterprise", "bureau", "cross_admin")
    @auth_blp.arguments(schemas.PasswordChangeSchema)
    @auth_blp.response(204)
    def post(self, data):
        """Change the caller's password; every token of the caller (this one too) is revoked."""
        from flask_login import current_user

        services.change_password(current_user, data["current_password"], data["new_password"])


@auth_blp.route("/password-reset")
class PasswordResetResource(MethodView):
    decorators = [throttle.reset_per_address, throttle.reset_per_account]

    @access("anyone")
    @auth_blp.arguments(schemas.PasswordResetRequestSchema)
    @auth_blp.response(202, schemas.MessageSchema)
    @auth_blp.alt_response(429, description="too many requests from this address or for this e-mail (counted "
                                            "alike whether it has an account)")
    def post(self, data):
        """忘记密码: a single-use link valid one hour is mailed to the account's address. The same answer
        whether the address has an account or not."""
        recovery.request_reset(data["email"])
        return {"message": recovery.requested_message()}


@auth_blp.route("/password-reset/confirm")
class PasswordResetConfirmResource(MethodView):
    decorators = [limiter.limit(login_rate)]

    @access("anyone")
    @auth_blp.arguments(schemas.PasswordResetConfirmSchema)
    @auth_blp.response(200, schemas.MessageSchema)
    @auth_blp.alt_response(400, description="a used, expired or unknown token (one answer)")
    def post(self, data):
        """Set a new password with the token of a reset link (once); every session and API token of the
        user ends."""
        recovery.confirm_reset(data["token"], data["password"])
        return {"message": _("密码已重置，请用新密码登录。")}


@register_blp.route("/register")
class RegisterResource(MethodView):
    decorators = [throttle.register_attempts(), throttle.register_refused]

    @access("anyone")
    @register_blp.arguments(schemas.RegistrationSchema)
    @register_blp.response(201, schemas.EnterpriseSchema)
    @register_blp.alt_response(409,
                               description="USCC registered in the tenant, or an e-mail that cannot be used "
                                                "(one neutral answer whoever holds it)")
    def post(self, data):
        """Register an enterprise (统一社会信用代码 with a verified check character)."""
        from flask import g

        return services.register_enterprise(g.tenant.slug, data)
BLUEPRINTS = [auth_blp, register_blp]
