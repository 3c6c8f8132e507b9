"""Every model, imported in one place so that Alembic and the schema checks see the whole metadata:
the shared ones of ``core`` and each area's ``models`` module."""
import importlib

import ipservice
from ipservice.core import attachments, audit, idempotency, numbering, privacy, ratelimit  # noqa: F401 — their models

for _area in ipservice.areas():
    try:
        importlib.import_module(f"ipservice.{_area}.models")
    except ModuleNotFoundError as exc:
        if exc.name != f"ipservice.{_area}.models":
            raise
