"""The tenant's privacy notice: ``ipservice/privacy/notice.toml`` with the district's
``tenants/<slug>/privacy.toml`` over it (any key), the bureau named from ``tenant.toml``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ipservice.core.i18n import pick

DEFAULT = Path(__file__).with_name("notice.toml")
RETENTION_KEYS = ("rejected_claims_days", "rejected_attachments_days", "closed_case_text_days",
                  "erasure_decision_days")


@dataclass(frozen=True)
class Notice:
    version: int
    bureau: tuple[str, str]
    purposes: tuple[tuple[str, ...], tuple[str, ...]]
    rights: tuple[tuple[str, ...], tuple[str, ...]]
    contact: tuple[str, str]
    retention: dict

    def text(self, pair):
        """The user's language of a (Chinese, English) pair."""
        return pick(*pair)


def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _merged(slug: str) -> dict:
    data = _read(DEFAULT)
    own = _read(Path(current_app.config["TENANTS_DIR"]) / slug / "privacy.toml")
    retention = {**data.get("retention", {}), **own.pop("retention", {})}
    data.update(own)
    data["retention"] = retention
    for key in RETENTION_KEYS:
        if not isinstance(retention.get(key), int) or retention[key] < 0:
            raise ValueError(f"tenants/{slug}/privacy.toml: retention.{key} must be a whole number of days "
                             ">= 0")
    return data


def of(tenant) -> Notice:
    """The notice of ``tenant`` (a ``tenants.config.Tenant``), read once per app."""
    cache = current_app.extensions.setdefault("ipservice.privacy_notices", {})
    if tenant.slug not in cache:
        d = _merged(tenant.slug)
        zh, en = tenant.bureau_zh, tenant.bureau_en

        def fill(items, bureau):
            return tuple(i.replace("{bureau}", bureau) for i in items)

        cache[tenant.slug] = Notice(
            version=int(d["version"]), bureau=(zh, en),
            purposes=(fill(d["purposes_zh"], zh), fill(d["purposes_en"], en)),
            rights=(fill(d["rights_zh"], zh), fill(d["rights_en"], en)),
            contact=(d["contact_zh"].replace("{bureau}", zh), d["contact_en"].replace("{bureau}", en)),
            retention=dict(d["retention"]))
    return cache[tenant.slug]
