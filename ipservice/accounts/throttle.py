"""Login throttles, shared by the login page and the token endpoint (one budget, not one per endpoint).

- per client address: ``RATE_LIMIT_LOGIN`` attempts (behind nginx the address is the client's, from
  ProxyFix);
- per account: ``RATE_LIMIT_LOGIN_ACCOUNT`` *failed* attempts for one e-mail, from any address. Only
  failures count (``deduct_when``); once the budget is spent every attempt for that e-mail is 429 until
  the window ends, the right password included, so that spreading guesses over many addresses gains
  nothing.
Counters live where Flask-Limiter stores them: Redis or the database (ipservice.core.ratelimit).
"""
from __future__ import annotations

from flask import current_app, request

from ipservice.extensions import limiter, login_rate


def login_account_rate() -> str:
    return current_app.config["RATE_LIMIT_LOGIN_ACCOUNT"]


def login_account_key() -> str:
    from ipservice.accounts.services import normalize_email

    data = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("email") if isinstance(data, dict) or hasattr(data, "getlist") else None
    return "account:" + (normalize_email(str(email)) if email else "-")


def _failed(response) -> bool:
    return response.status_code == 401


per_address = limiter.shared_limit(login_rate, scope="login", methods=["POST"])
per_account = limiter.shared_limit(login_account_rate, scope="login-account", key_func=login_account_key,
                                   methods=["POST"], deduct_when=_failed)
