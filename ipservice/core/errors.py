"""One error shape for the API, an HTML page for browsers, every message in the user's language.

Services refuse with the domain error ``Refusal`` (``error(...)`` raises it) and never answer HTTP; the
request turns it into the contract's JSON error or the error page here (``refusal_response``), a page view
into messages beside the fields (``forms.render.refusal``), the importer into a report row.
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_smorest import Api as _SmorestApi
from werkzeug.exceptions import HTTPException


# Reason phrases and default messages, translated (the JSON "status" stays the English reason phrase,
# as the contract fixes it; "message" is in the user's language).
def default_message(code: int) -> str:
    return {
        400: _("请求格式不正确。"),
        401: _("需要登录或有效的令牌。"),
        403: _("您的角色无权执行此操作。"),
        404: _("未找到该资源。"),
        405: _("不支持该请求方法。"),
        409: _("与当前状态冲突。"),
        413: _("上传的文件过大。"),
        415: _("不支持的文件类型。"),
        422: _("提交的数据未通过校验。"),
        429: _("请求过于频繁，请稍后再试。"),
        500: _("服务器内部错误。"),
        503: _("服务暂时不可用。"),
    }.get(code, "")


def wants_json() -> bool:
    return "/api/" in request.path


class Api(_SmorestApi):
    """flask-smorest's Api, with localized messages and HTML error pages outside the API, and an OpenAPI
    document that types every field (``core.openapi``)."""

    from ipservice.core.openapi import ErrorSchema as ERROR_SCHEMA

    def _init_spec(self, **kwargs):
        from ipservice.core import openapi

        kwargs.setdefault("marshmallow_plugin", openapi.marshmallow_plugin())
        super()._init_spec(**kwargs)
        openapi.configure(self.ma_plugin.converter)

    def handle_http_exception(self, error: HTTPException):
        from ipservice.core.i18n import localize_errors

        code = error.code or 500
        data = getattr(error, "data", {}) or {}
        text = _message(error, code, data)
        errors = fold_unknown(data.get("messages") or data.get("errors"))
        if wants_json():
            body = {"code": code, "status": error.name, "message": text}
            if errors:
                body["errors"] = localize_errors(errors)
            return body, code, _headers(error, data)
        return render_template("error.html", code=code, message=text), code


def _message(error: HTTPException, code: int, data: dict) -> str:
    """The message a refusal was given, else its own description (not werkzeug's English default, nor a
    rate limit's), else the status's default message in the user's language."""
    message = data.get("message") or getattr(error, "description_override", None)
    explicit = message if isinstance(message, str) else None
    if explicit is None and error.description and not _is_werkzeug_default(error) and code != 429:
        explicit = error.description
    return explicit or default_message(code) or error.name


def _headers(error: HTTPException, data: dict) -> dict:
    """The headers the refusal names, and the error's own (Retry-After, Allow…) except its content type."""
    headers = data.get("headers") or {}
    if hasattr(error, "get_headers"):
        for k, v in error.get_headers():
            if k.lower() != "content-type":
                headers.setdefault(k, v)
    return headers


def _is_werkzeug_default(error: HTTPException) -> bool:
    return error.description == type(error).description


class Refusal(Exception):
    """A domain refusal: what was refused (``status``, an HTTP-like code: 403, 404, 409, 413, 415, 422…),
    why (``message``, already in the user's language) and which fields (``errors``: ``{field: [text]}``,
    found under ``location`` — json, query, files — in the API's error body)."""

    def __init__(self, status: int, message: str | None = None, errors: dict | None = None,
                 location: str = "json", headers: dict | None = None):
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.location = location
        self.headers = headers or {}

    @property
    def text(self) -> str:
        """The message, else the field messages, else the status's default message."""
        from ipservice.core.i18n import localize_errors

        fields = flat_errors(localize_errors(self.errors))
        return (self.message or " ".join(t for ts in fields.values() for t in ts)
                or default_message(self.status))


class NotFound(Refusal):
    """No such object, or not one the caller may see (404)."""


class Conflict(Refusal):
    """The object's state or another writer came first: a duplicate, a decision already made (409)."""


class Invalid(Refusal):
    """The input breaks a rule (422; 413/415 for an upload)."""


class Forbidden(Refusal):
    """The caller's role or organization may not do this (403)."""


class Unavailable(Refusal):
    """Something the work needs does not answer (503)."""


KINDS = {404: NotFound, 409: Conflict, 413: Invalid, 415: Invalid, 422: Invalid, 403: Forbidden,
         503: Unavailable}


def error(code: int, message: str | None = None, errors: dict | None = None, location: str = "json"):
    """Refuse with the contract's error shape; ``errors`` are field messages under ``location``. The
    refusal is of the domain type of ``code`` (``Conflict`` for 409…), a ``Refusal`` whatever the code."""
    raise KINDS.get(code, Refusal)(code, message, errors, location)


def refusal_response(exc: Refusal):
    """The answer to a refusal nobody handled nearer: the contract's JSON error (API) or the error page."""
    from werkzeug.http import HTTP_STATUS_CODES

    from ipservice.core.i18n import localize_errors

    text = exc.message or default_message(exc.status) or HTTP_STATUS_CODES.get(exc.status, "")
    if wants_json():
        body = {"code": exc.status, "status": HTTP_STATUS_CODES.get(exc.status, "Unknown"), "message": text}
        if exc.errors:
            body["errors"] = localize_errors({exc.location: fold_unknown(exc.errors)})
        return body, exc.status, exc.headers
    return render_template("error.html", code=exc.status, message=text), exc.status, exc.headers


UNKNOWN_FIELD = "Unknown field."  # marshmallow's message, one per unknown key (Schema.error_messages)
UNKNOWN_NAMED = 5  # how many unknown keys the one message names
_NAME_SHOWN = 40  # characters of each


def fold_unknown(errors):
    """marshmallow's "Unknown field." per key, at any depth: up to ``UNKNOWN_NAMED`` stay under their keys
    (as the contract has them); more are folded into one message under ``_schema`` naming the first few
    (shortest first, then alphabetical: marshmallow keeps no order) and how many there are, so that a body
    of many unknown keys is one line, not one entry per key."""
    if not isinstance(errors, dict):
        return errors
    unknown = [k for k, v in errors.items() if v == [UNKNOWN_FIELD]]
    if len(unknown) <= UNKNOWN_NAMED:
        return {k: (v if k in unknown else fold_unknown(v)) for k, v in errors.items()}
    out = {k: fold_unknown(v) for k, v in errors.items() if v != [UNKNOWN_FIELD]}
    first = sorted((str(k) for k in unknown), key=lambda k: (len(k), k))[:UNKNOWN_NAMED]
    names = _("、").join(k[:_NAME_SHOWN] for k in first)
    out.setdefault("_schema",
                   []).append(_("不认识的字段：%(names)s 等 %(n)s 个。", names=names, n=len(unknown)))
    return out


def flat_errors(errors) -> dict:
    """Field errors as ``{field: [text, …]}``: the errors of a list's items folded into the field."""
    def texts(value):
        if isinstance(value, dict):
            return [t for v in value.values() for t in texts(v)]
        if isinstance(value, (list, tuple)):
            return [t for v in value for t in texts(v)]
        return [str(value)]

    return {k: texts(v) for k, v in (errors or {}).items()}
