"""An app's tenants: what routing needs read at start, each tenant's full configuration on its first use.

At start every folder under the tenants root gives its **identity** (slug, names, bureau names) from a cheap
read of ``tenant.toml``: only the top-level keys before its first table are parsed, nothing else of the
folder is opened. That is what the landing page, the command line's choices and the routing need; it does
not grow with what a tenant's files hold.

A tenant's **full configuration** (every file of the folder, validated against the filing kinds: the
``loader``) is read when something first asks for that tenant (its first request) and kept in a bounded LRU
cache (``IPSERVICE_TENANT_CACHE`` tenants, 256 by default): with 3 000 districts a worker holds the ones it
serves, not all of them. Two threads asking for the same tenant at once load it once (a lock per slug).

A broken folder does not stop the others: its error (file and field) is logged once and remembered, and
that district answers 503 with a message in the reader's language (``TenantUnavailable``) until the
service is restarted with the folder repaired. ``flask --app wsgi tenants check`` finds it before
deployment; ``strict`` (TESTING or ``IPSERVICE_TENANTS_STRICT=1``) loads every folder at start and refuses
to start on the first broken one, as the service did before tenants were loaded on demand.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from ipservice.core.errors import Unavailable
from ipservice.tenants import loader
from ipservice.tenants.config import Tenant

log = logging.getLogger(__name__)

DEFAULT_CACHE = 256
_FIRST_TABLE = re.compile(r"^[ \t]*\[", re.MULTILINE)


@dataclass(frozen=True)
class Identity:
    """What a tenant is called: read at start for every folder (routing, lists of districts)."""
    slug: str
    name_zh: str
    name_en: str
    bureau_zh: str
    bureau_en: str


_IDENTITY_KEYS = ("slug", "name_zh", "name_en", "bureau_zh", "bureau_en")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,40}$")  # as TenantFileSchema's (the full load checks it again)


def _identity_problems(head: dict) -> dict[str, str]:
    """The identity keys of tenant.toml checked by hand (a marshmallow schema per folder cost more than
    the rest of start-up with thousands of folders); the messages are marshmallow's, as the full load's."""
    problems = {}
    for key in _IDENTITY_KEYS:
        if key not in head:
            problems[key] = "Missing data for required field."
        elif not isinstance(head[key], str):
            problems[key] = "Not a valid string."
    if "slug" not in problems and not _SLUG.match(head["slug"]):
        problems["slug"] = "String does not match expected pattern."
    return problems


_SIMPLE = re.compile(r'([A-Za-z0-9_-]+)[ \t]*=[ \t]*"([^"\\\x00-\x1f]*)"[ \t]*(?:#.*)?')


def _simple_keys(head: str) -> dict | None:
    """The top-level keys of ``head`` when each line is blank, a comment or ``key = "text"`` (a basic string
    without escapes, as every shipped tenant.toml has them): several times faster than tomllib, which
    matters with thousands of folders at start. None otherwise (and for a repeated key)."""
    found = {}
    for line in head.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SIMPLE.fullmatch(line)
        if m is None or m.group(1) in found:
            return None
        found[m.group(1)] = m.group(2)
    return found


_HEAD_BYTES = 4096  # the identity keys come first: a tenant.toml's head is read in one system call


def _head_text(path: str) -> str:
    """The start of the file at ``path``: its first lines up to a table at least (its whole text when
    short)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, _HEAD_BYTES)
        whole = len(data) < _HEAD_BYTES
        if not whole and b"\n[" not in data:  # no table within the head: read it all
            data += b"".join(iter(lambda: os.read(fd, 65536), b""))
            whole = True
    finally:
        os.close(fd)
    if not whole:  # up to the last complete line, so that no character is cut
        data = data[:data.rindex(b"\n") + 1]
    return data.decode("utf-8")


def read_identity(folder: Path | str) -> Identity:
    """``folder``'s identity from the top-level keys of its tenant.toml (TOML puts them before any table,
    so only that head is parsed); a TenantConfigError naming the file and the field otherwise."""
    folder = str(folder)
    path = os.path.join(folder, "tenant.toml")
    try:
        text = _head_text(path)
    except FileNotFoundError:
        raise loader.TenantConfigError(f"{path}: missing") from None
    except UnicodeDecodeError as exc:
        raise loader.TenantConfigError(f"{path}: not valid TOML: {exc}") from exc
    first_table = _FIRST_TABLE.search(text)
    head = _simple_keys(text[:first_table.start()]) if first_table else None
    if head is None:  # not plain `key = "text"` lines before a table: TOML's own parser, of the whole file
        head = loader.read_toml(Path(path))
    problems = _identity_problems(head)
    if problems:
        raise loader.TenantConfigError(f"{path}: " + ", ".join(f"{k}: {v}" for k, v in problems.items()))
    data = {key: head[key] for key in _IDENTITY_KEYS}
    name = os.path.basename(folder)
    if data["slug"] != name:
        raise loader.TenantConfigError(
            f"{path}: slug: {data['slug']!r} differs from the folder name {name!r}")
    return Identity(**data)


class TenantUnavailable(Unavailable):
    """A district whose folder is broken: 503, in the reader's language; the log has the file and field."""

    def __init__(self, slug: str, identity: Identity | None, error: loader.TenantConfigError):
        from flask_babel import gettext as _

        from ipservice.core.i18n import pick

        name = pick(identity.name_zh, identity.name_en) if identity else slug
        super().__init__(503, _("%(name)s的配置有误，暂时无法办理；问题已记录，"
                                "请稍后再试或联系该地区知识产权局。", name=name))
        self.slug, self.error = slug, error


class TenantStore(MutableMapping):
    """One app's tenants by slug, loaded on demand. A mapping: ``store[slug]`` is the full configuration
    (KeyError: no such district; TenantUnavailable: its folder is broken); iterating gives the slugs; a
    tenant set with ``store[slug] = tenant`` is kept as given until deleted (tests change a district so)."""

    def __init__(self, root: Path | None = None, kinds=(), size: int = DEFAULT_CACHE):
        self.root, self.kinds, self.size = (Path(root) if root else None), tuple(kinds), max(1, size)
        self.identities: dict[str, Identity] = {}
        self.broken: dict[str, loader.TenantConfigError] = {}
        self.loads = 0  # full configurations read (the cost start-up must not pay)
        self._cache: OrderedDict[str, Tenant] = OrderedDict()
        self._pinned: dict[str, Tenant] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def scan(self) -> None:
        """Every folder's identity; a folder whose tenant.toml head is broken is remembered as broken."""
        root = str(self.root)
        for folder in loader.folders(self.root, as_names=True):
            try:
                self.identities[folder] = read_identity(os.path.join(root, folder))
            except loader.TenantConfigError as exc:
                self._remember(folder, exc)

    def check_all(self) -> None:
        """Load every folder now (strict start-up): the first broken one raises TenantConfigError."""
        if self.broken:
            raise next(iter(self.broken.values()))
        for slug in self.identities:
            self._cache_put(slug, self._load(slug))

    # --- the mapping --------------------------------------------------------------------------------------

    def __getitem__(self, slug: str) -> Tenant:
        pinned = self._pinned.get(slug)
        if pinned is not None:
            return pinned
        if slug in self.broken:
            raise TenantUnavailable(slug, self.identities.get(slug), self.broken[slug])
        if slug not in self.identities:
            raise KeyError(slug)
        with self._lock:
            tenant = self._cache.get(slug)
            if tenant is not None:
                self._cache.move_to_end(slug)
                return tenant
            slug_lock = self._loading.setdefault(slug, threading.Lock())
        try:
            with slug_lock:  # one thread loads, the others wait for it and find it cached
                with self._lock:
                    tenant = self._cache.get(slug)
                if tenant is None:
                    try:
                        tenant = self._load(slug)
                    except loader.TenantConfigError as exc:
                        self._remember(slug, exc)
                        raise TenantUnavailable(slug, self.identities.get(slug), exc) from exc
                    self._cache_put(slug, tenant)
            return tenant
        finally:
            with self._lock:
                self._loading.pop(slug, None)

    def __setitem__(self, slug: str, tenant: Tenant) -> None:
        self._pinned[slug] = tenant

    def __delitem__(self, slug: str) -> None:
        if self._pinned.pop(slug, None) is None:
            raise KeyError(slug)

    def __iter__(self):
        return iter(sorted({*self.identities, *self.broken, *self._pinned}))

    def __len__(self) -> int:
        return len({*self.identities, *self.broken, *self._pinned})

    def cached(self) -> list[str]:
        """The slugs whose full configuration is in the cache, least recently used first."""
        with self._lock:
            return list(self._cache)

    # --- inside -------------------------------------------------------------------------------------------

    def _load(self, slug: str) -> Tenant:
        self.loads += 1
        return loader.load_tenant(self.root / slug, self.kinds)

    def _cache_put(self, slug: str, tenant: Tenant) -> None:
        with self._lock:
            self._cache[slug] = tenant
            self._cache.move_to_end(slug)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)

    def _remember(self, slug: str, exc: loader.TenantConfigError) -> None:
        if slug not in self.broken:
            log.error("tenant %s is unavailable: its folder is broken: %s", slug, exc)
        self.broken[slug] = exc
