"""What a filing kind brings to the import engine (``FilingKind.importer``): its ``ImportSpec`` and, for
a kind imported a chunk at a time, its ``BulkRules``, with the rows and organizations those rules see."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

BOOKKEEPING = ("enterprise_name", "uscc", "status", "reason")


@dataclass
class ImportSpec:
    """How one filing kind comes in from a spreadsheet.

    - ``command``: the name under ``flask import``; ``help``: its one-line help.
    - ``columns(tenant)``: the kind's columns (base fields, the tenant's own fields, status and reason).
    - ``decisions``: a historical status → the ``decide`` payloads that reach it (``{"reason"}`` is filled
      from the row's reason column where a payload names it).
    - ``existing(values, enterprise, context, row_status)``: why the row is a duplicate, or None.
    - ``resolve(values, errors)``: a lookup the row needs (custody: the agency), passed as ``context``.
    - ``payload(values, context)``: the API body (default: the values without the bookkeeping columns).
    - ``error_keys``: the service's field names that are not column keys (``agency_id`` → ``agency``).
    """

    command: str
    help: str
    columns: Callable
    existing: Callable
    decisions: dict = field(default_factory=dict)
    resolve: Callable | None = None
    payload: Callable | None = None
    error_keys: dict = field(default_factory=dict)
    bulk: Callable | None = None  # ``bulk(importer, rows, orgs)`` → the kind's ``BulkRules`` for one chunk

    def __post_init__(self):
        if self.bulk is not None and self.resolve is not None:
            raise ValueError(f"import {self.command}: bulk rules look up what the row needs themselves (no "
                             "resolve)")


@dataclass
class Prepared:
    """A row of a chunk after its cells are read: values and errors by column key, the USCC as the
    registration form loads it (None when missing or invalid: the error is in ``errors``)."""

    row_no: int
    values: dict
    errors: dict
    uscc: str | None
    status: str


@dataclass
class Org:
    """An organization of a chunk: found by its USCC, or created by an earlier row of the chunk."""

    id: str
    uscc: str
    new: bool = False
    name: str = ""
    owner_email: str = ""
    created_at: dt.datetime | None = None


class BulkRules(Protocol):
    """What a kind brings to import a chunk without a query per row (``ImportSpec.bulk`` makes one per
    chunk): the same rules as its service, with what they read fetched for the whole chunk at once.

    - ``__init__(importer, rows, orgs)``: the chunk's look-ups, one query each (``rows``: ``Prepared``;
      ``orgs``: ``{uscc: Org}`` of the organizations that exist, locked as the service locks them);
    - ``existing(row, org)``: why the row is a duplicate (the spec's ``existing`` rule, seeing also what
      the earlier rows of the chunk wrote), or None;
    - ``add(row, data, org, events)``: apply the service's rules to the loaded ``data`` and keep the
      filing to write; raises ``Refusal`` as the service would, *before* keeping anything; appends its
      audit events (``audit.event_row``) to ``events``; returns the filing's id;
    - ``write()``: write what was kept (``core.bulkinsert``), after the organizations and before the events.
    """

    def __init__(self, importer, rows: list[Prepared], orgs: dict[str, Org]):
        ...

    def existing(self, row: Prepared, org: Org | None) -> str | None:
        ...

    def add(self, row: Prepared, data: dict, org: Org, events: list[dict]) -> str:
        ...

    def write(self) -> None:
        ...


def blocks(existing_status: str, row_status: str) -> bool:
    """Whether an existing record makes the row a duplicate: any record that is not rejected, and a
    rejected one for a rejected row (a rejected filing may be filed again, as through the API)."""
    return existing_status != "rejected" or row_status == "rejected"
