"""Districts as data: ``tenants/<slug>/``, into the app (each app its own districts: ``app.extensions``).
At start each folder's identity is read (slugs and names: routing, lists of districts); a tenant's full
configuration on its first use, kept in a bounded cache (``tenants.store``)."""
from __future__ import annotations

import logging

from ipservice.tenants.config import Tenant
from ipservice.tenants.loader import TenantConfigError
from ipservice.tenants.store import (
    DEFAULT_CACHE,
    Identity,
    TenantStore,
    TenantUnavailable,
)

ORDER = 10  # its place among the areas (navigation order)

KEY = "ipservice.tenants"

log = logging.getLogger(__name__)


class _Registry:
    """The current app's tenants (in a request, command or app context); ``load(..., app=app)`` fills an
    app's.

    - ``get(slug)``: the full configuration (None: no such district; TenantUnavailable: its folder is broken);
    - ``identities()``: every district's slug and names, read at start (what lists of districts show);
    - ``all()``: every district's full configuration, one at a time through the cache (work across
      districts: statistics, jobs, the command line); a broken district is logged and left out.
    """

    def load(self, root, kinds, app=None, size: int = DEFAULT_CACHE, strict: bool = False):
        """The identities of every folder under ``root``; ``strict``: every folder fully loaded and checked
        against the registered filing ``kinds`` now, the first broken one raising TenantConfigError."""
        store = TenantStore(root, kinds, size)
        store.scan()
        if strict:
            store.check_all()  # raises before anything is replaced
        (app or _current()).extensions[KEY] = store

    @staticmethod
    def of(app=None) -> TenantStore:
        """The app's tenants by slug (the current app's by default): a mapping loading on demand."""
        return (app or _current()).extensions.setdefault(KEY, TenantStore())

    def get(self, slug) -> Tenant | None:
        return self.of().get(slug)

    def identities(self) -> list[Identity]:
        return [identity for _slug, identity in sorted(self.of().identities.items())]

    def all(self):
        store = self.of()
        for slug in list(store):
            try:
                yield store[slug]
            except TenantUnavailable as exc:
                log.error("tenant %s left out: %s", slug, exc.error)


def _current():
    from flask import current_app

    return current_app


registry = _Registry()

__all__ = ["Identity", "Tenant", "TenantConfigError", "TenantUnavailable", "registry"]
