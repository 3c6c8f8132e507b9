"""Forwarded headers count only from the proxies the deployment trusts (issue 18).

Behind nginx (``IPSERVICE_PROXY_COUNT`` = how many proxies add X-Forwarded-*), Werkzeug's ProxyFix takes the
client's address, scheme and host from those headers. But a client that reaches gunicorn directly (a port
left open, a bind on every interface) would choose its own address: a new X-Forwarded-For per attempt, and
the per-address login limit is gone, the audit trail records what the client wrote. So the headers are
honoured only when the request's peer — the address the connection really came from — is one of
``IPSERVICE_TRUSTED_PROXIES`` (addresses or networks; default the loopback addresses, where nginx on the
same host connects from). From any other peer, and with no proxy count set, they are removed before the
application sees them: the request is taken at its peer's address.

The settings are read per request (cheap: the parsed list is kept per value), so the app can be told
about its proxies after it is made.
"""
from __future__ import annotations

import ipaddress
import re

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def networks(value: str) -> tuple:
    """``"127.0.0.1, ::1 10.0.0.0/8"`` as networks (a bare address is a network of one); ValueError names
    what is not an address."""
    found = []
    for item in filter(None, re.split(r"[\s,;]+", value or "")):
        try:
            found.append(ipaddress.ip_network(item))  # strict, as gunicorn reads the same list
        except ValueError as exc:
            raise ValueError(f"IPSERVICE_TRUSTED_PROXIES: {item!r} is not an address or network") from exc
    return tuple(found)


def is_trusted(peer: str | None, trusted: tuple) -> bool:
    try:
        address = ipaddress.ip_address((peer or "").split("%")[0])
    except ValueError:  # a Unix socket has no address: not trusted (bind nginx's upstream to TCP loopback)
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in trusted)


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from a trusted peer, the forwarded headers removed otherwise."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app = wsgi_app
        self.config = config
        self._fixes: dict[int, ProxyFix] = {}
        self._parsed: tuple[str, tuple] = ("", ())

    def _trusted(self) -> tuple:
        value = self.config.get("IPSERVICE_TRUSTED_PROXIES") or ""
        if self._parsed[0] != value:
            self._parsed = (value, networks(value))
        return self._parsed[1]

    def __call__(self, environ, start_response):
        count = int(self.config.get("IPSERVICE_PROXY_COUNT") or 0)
        if count > 0 and is_trusted(environ.get("REMOTE_ADDR"), self._trusted()):
            fix = self._fixes.get(count)
            if fix is None:
                fix = self._fixes[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count, x_host=count,
                                                    x_port=count)
            return fix(environ, start_response)
        for key in FORWARDED:
            environ.pop(key, None)
        return self.wsgi_app(environ, start_response)


def install(app) -> None:
    networks(app.config.get("IPSERVICE_TRUSTED_PROXIES") or "")  # a wrong value stops the start, named
    app.wsgi_app = TrustedProxies(app.wsgi_app, app.config)
