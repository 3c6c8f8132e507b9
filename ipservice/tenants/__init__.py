"""Districts as data: ``tenants/<slug>/`` loaded and validated at start-up."""

from ipservice.tenants.config import Tenant
from ipservice.tenants.loader import TenantConfigError, load_all

ORDER = 10  # its place among the areas (navigation order)

_registry: dict[str, Tenant] = {}


class _Registry:
    def load(self, root, kinds):
        """Every folder under ``root``, checked against the registered filing ``kinds``."""
        loaded = load_all(root, kinds)  # raises before anything is replaced
        _registry.clear()
        _registry.update(loaded)

    def get(self, slug) -> Tenant | None:
        return _registry.get(slug)

    def all(self) -> list[Tenant]:
        return list(_registry.values())


registry = _Registry()

__all__ = ["Tenant", "TenantConfigError", "registry"]
