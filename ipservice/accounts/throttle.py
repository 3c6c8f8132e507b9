"""Login throttles, shared by the login page and the token endpoint (one budget, not one per endpoint).

- per client address: ``RATE_LIMIT_LOGIN`` attempts (behind nginx the address is the client's, from
  ProxyFix);
- per account: ``RATE_LIMIT_LOGIN_ACCOUNT`` *failed* attempts for one e-mail, from any address. Every
  attempt is counted before its password is checked (an atomic increment: a concurrent burst checks at
  most the budget), and a successful login gives its attempt back (``refund_account``), so only failures
  stay counted; once the budget is spent every attempt for that e-mail is 429 until the window ends, the
  right password included, so that spreading guesses over many addresses gains nothing.
- password-reset requests: per address (``RATE_LIMIT_LOGIN``) and per typed e-mail
  (``RATE_LIMIT_RESET_ACCOUNT``), shared by the page and the API;
- registrations refused with 409 per address: ``RATE_LIMIT_REGISTER_REFUSED``;
- registrations (and claims) per address: ``RATE_LIMIT_REGISTER``, counting well-formed ones only — a form
  sent back for a missing field or a wrong check character costs nothing (``register_attempts``).
A page refused with 429 keeps what was typed and says how long to wait (``wait_seconds``, Retry-After).
Counters live where Flask-Limiter stores them: Redis or the database (ipservice.core.ratelimit).
"""
from __future__ import annotations

from flask import current_app, request

from ipservice.extensions import limiter, login_rate, register_rate


def login_account_rate() -> str:
    return current_app.config["RATE_LIMIT_LOGIN_ACCOUNT"]


def login_account_key() -> str:
    from ipservice.accounts.services import normalize_email

    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # nested too deeply: the view answers 400; no account to count against
        data = None
    email = data.get("email") if isinstance(data, dict) or hasattr(data, "getlist") else None
    return "account:" + (normalize_email(str(email)) if email else "-")


def reset_account_rate() -> str:
    return current_app.config["RATE_LIMIT_RESET_ACCOUNT"]


def register_refused_rate() -> str:
    return current_app.config["RATE_LIMIT_REGISTER_REFUSED"]


def _refused(response) -> bool:
    return response.status_code == 409


per_address = limiter.shared_limit(login_rate, scope="login", methods=["POST"])
ACCOUNT_SCOPE = "login-account"
per_account = limiter.shared_limit(login_account_rate, scope=ACCOUNT_SCOPE, key_func=login_account_key,
                                   methods=["POST"])
# Password-reset requests (page and API, one budget): per client address as logins are, and per typed e-mail
# from any address — counted alike whether the e-mail has an account, so the 429 tells nothing either.
reset_per_address = limiter.shared_limit(login_rate, scope="password-reset", methods=["POST"])
reset_per_account = limiter.shared_limit(reset_account_rate, scope="password-reset-account",
                                         key_func=lambda: "reset-" + login_account_key(), methods=["POST"])
# Registrations refused because the e-mail (or USCC) cannot be used, per address: asking "is this e-mail
# taken?" over and over is what an enumeration does; a person mistyping does it a few times.
register_refused = limiter.shared_limit(register_refused_rate, scope="register-refused", methods=["POST"],
                                        deduct_when=_refused)


def _well_formed(response) -> bool:
    return response.status_code not in (400, 422)  # a validation refusal changed nothing: not counted


def register_attempts(methods=("POST",)):
    """The registration budget of a view (its own counter per view, as ``limiter.limit`` keeps it)."""
    return limiter.limit(register_rate, methods=list(methods), deduct_when=_well_formed)


def wait_seconds() -> int:
    """Seconds until the limit this request broke lets the next attempt through (at least 1)."""
    import time

    spent = limiter.current_limit
    return max(1, int(spent.reset_at - time.time()) + 1) if spent else 60


def wait_message(seconds: int) -> str:
    """How long to wait, in the user's language and in minutes when it is a minute or more."""
    from flask_babel import gettext as _

    if seconds < 60:
        return _("尝试次数过多，请在 %(n)s 秒后再试。您填写的内容已保留（密码需重新输入）。", n=seconds)
    return _("尝试次数过多，请在 %(n)s 分钟后再试。您填写的内容已保留（密码需重新输入）。",
             n=-(-seconds // 60))


def refund_account() -> None:
    """Give back the attempt a successful login spent on its account (counted before the check)."""
    for spent in limiter.current_limits:  # none when rate limiting is off
        if ACCOUNT_SCOPE in spent.request_args and limiter.storage.get(spent.key) > 0:
            limiter.storage.incr(spent.key, spent.limit.get_expiry(), amount=-1)


def keep_the_form(exc, endpoint: str, render):
    """A blueprint's 429 handler: on ``endpoint`` the form comes back as typed, ``render(message)`` →
    ``(body, status)``, with how long to wait in words and in Retry-After; elsewhere the usual answer."""
    from ipservice.extensions import api

    if request.endpoint != endpoint:
        return api.handle_http_exception(exc)
    seconds = wait_seconds()
    body, _status = render(wait_message(seconds))
    return body, 429, {"Retry-After": str(seconds)}
