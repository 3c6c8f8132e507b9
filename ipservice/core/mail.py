"""E-mail over SMTP: the one path every message takes (notifications, digests, later recovery links).

``IPSERVICE_SMTP_URL``: ``smtp://host:port`` (plain), ``smtp://host:587?starttls=1`` (STARTTLS),
``smtps://host:465`` (TLS from the start), with ``user:password@`` for a login (percent-encoded).
``IPSERVICE_MAIL_FROM``: the sender address. Without an SMTP URL nothing is mailed: ``configured()`` is
false and the log says so once; callers keep what they would have sent in the app.
"""
from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)
_TIMEOUT = 30


class MailError(Exception):
    """The message was not sent (the server is unreachable, refused it, …): try again later."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    ssl: bool
    starttls: bool
    user: str | None
    password: str | None


def parse_url(url: str) -> Server:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"IPSERVICE_SMTP_URL: smtp:// or smtps://, not {parts.scheme!r}")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes", "on")
    return Server(host=parts.hostname or "localhost",
                  port=parts.port or (465 if parts.scheme == "smtps" else 25),
                  ssl=parts.scheme == "smtps", starttls=starttls,
                  user=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None)


def configured(app=None) -> bool:
    app = app or current_app
    if app.config.get("IPSERVICE_SMTP_URL"):
        return True
    if not app.extensions.get("ipservice.mail.said"):
        app.extensions["ipservice.mail.said"] = True
        log.warning("IPSERVICE_SMTP_URL is not set: notifications stay in the app, no e-mail is sent")
    return False


def message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A message with a text part and, when given, an HTML alternative (UTF-8)."""
    sender = current_app.config.get("IPSERVICE_MAIL_FROM") or "ipservice@localhost"
    msg = EmailMessage()
    msg["From"] = formataddr(("ipservice", sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


@contextlib.contextmanager
def rendering(language: str | None):
    """Render a mail outside a request (a job): links absolute to ``IPSERVICE_BASE_URL``, texts in
    ``language`` ("en"; anything else: Chinese)."""
    from flask_babel import force_locale

    base = current_app.config.get("IPSERVICE_BASE_URL") or "http://localhost:5000"
    locale = "en" if language == "en" else "zh_CN"
    with current_app.test_request_context("/", base_url=base), force_locale(locale):
        yield


def send(msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server; ``MailError`` when it was not accepted."""
    server = parse_url(current_app.config["IPSERVICE_SMTP_URL"])
    try:
        if server.ssl:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=_TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=_TIMEOUT)
        with smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc
