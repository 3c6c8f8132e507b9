"""Login throttles, shared by the login page and the token endpoint (one budget, not one per endpoint).

- per client address: ``RATE_LIMIT_LOGIN`` attempts (behind nginx the address is the client's, from
  ProxyFix);
- per account: ``RATE_LIMIT_LOGIN_ACCOUNT`` *failed* attempts for one e-mail, from any address. Only
  failures count (``deduct_when``); once the budget is spent every attempt for that e-mail is 429 until
  the window ends, the right password included, so that spreading guesses over many addresses gains
  nothing.
- registrations refused with 409 per address: ``RATE_LIMIT_REGISTER_REFUSED``.
Counters live where Flask-Limiter stores them: Redis or the database (ipservice.core.ratelimit).
"""
from __future__ import annotations

from flask import current_app, request

from ipservice.extensions import limiter, login_rate


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


def _failed(response) -> bool:
    return response.status_code == 401


def register_refused_rate() -> str:
    return current_app.config["RATE_LIMIT_REGISTER_REFUSED"]


def _refused(response) -> bool:
    return response.status_code == 409


per_address = limiter.shared_limit(login_rate, scope="login", methods=["POST"])
per_account = limiter.shared_limit(login_account_rate, scope="login-account", key_func=login_account_key,
                                   methods=["POST"], deduct_when=_failed)
# Registrations refused because the e-mail (or USCC) cannot be used, per address: asking "is this e-mail
# taken?" over and over is what an enumeration does; a person mistyping does it a few times.
register_refused = limiter.shared_limit(register_refused_rate, scope="register-refused", methods=["POST"],
                                        deduct_when=_refused)
