"""Districts as data: ``tenants/<slug>/`` loaded and validated at start-up."""
from ipservice.tenants.config import Tenant
from ipservice.tenants.loader import TenantConfigError, load_all

_registry: dict[str, Tenant] = {}


class _Registry:
    def load(self, root):
        _registry.clear()
        _registry.update(load_all(root))

    def get(self, slug) -> Tenant | None:
        return _registry.get(slug)

    def all(self) -> list[Tenant]:
        return list(_registry.values())


registry = _Registry()

__all__ = ["Tenant", "TenantConfigError", "registry"]
