"""Districts as data: ``tenants/<slug>/`` loaded and validated at start-up, into the app (each app its own
districts: ``app.extensions``)."""

from ipservice.tenants.config import Tenant
from ipservice.tenants.loader import TenantConfigError, load_all

ORDER = 10  # its place among the areas (navigation order)

KEY = "ipservice.tenants"


class _Registry:
    """The current app's tenants (``registry.get``/``registry.all`` in a request, command or app context);
    ``load(..., app=app)`` fills an app's."""

    def load(self, root, kinds, app=None):
        """Every folder under ``root``, checked against the registered filing ``kinds``."""
        loaded = load_all(root, kinds)  # raises before anything is replaced
        tenants = self.of(app)
        tenants.clear()
        tenants.update(loaded)

    @staticmethod
    def of(app=None) -> dict[str, Tenant]:
        """The app's tenants by slug (the current app's by default)."""
        from flask import current_app

        return (app or current_app).extensions.setdefault(KEY, {})

    def get(self, slug) -> Tenant | None:
        return self.of().get(slug)

    def all(self) -> list[Tenant]:
        return list(self.of().values())


registry = _Registry()

__all__ = ["Tenant", "TenantConfigError", "registry"]
