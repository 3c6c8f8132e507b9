"""贯标 certification records: submission with the subsidy estimate, certificate scans, the bureau's
decision, listings and exports, the KPI metric and the counts the statistics use.

Decisions where the brief left room (see also the docstrings below):

- The subsidy estimate is made once, at submission, and stored: amount, rule code, the Chinese
  explanation, and the earlier record that already takes the one subsidy (``subsidy_prior_id``). Amount
  and rule code are what the record carries from then on; the explanation is re-rendered in the reader's
  language from the same inputs whenever the record is shown (``estimate_of``); should the tenant's policy
  files have changed since so that the inputs no longer give the stored amount, the stored Chinese text is
  shown instead, so that a record never changes what it promised.
- One subsidy per organization (enterprise account) per standard (GB/T 29490 editions count as one
  standard): a new record gets 0 with the reason when the same organization has a submitted or verified
  record of that standard that itself takes a subsidy (a rule applied to it: an amount, or support with
  the amount not set). A record that got nothing because no rule applied to it (no rule in force on its
  issue date, or the rule does not cover its kind of organization) takes nothing away. When the record that
  takes the subsidy is rejected, the records it blocked are estimated again. The database holds the rule:
  the record that takes it is marked (``subsidy_claim``, one per organization and standard by a partial
  unique index), and the estimate is made under a lock on the organization, so racing submissions see each
  other's claim and the losers get 0 with the reason.
- A certificate number is unique in the tenant among records that are not rejected (a rejected record
  can be filed again with the same certificate).
- Scans can be added while a record is submitted; once decided the evidence is frozen (409).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from ipservice.accounts.services import enterprise_id_of, enterprise_of, lock_enterprise
from ipservice.certification.estimate import (CLAIMING, _estimate_into, _tenant_of, estimate_with,
                                             prior_claim_or_duplicate)
from ipservice.certification.estimate import estimate_of as estimate_of  # re-exported: the views read it here
from ipservice.certification.exports import export as export  # re-exported: the views and the kind's API
from ipservice.certification.models import DECISIONS, OBJECT_TYPE, RECORD_STATUSES, CertificationRecord
from ipservice.certification.standards import resolve
from ipservice.core import attachments, audit, filing
from ipservice.core.attachments import Attachment
from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.labels import ORG_TYPES
from ipservice.core.tenancy import current_tenant
from ipservice.core.transaction import savepoint
from ipservice.extensions import db
from ipservice.kpi.metrics import count_by_year, up_to

PDF_ONLY = ("application/pdf",)
REASON_REQUIRED_FOR = ("reject",)  # the decisions that need a reason


# --- submission and scans ---------------------------------------------------------------------------------

def _enterprise_or_403(user):
    enterprise = enterprise_of(user)
    if enterprise is None:
        error(403, _("该账号没有关联的单位，不能提交贯标备案。"))
    return enterprise


def _duplicate_error():
    message = _("该证书编号已在本地区备案。")
    error(409, message, {"certificate_no": [message]})


def submit(user, data: dict, *, enterprise=None, upload=None) -> CertificationRecord:
    """File a certification record for the user's organization, with an optional scan (``upload``).

    All or nothing: a bad scan (413/415/422) or a duplicate certificate (409) is refused, and the request
    rolls back the row; the file is removed at once.

    ``enterprise``: file for this organization instead of the user's own (the bulk import, where ``user``
    is the importing bureau user).
    """
    tenant = current_tenant()
    enterprise = enterprise if enterprise is not None else _enterprise_or_403(user)
    record = CertificationRecord(enterprise_id=enterprise.id, **record_fields(tenant, data))
    lock_enterprise(enterprise.id)  # before the read: racing submissions see each other's claim
    prior, duplicate = prior_claim_or_duplicate(record)
    if duplicate:
        _duplicate_error()
    est = estimate_with(tenant, record, prior)
    saved = []
    try:
        with savepoint():  # another writer may have filed the number first: this record alone is undone
            filing.submit(record, OBJECT_TYPE, user, submitted_detail(record, est))
            if upload is not None:
                saved.append(attachments.save(upload, OBJECT_TYPE, record.id, user, allowed=PDF_ONLY,
                                              max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))
            db.session.flush()
    except IntegrityError as exc:
        _remove_file(saved[0] if saved else None)
        if "certificate_no" in str(exc.orig):
            _duplicate_error()
        # the one-subsidy index refused a second claim that escaped the lock: nothing was saved
        error(409, _("本单位的另一份贯标备案正在提交，请稍后重试。"))
    except BaseException:
        _remove_file(saved[0] if saved else None)
        raise
    record._attachments = saved  # the answer lists them: no query
    return record


def record_fields(tenant, data: dict) -> dict:
    """The columns of a new record from the form's ``data`` (the standard and edition resolved), before
    its organization, estimate and status."""
    standard, edition = resolve(data["org_type"], data["issued_on"], data.get("standard_edition"))
    return {"org_type": data["org_type"], "standard": standard.code, "standard_edition": edition.code,
            "certificate_no": data["certificate_no"], "certification_body": data["certification_body"],
            "issued_on": data["issued_on"], "expires_on": data["expires_on"],
            "consulting_agency": data.get("consulting_agency"), "scope": data["scope"],
            "extra": data.get("extra") or {}, "form_version": tenant.forms.version}


def submitted_detail(record, est: dict) -> dict:
    """The detail of the ``certification.submitted`` audit event."""
    return {"certificate_no": record.certificate_no, "standard": record.standard_edition,
            "issued_on": record.issued_on.isoformat(), "subsidy_amount_cny": est["amount_cny"],
            "subsidy_rule_code": est["rule_code"]}


def _remove_file(att):
    if att is None:
        return
    try:
        attachments._path(att).unlink(missing_ok=True)  # the row was rolled back: no file without it
    except OSError:
        current_app.logger.warning("could not remove the file of attachment %s", att.id)


def attach(user, record_id: str, upload, slot: str | None = None):
    """Add a certificate scan (its only document: ``slot`` is not used) (PDF by content, at most
    ATTACHMENT_MAX_BYTES) to the user's own record."""
    record = get(user, record_id)
    if record.status != "submitted":
        error(409, _("该备案已审核，不能再添加附件。"))
    saved = None
    try:
        with savepoint():
            saved = attachments.save(upload, OBJECT_TYPE, record.id, user, allowed=PDF_ONLY,
                                     max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])
            db.session.flush()
    except BaseException:
        _remove_file(saved)
        raise
    return saved


def attachment(user, record_id: str, attachment_id: str):
    """An attachment of a record the user may see (the owner, or the tenant's bureau); 404 otherwise."""
    record = get(user, record_id)
    return attachments.get_for(OBJECT_TYPE, record.id, attachment_id)


def attachment_list(user, record_id: str) -> list:
    return attachments_of(get(user, record_id))


def attachments_of(record) -> list:
    cached = getattr(record, "_attachments", None)
    return cached if cached is not None else attachments.list_for(OBJECT_TYPE, record.id)


def _preload_attachments(records):
    if not records:
        return records
    by_owner: dict[str, list] = {r.id: [] for r in records}
    rows = db.session.scalars(select(Attachment).where(
        Attachment.owner_type == OBJECT_TYPE, Attachment.owner_id.in_(list(by_owner)))
        .order_by(Attachment.uploaded_at))
    for att in rows:
        by_owner[att.owner_id].append(att)
    for r in records:
        r._attachments = by_owner[r.id]
    return records


# --- reading ----------------------------------------------------------------------------------------------



def get(user, record_id: str) -> CertificationRecord:
    """The record if ``user`` may see it (its organization, or the tenant's bureau); 404 otherwise."""
    return filing.get_or_404(CertificationRecord, record_id, user, enterprise_id_of(user))


def _select(user, filters: dict):
    return (filing.owned(CertificationRecord, user, enterprise_id_of(user))
            .where(*filing.list_conditions(CertificationRecord, filters))
            .order_by(CertificationRecord.submitted_at.desc(), CertificationRecord.id.desc()))


def page(user, filters: dict, page_no: int, page_size: int) -> tuple[list[CertificationRecord], int]:
    """One page of the records ``user`` may see, newest first, and the total."""
    stmt = _select(user, filters)
    # count(*) over the list's own FROM and WHERE (not over a subquery of every column, which SQLite
    # materialized: the count cost twice the page itself in the list's profile)
    total = db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None))
    # the organizations in the same statement (many-to-one: one row each), not a second SELECT … IN
    records = list(db.session.scalars(stmt.options(joinedload(CertificationRecord.enterprise))
                                      .offset((page_no - 1) * page_size).limit(page_size)))
    return _preload_priors(_preload_attachments(records)), total


def _preload_priors(records):
    """The prior records the page's estimates name, in one query: ``estimate_of`` then finds them in the
    session (``db.session.get``) instead of one query per row."""
    ids = {r.subsidy_prior_id for r in records if r.subsidy_prior_id}
    if ids:
        # kept on the records: the session's identity map holds its objects weakly
        priors = {p.id: p for p in db.session.scalars(
            select(CertificationRecord).where(CertificationRecord.id.in_(ids))
            .options(lazyload(CertificationRecord.enterprise)))}
        for r in records:
            if r.subsidy_prior_id:
                r._prior = priors.get(r.subsidy_prior_id)
    return records


# --- the bureau's decision ----------------------------------------------------------------------------

def decide(user, record_id: str, data: dict) -> CertificationRecord:
    """Verify or reject (``data``: ``{"decision", "reason"}``) a submitted record once (409 afterwards; a
    rejection needs a reason: 422)."""
    from ipservice.subsidy import budget

    record = get(user, record_id)
    budget.prepare()  # the lines' running totals exist before this decision changes what they count
    filing.decide(record, OBJECT_TYPE, data.get("decision"), DECISIONS, data.get("reason"), user,
                  reason_required_for=REASON_REQUIRED_FOR)
    if record.status == "rejected":
        _reestimate_blocked_by(record, actor=user)
    elif record.subsidy_amount_cny:
        _charge_budget(record.subsidy_rule_code, record.issued_on.year, record.subsidy_amount_cny)
    return record


def _charge_budget(rule_code, year: int, amount: int) -> None:
    """A verified record's subsidy is committed: it goes on the running total of its budget lines
    (``subsidy.budget``), never refused — the certificate is a fact the bureau records."""
    from ipservice.subsidy import budget

    if rule_code and amount:
        budget.charge(rule_code, year, amount, refusable=False)


def _reestimate_blocked_by(rejected, actor=None):
    """The records that got 0 because of ``rejected`` are estimated again now that it takes nothing."""
    db.session.flush()
    lock_enterprise(rejected.enterprise_id)
    blocked = db.session.scalars(select(CertificationRecord).where(
        CertificationRecord.subsidy_prior_id == rejected.id, CertificationRecord.status.in_(CLAIMING))
        .order_by(CertificationRecord.submitted_at, CertificationRecord.id)).all()
    for record in blocked:
        before = (record.subsidy_amount_cny, record.subsidy_rule_code)
        _estimate_into(_tenant_of(record), record)
        db.session.flush()
        if record.status == "verified" and before != (record.subsidy_amount_cny, record.subsidy_rule_code):
            _charge_budget(before[1], record.issued_on.year, -(before[0] or 0))
            _charge_budget(record.subsidy_rule_code, record.issued_on.year, record.subsidy_amount_cny or 0)
        audit.record(f"{OBJECT_TYPE}.estimate_updated", OBJECT_TYPE, record.id, {
            "because": f"{rejected.id} rejected", "from": list(before),
            "to": [record.subsidy_amount_cny, record.subsidy_rule_code]}, actor=actor)


# --- counts, KPI, exports ---------------------------------------------------------------------------------

def stats() -> dict[str, int]:
    """``{"submitted", "verified", "rejected"}``: the current tenant's records by their current status."""
    rows = db.session.execute(select(CertificationRecord.status,
                                     func.count()).group_by(CertificationRecord.status))
    counts = {s: 0 for s in RECORD_STATUSES}
    for status, n in rows:
        if status in counts:
            counts[status] = n
    return counts


def subsidy_totals() -> list[dict]:
    """The 贯标 subsidies estimated on the current tenant's records, for the subsidy liability:
    ``[{"year", "rule", "status", "amount_cny", "count"}]`` by the certificate's issue year, the rule and
    the status (``verified``: owed; ``submitted``: expected). Records without an amount are left out."""
    rows = db.session.execute(select(CertificationRecord.issued_on, CertificationRecord.subsidy_rule_code,
                                     CertificationRecord.status, CertificationRecord.subsidy_amount_cny)
                              .where(CertificationRecord.status.in_(CLAIMING),
                                     CertificationRecord.subsidy_amount_cny > 0))
    totals: dict[tuple, list[int]] = {}
    for issued_on, rule, status, amount in rows:
        entry = totals.setdefault((issued_on.year, rule, status), [0, 0])
        entry[0] += amount
        entry[1] += 1
    return [{"year": y, "rule": r, "status": st, "amount_cny": a, "count": n}
            for (y, r, st), (a, n) in sorted(totals.items())]


def certifications_verified(years: list[int]) -> dict[int, int]:
    """贯标 organizations up to the end of each of ``years`` — cumulative.

    The number of distinct organizations (``enterprise_id``) with at least one *verified* record whose
    certificate was issued on or before 31 December of ``year``. Cumulative because the tenants' targets
    are ("贯标企事业单位累计达到30家", "达到300家", "达到50家（到2020年累计）"). The year is the certificate's
    issue year, not the year of the bureau's decision: a certificate issued in 2019 and recorded in 2020
    counts for 2019 onwards, so late filing does not move an organization between years. Expired certificates
    still count (the targets count organizations that passed certification), and an organization with
    certificates for several standards or editions counts once.

    One grouped query for all the years: the organizations by the year of their first verified
    certificate, summed up to each year.
    """
    def end_of(year):  # the day after 31 December of ``year`` (issued_on <= 31 December)
        return dt.date(year + 1, 1, 1) if year < dt.MAXYEAR else dt.date.max

    firsts = (select(CertificationRecord.enterprise_id)
              .where(CertificationRecord.status == "verified",
                     CertificationRecord.issued_on < end_of(max(years)))
              .group_by(CertificationRecord.enterprise_id))
    return up_to(count_by_year(firsts, func.min(CertificationRecord.issued_on), years, end_of), years)


def org_type_label(org_type: str) -> str:
    pair = ORG_TYPES.get(org_type)
    return pick(*pair) if pair else org_type
