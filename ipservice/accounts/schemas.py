from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ipservice.accounts import passwords

from ipservice.core.openapi import ComputedString
from ipservice.core.types import ChinaDateTime
from ipservice.core.validators import Email, Phone, Text, Uscc


def label(zh: str, en: str, **extra) -> dict:
    """Field metadata: the labels a form shows (the same schema renders the page and the OpenAPI)."""
    return {"label_zh": zh, "label_en": en, **extra}


NEW_PASSWORD = label("新密码（至少 8 位，不能是常见密码）",
                     "New password (at least 8 characters, not a common one)", widget="password")


class ConfirmedPassword(Schema):
    """A new-password page's second field: the password typed again (``CONFIRMS`` names the first). Pages
    only: the API takes the password once (its clients check it themselves); a mismatch is 422 beside this
    field."""

    CONFIRMS = "password"
    password_confirmation = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                                          metadata=label("再次输入新密码", "New password again",
                                                         widget="password"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for attr in ("fields", "load_fields"):  # shown right after the password it repeats
            found = dict(getattr(self, attr))
            again, ordered = found.pop("password_confirmation"), {}
            for name, field in found.items():
                ordered[name] = field
                if name == self.CONFIRMS:
                    ordered["password_confirmation"] = again
            setattr(self, attr, ordered)

    @validates_schema(skip_on_field_errors=False)
    def same_password(self, data, **kwargs):
        from flask_babel import gettext as _

        typed, again = data.get(self.CONFIRMS), data.get("password_confirmation")
        if typed is not None and again is not None and typed != again:
            raise ValidationError({"password_confirmation": [_("两次输入的密码不一致。")]})


class RegistrationSchema(Schema):
    """企业注册 — enterprise sign-up."""

    name = Text(required=True, max_length=200, metadata=label("单位名称", "Organization name"))
    uscc = Uscc(required=True, metadata=label("统一社会信用代码", "Unified social credit code (USCC)"))
    email = Email(required=True, validate=validate.Length(max=254),
                  metadata=label("电子邮箱（登录名）", "E-mail (login)"))
    password = fields.String(required=True, load_only=True,
                             metadata=label("密码（至少 8 位，不能是常见密码）",
                                            "Password (at least 8 characters, not a common one)",
                                            widget="password"))
    contact_name = Text(required=True, max_length=100, metadata=label("联系人", "Contact person"))
    contact_phone = Phone(required=True, metadata=label("联系电话", "Contact phone"))
    # The version of the tenant's privacy notice the registrant accepted (GET
    # /t/<tenant>/api/v1/privacy-notice). Optional, so that a 1.0 client keeps registering: without it the
    # account accepts the notice at its first page login; a version other than the current one is 422.
    privacy_notice_version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000),
                                            metadata={"hidden": True})

    @validates_schema(skip_on_field_errors=False)
    def password_policy(self, data, **kwargs):
        if "password" in data:
            refused = passwords.problems(data["password"], data.get("email"), data.get("uscc"))
            if refused:
                raise ValidationError({"password": refused})


class RegistrationPageSchema(RegistrationSchema, ConfirmedPassword):
    """The registration page: the password typed twice; the notice's checkbox is required (its version is the
    tenant's current one)."""

    accept_privacy_notice = fields.Boolean(
        required=True, load_only=True,
        metadata=label("我已阅读并同意《个人信息保护告知》", "I have read and accept the privacy notice"))

    @validates("accept_privacy_notice")
    def notice_accepted(self, value, **kwargs):
        from flask_babel import gettext as _

        if value is not True:
            raise ValidationError(_("请阅读并同意《个人信息保护告知》。"))


class EnterpriseSchema(Schema):
    id = fields.String()
    name = fields.String()
    uscc = fields.String()


class TokenRequestSchema(Schema):
    email = Text(required=True, max_length=254, metadata=label("电子邮箱", "E-mail"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                             metadata=label("密码", "Password", widget="password"))


class PasswordChangeSchema(Schema):
    """修改密码 — the current password, and a new one that passes the policy."""

    current_password = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                                     metadata=label("当前密码", "Current password", widget="password"))
    new_password = fields.String(required=True, load_only=True, metadata=NEW_PASSWORD)


class PasswordChangePageSchema(PasswordChangeSchema, ConfirmedPassword):
    """The password page: the new password typed twice."""

    CONFIRMS = "new_password"


class PasswordResetRequestSchema(Schema):
    """忘记密码 — the account's e-mail."""

    email = Text(required=True, max_length=254, metadata=label("电子邮箱（登录名）", "E-mail (login)"))


class PasswordResetConfirmSchema(Schema):
    """A new password with the token of a reset link."""

    token = Text(required=True, max_length=200,
                 metadata=label("链接中的令牌", "The token of the link", hidden=True))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                             metadata=NEW_PASSWORD)


class PasswordResetPageSchema(ConfirmedPassword):
    """The reset page (the token is in its address): the new password typed twice."""

    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128),
                             metadata=NEW_PASSWORD)


class MessageSchema(Schema):
    """An answer that only says something, in the caller's language."""

    message = fields.String(required=True)


class UserSchema(Schema):
    id = fields.String()
    email = fields.String()
    role = fields.String()
    tenant = fields.String(attribute="tenant_id", allow_none=True)


class TokenSchema(Schema):
    token = fields.String()
    expires_at = ChinaDateTime()
    user = fields.Nested(UserSchema)


class TokenInfoSchema(Schema):
    """One of the caller's tokens: when it was made, how, until when; never its value."""

    id = fields.String(attribute="token.id")
    created_at = ChinaDateTime(attribute="token.created_at")
    expires_at = ChinaDateTime(attribute="token.expires_at")
    issued_from = ComputedString(compute=lambda row: "page" if row["token"].session_id else "api",
                                 validate=validate.OneOf(["page", "api"]),
                                 metadata={"description": "page: the account page (ends with that login "
                                                          "session); api: POST /api/v1/auth/token"})
    current = fields.Boolean(metadata={"description": "the token this request presents"})
