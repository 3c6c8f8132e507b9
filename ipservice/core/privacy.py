"""Personal information (PIPL), the part every area shares: which fields of which model are a person's, the
record of who in a bureau opened whose data, and masking of contact data in exports.

- ``personal_fields(app, model, fields, owned_by)``: an area names its model's personal columns once
  (``{"contact_phone": "phone", ...}``; categories ``name``, ``email``, ``phone``, ``text``) and how a row
  belongs to a person (``owned_by(user_id, enterprise_id) -> WHERE clause``). Erasure replaces exactly those
  columns of exactly those rows; the copy of one's data and the masking read the same list.
- ``record_access(...)``: one row per opening (a filing, an attachment) by a bureau user;
  ``record_export(...)``: one row per organization whose filings an export held — the filings the request
  loaded (every ``FilingMixin`` model is watched as it loads), so an export of any kind, however it builds
  its rows, names whose data it carried; all of a request's rows go in with its commit, as one bulk INSERT.
- ``mask_text``: ``13800138000`` → ``138****8000``, ``li.si@x.cn`` → ``l***@x.cn``, ``029-88886666`` →
  ``029-****6666``.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from collections.abc import Callable

from flask import current_app, g, has_request_context, request
from sqlalchemy import Boolean, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ipservice.core import transaction
from ipservice.core.filing import FilingMixin
from ipservice.core.tenancy import TenantScoped, current_tenant_id
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db

CATEGORIES = ("name", "email", "phone", "text")
KEY = "ipservice.personal_fields"
# The query parameter by which a bureau official asks an export for full contact data (recorded as an access)
FULL_CONTACT = "full_contact"


class PersonalDataAccess(TenantScoped, db.Model):
    """查阅记录 — a bureau user opened a person's data: who, when, what, whose (the organization)."""

    __tablename__ = "personal_data_accesses"
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    official_id: Mapped[str] = mapped_column(String(36), nullable=False)
    what: Mapped[str] = mapped_column(String(20), nullable=False)  # filing, attachment, export
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(36))
    # whose data: the organization the filing belongs to (None: an export over many organizations)
    enterprise_id: Mapped[str | None] = mapped_column(String(36))
    full_contact: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_personal_data_accesses_enterprise", "tenant_id", "enterprise_id", "at"),
                      Index("ix_personal_data_accesses_official", "tenant_id", "official_id", "at"))


@dataclass(frozen=True)
class PersonalFields:
    model: type
    fields: dict  # column → category
    owned_by: Callable  # (user_id, enterprise_id) -> a WHERE clause on ``model``


def personal_fields(app, model, fields: dict, owned_by: Callable) -> PersonalFields:
    for column, category in fields.items():
        if category not in CATEGORIES or column not in model.__table__.c:
            raise ValueError(f"{model.__name__}.{column}: unknown column or category {category!r}")
    entry = PersonalFields(model, dict(fields), owned_by)
    app.extensions.setdefault(KEY, []).append(entry)
    return entry


RULES_KEY = "ipservice.retention_rules"
HOLDS_KEY = "ipservice.retention_holds"


@dataclass(frozen=True)
class Held:
    """Personal fields of one row that a retention rule still keeps: an erasure leaves them and says why.
    ``until``: the day the rule lets them go (None: not yet known — the record is still open — or kept, the
    rule's period being 0); ``what``: (Chinese, English) naming the data for the person and the bureau."""

    model: type
    object_id: str
    fields: tuple[str, ...]
    until: object
    what: tuple[str, str]


def retention_rule(app, setting: str, fn: Callable, holds: Callable | None = None) -> Callable:
    """An area's retention rule: ``fn(cutoff, dry_run) -> [{"rule", "object_type", "object_id", ...}]`` in
    the current tenant, run when the tenant's ``[retention] <setting>`` (days) is not 0
    (``privacy.retention``). ``holds(user_id, enterprise_id, days) -> [Held]``: what of a person's data the
    rule still keeps, with the tenant's period (0: kept) — an erasure carries out the rest
    (``privacy.services.erase``)."""
    app.extensions.setdefault(RULES_KEY, {})[setting] = fn
    if holds is not None:
        app.extensions.setdefault(HOLDS_KEY, {})[setting] = holds
    return fn


def retention_rules(app=None) -> dict:
    return dict((app or current_app).extensions.get(RULES_KEY, {}))


def retention_holds(app=None) -> dict:
    """``{setting: holds}`` of the rules that keep a person's data for a while."""
    return dict((app or current_app).extensions.get(HOLDS_KEY, {}))


def registered(app=None) -> list[PersonalFields]:
    return list((app or current_app).extensions.get(KEY, []))


def _official():
    """The signed-in bureau official of this request, in a tenant's context; else None."""
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated or current_user.role != "bureau":
        return None
    return current_user if current_tenant_id() is not None else None


def record_access(what: str, object_type: str, object_id: str | None, enterprise_id: str | None,
                  full_contact: bool = False) -> None:
    """One row when the signed-in user is a bureau official, written when the request commits (a read
    does not take SQLite's write lock early: another officer's decision meanwhile is not held up)."""
    official = _official()
    if official is None:
        return
    tenant_id = current_tenant_id()
    pending = _pending()
    if what == "attachment" and pending and pending[-1].what in ("filing", "claim"):
        # the download opened its filing (or claim) first: one row, the attachment's
        pending[-1].what, pending[-1].object_type, pending[-1].object_id = what, object_type, object_id
        return
    if any((a.what, a.object_type, a.object_id) == (what, object_type, object_id) for a in pending):
        return  # the same filing looked up twice by one request (a form shown again): one opening
    pending.append(PersonalDataAccess(tenant_id=tenant_id, official_id=official.id, what=what,
                                      object_type=object_type, object_id=object_id,
                                      enterprise_id=enterprise_id, full_contact=full_contact))
    g.privacy_subject = enterprise_id  # an attachment opened next belongs to the same organization


def record_export(full_contact: bool = False) -> None:
    """An export by a bureau official: one row per organization whose filings it held (``object_type`` the
    filings' table, ``object_id`` the export's own id, shared by its rows), so each organization's record
    says "exported by … on …"; an export that held no filing is one row naming nobody."""
    official = _official()
    if official is None:
        return
    export_id = str(uuid.uuid4())
    subjects = sorted(g.pop("privacy_loaded", set())) or [("export", None)]
    _pending().extend(
        PersonalDataAccess(tenant_id=current_tenant_id(), official_id=official.id, what="export",
                           object_type=object_type, object_id=export_id, enterprise_id=enterprise_id,
                           full_contact=full_contact) for object_type, enterprise_id in subjects)


def _pending() -> list:
    """This request's access rows, written as it commits — or, when its view answers with an error page that
    still shows what was read (a decision form with its errors beside the filing), after its rollback
    (``transaction.after_shown_refusal``). A lookup that finds nothing (404, another tenant's row
    included) or a role refused before any lookup (403) reads no one's data: nothing is recorded."""
    if "privacy_accesses" not in g:
        g.privacy_accesses = []
        transaction.after_shown_refusal(lambda: db.session.add_all(g.pop("privacy_accesses", [])))
    return g.privacy_accesses


@event.listens_for(FilingMixin, "load", propagate=True)
def _filing_loaded(obj, _context):
    """Whose filings this request read: ``(table, organization)`` pairs, for an export's access record."""
    if has_request_context():
        g.setdefault("privacy_loaded", set()).add((obj.__tablename__, obj.enterprise_id))


@event.listens_for(Session, "before_commit")
def _write_accesses(session):
    """The request's accesses join its transaction as it commits (a refused request shows nothing)."""
    if has_request_context() and g.get("privacy_accesses"):
        session.add_all(g.pop("privacy_accesses"))


def opened_subject() -> str | None:
    """The organization of the filing this request opened (the attachment download opens the filing first)."""
    return g.get("privacy_subject") if has_request_context() else None


def wants_full_contact() -> bool:
    return has_request_context() and request.args.get(FULL_CONTACT, "").lower() in ("1", "true", "yes")


_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3}-?)(\d{3,4})(\d{4})(?![0-9A-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_text(value):
    """Telephone numbers and e-mail addresses inside ``value`` masked; anything else unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)
    value = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", value)
