"""资助/奖励申请: the rules one can apply for, the estimate, submission with one subsidy per object, evidence,
the bureau's decision with its budget warning, lists, exports, counts and the liability.

Decisions where the issue left room (see also the docstrings below):

- The estimate is made at submission from the rule in force on the basis date and stored with what a
  shared cap had used already then; it is explained again in the reader's language from the same inputs.
- A cap shared by applications (per organization, or per organization and year) counts the other
  applications under the rule that are not rejected: a submitted one by its estimate, an approved one by
  its grant. Grants never exceed estimates, so the grants under one cap never exceed it. An application
  rejected later does not raise the estimates made after it (the bureau may grant up to the estimate only).
- One subsidy per object: each application claims its objects (patents, PCT applications, a document
  number, the organization or the organization-year) in ``subsidy_claims``, unique per claim group in the
  tenant, each in its canonical form (``core.identifiers``: every spelling of a number is one claim); a
  rejection frees them, so that a corrected application can be filed. A refusal names the application
  that holds the object only to its own organization.
- An approval charges its grant to the running totals of the rule's budget lines (``subsidy.budget``),
  which serializes the approvals against one line and makes its warning (or refusal) exact.
- Numbers are taken before the claims and the cap sum are read: the counter row serializes the tenant's
  subsidy submissions (``core.numbering``), so the cap sum is read after any submission before it.
- Liability counts by the year of the basis date (the certificate's issue year for 贯标), the year whose
  rule and budget pay it.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ipservice.accounts.services import enterprise_id_of, enterprise_of
from ipservice.core import attachments, audit, filing, numbering
from ipservice.core.attachments import Attachment
from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.transaction import savepoint
from ipservice.core.types import CHINA, utcnow
from ipservice.extensions import db
from ipservice.policy import services as policy
from ipservice.subsidy import budget
from ipservice.subsidy.models import (
    DECISIONS,
    OBJECT_TYPE,
    STATUSES,
    SubsidyApplication,
    SubsidyClaim,
    SubsidyEvidence,
)
from ipservice.subsidy.claims import _applicable, _cap_key, _claimed_by, _claims, _compute, _duplicate, _used
from ipservice.subsidy.config import settings
from ipservice.subsidy.rules import _tenant, rule_pair
# re-exported: the views read them here
from ipservice.subsidy.rules import citation_of as citation_of
from ipservice.subsidy.rules import org_types_of as org_types_of
from ipservice.subsidy.rules import pays as pays
from ipservice.subsidy.rules import rule_name as rule_name
from ipservice.subsidy.rules import rules as rules

COUNTER = "subsidy"
EVIDENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


# --- the estimate and submission ----------------------------------------------------------------------------

def _enterprise(user, enterprise):
    enterprise = enterprise if enterprise is not None else enterprise_of(user)
    if enterprise is None:
        error(403, _("该账号没有关联的单位，不能申请资助。"))
    return enterprise


def estimate(user, data: dict, *, enterprise=None) -> dict:
    """The estimate an application would get now, without filing it (422/409 as ``submit`` refuses)."""
    tenant = _tenant()
    enterprise = _enterprise(user, enterprise)
    cfg, rule = _applicable(tenant, data)
    holder = _claimed_by(_claims(cfg, enterprise.id, data))
    if holder is not None:
        _duplicate(holder, enterprise.id)
    year = data["basis_date"].year
    used = _used(cfg, _cap_key(cfg, enterprise.id, data), year)
    return _compute(tenant, cfg, rule, data["quantity"], data.get("base_amount_cny"), used, year)


def submit(user, data: dict, *, enterprise=None, upload=None) -> SubsidyApplication:
    """File an application (data loaded by the rule's form) for the user's organization (``enterprise``:
    the bulk import). 422: the rule not in force on the basis date, or not for this kind of organization;
    409: an object already claimed under the rule in the tenant (held by the claims' unique constraint)."""
    tenant = _tenant()
    enterprise = _enterprise(user, enterprise)
    cfg, rule = _applicable(tenant, data)
    claims = _claims(cfg, enterprise.id, data)
    holder = _claimed_by(claims)
    if holder is not None:
        _duplicate(holder, enterprise.id)
    now = utcnow()
    year = now.astimezone(CHINA).year
    seq = numbering.next_value(COUNTER, year)  # the first write: serializes the tenant's submissions
    basis_year = data["basis_date"].year
    cap_key = _cap_key(cfg, enterprise.id, data)
    used = _used(cfg, cap_key, basis_year)
    est = _compute(tenant, cfg, rule, data["quantity"], data.get("base_amount_cny"), used, basis_year)
    with force_locale("zh_CN"):  # the stored text is Chinese, whatever the request's language
        stored = _compute(tenant, cfg, rule, data["quantity"], data.get("base_amount_cny"), used,
                          basis_year)["explanation"]
    app = SubsidyApplication(
        number=settings(tenant).number_format.format(prefix=settings(tenant).number_prefix, year=year,
                                                     seq=seq),
        year=year, seq=seq, enterprise_id=enterprise.id, rule_code=rule.code, org_type=data["org_type"],
        basis_date=data["basis_date"], basis_year=basis_year, quantity=data["quantity"],
        base_amount_cny=data.get("base_amount_cny"), objects=list(data.get("objects") or []), cap_key=cap_key,
        estimate_cny=est["amount_cny"], estimate_used_cny=used, estimate_explanation=stored,
        extra=data.get("extra") or {}, form_version=tenant.forms.version)
    saved = []
    try:
        with savepoint():  # another submission may have claimed the object first: this one alone is undone
            filing.submit(app, OBJECT_TYPE, user, {
                "number": app.number, "rule": rule.code, "basis_date": app.basis_date.isoformat(),
                "objects": app.objects, "estimate_cny": app.estimate_cny})
            for group, key in claims:
                db.session.add(SubsidyClaim(claim_group=group, object_key=key, application_id=app.id))
            db.session.flush()
            if upload is not None:
                saved.append(_save_evidence(user, app, cfg, upload, cfg.evidence[0].code))
    except IntegrityError:  # a concurrent submission claimed the object first
        _duplicate()
    except BaseException:
        _remove_file(saved[0] if saved else None)
        raise
    return app


def estimate_of(app: SubsidyApplication) -> dict:
    """``{"amount_cny", "explanation", "arithmetic", "citation"}`` in the reader's language, from the stored
    inputs; should the tenant's files have changed so that they no longer give the stored amount, the stored
    Chinese text is shown instead (an application never changes what it was told)."""
    tenant = _tenant()
    cfg, rule = rule_pair(tenant, app.rule_code)
    if cfg is None:
        return {"amount_cny": app.estimate_cny, "explanation": app.estimate_explanation,
                "arithmetic": app.estimate_explanation, "citation": None}
    again = _compute(tenant, cfg, rule, app.quantity, app.base_amount_cny, app.estimate_used_cny,
                     app.basis_year)
    if again["amount_cny"] != app.estimate_cny:
        again["explanation"] = again["arithmetic"] = app.estimate_explanation
        again["amount_cny"] = app.estimate_cny
    return again


# --- evidence ----------------------------------------------------------------------------------------------

def _remove_file(att):
    if att is None:
        return
    try:
        attachments._path(att).unlink(missing_ok=True)  # the row was rolled back: no file without it
    except OSError:
        current_app.logger.warning("could not remove the file of attachment %s", att.id)


def _save_evidence(user, app, cfg, upload, document: str):
    att = attachments.save(upload, OBJECT_TYPE, app.id, user, allowed=EVIDENCE_TYPES,
                           max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])
    db.session.add(SubsidyEvidence(application_id=app.id, attachment_id=att.id, document=document))
    db.session.flush()
    return att


def attach(user, application_id: str, upload, document: str | None = None):
    """Add an evidence file (PDF, JPEG or PNG by content) to one's own submitted application; ``document``
    (the slot) names which of the rule's evidence documents it is (default: the first)."""
    app = get(user, application_id)
    if app.status != "submitted":
        error(409, _("该申请已作出决定，不能再添加附件。"))
    cfg, _rule = rule_pair(_tenant(), app.rule_code)
    codes = [e.code for e in cfg.evidence] if cfg else []
    document = document or (codes[0] if codes else "other")
    if codes and document not in codes:
        message = _("必须是以下之一：%(choices)s。", choices=", ".join(codes))
        error(422, message, {"document": [message]}, location="form")
    saved = None
    try:
        with savepoint():
            saved = _save_evidence(user, app, cfg, upload, document)
    except BaseException:
        _remove_file(saved)
        raise
    return saved


def attachment_list(user, application_id: str) -> list[Attachment]:
    return attachments_of(get(user, application_id))


def attachments_of(app) -> list[Attachment]:
    return attachments.list_for(OBJECT_TYPE, app.id)


def evidence_code(att) -> str | None:
    return db.session.scalar(select(SubsidyEvidence.document).where(SubsidyEvidence.attachment_id == att.id))


def evidence_status(app) -> list[dict]:
    """Each evidence document of the rule with the files uploaded for it."""
    cfg, _rule = rule_pair(_tenant(), app.rule_code)
    files: dict[str, list] = {}
    rows = db.session.execute(select(SubsidyEvidence.document, Attachment).join(
        Attachment, Attachment.id == SubsidyEvidence.attachment_id).where(
        SubsidyEvidence.application_id == app.id).order_by(Attachment.uploaded_at))
    for document, att in rows:
        files.setdefault(document, []).append(att)
    return [{"code": e.code, "label": pick(e.label_zh, e.label_en), "required": e.required,
             "files": files.get(e.code, [])} for e in (cfg.evidence if cfg else ())]


def attachment(user, application_id: str, attachment_id: str):
    app = get(user, application_id)
    return attachments.get_for(OBJECT_TYPE, app.id, attachment_id)


# --- reading -----------------------------------------------------------------------------------------------

def get(user, application_id: str) -> SubsidyApplication:
    """404 for an unknown id, another tenant's or another organization's application."""
    return filing.get_or_404(SubsidyApplication, application_id, user, enterprise_id_of(user))


def listed_query(user, filters: dict | None):
    filters = filters or {}
    stmt = (filing.owned(SubsidyApplication, user, enterprise_id_of(user))
            .where(*filing.list_conditions(SubsidyApplication, filters)))
    if filters.get("rule"):
        stmt = stmt.where(SubsidyApplication.rule_code == filters["rule"])
    return stmt.order_by(SubsidyApplication.submitted_at.desc(), SubsidyApplication.seq.desc())


def page(user, filters: dict, page_no: int, page_size: int):
    """One page of the applications ``user`` may see, newest first, and the total."""
    stmt = listed_query(user, filters)
    # count(*) over the list's FROM and WHERE, not over a subquery of every column (SQLite materializes it)
    total = db.session.scalar(stmt.with_only_columns(func.count(),
                                                     maintain_column_froms=True).order_by(None)) or 0
    if (page_no - 1) * page_size >= total:
        return [], total
    return list(db.session.scalars(stmt.offset((page_no - 1) * page_size).limit(page_size)).unique()), total


# --- the bureau's decision ---------------------------------------------------------------------------------

def decide(user, application_id: str, data: dict) -> SubsidyApplication:
    """Approve with a granted amount (at most the estimate where the policy sets one; any non-negative
    amount where it sets none, and then the amount is required) or reject with a reason — once (409).

    The grant is charged to the rule's budget lines (``budget.charge``): the application gets ``warning``,
    the lines the grant takes over their amount (or None), exact under concurrent approvals; a line set
    to refuse answers 409 instead."""
    app = db.session.scalar(filing.owned(SubsidyApplication, user, enterprise_id_of(user))
                            .where(SubsidyApplication.id == application_id)
                            .with_for_update(of=SubsidyApplication))
    if app is None:
        error(404)
    decision, amount = data.get("decision"), data.get("amount_cny")
    app.warning = None
    if decision == "approve" and app.status == "submitted":
        budget.prepare()
        if amount is None and app.estimate_cny is None:
            message = _("本政策未规定金额，批准时须填写核定金额。")
            error(422, message, {"amount_cny": [message]})
        if amount is None:
            amount = app.estimate_cny
        if app.estimate_cny is not None and amount > app.estimate_cny:
            message = _("核定金额不能超过估算金额 %(amount)s 元。", amount=policy.money(app.estimate_cny))
            error(422, message, {"amount_cny": [message]})
    filing.decide(app, OBJECT_TYPE, decision, DECISIONS, data.get("reason"), user,
                  reason_required_for=("reject",))
    if app.status == "approved":
        db.session.execute(update(SubsidyApplication).where(SubsidyApplication.id == app.id)
                           .values(granted_cny=amount).execution_options(synchronize_session=False))
        set_committed_value(app, "granted_cny", amount)
        app.warning = budget.charge(app.rule_code, app.basis_year, amount)
        audit.record(f"{OBJECT_TYPE}.granted", OBJECT_TYPE, app.id,
                     {"amount_cny": amount, "estimate_cny": app.estimate_cny, "warning": app.warning},
                     actor=user)
    else:  # rejected: the objects may be claimed again
        db.session.execute(delete(SubsidyClaim).where(SubsidyClaim.application_id == app.id)
                           .execution_options(synchronize_session=False))
    return app


# --- counts
# --------------------------------------------------------------------------------------------------

def stats() -> dict[str, int]:
    """``{"submitted", "approved", "rejected", "approved_cny"}``: the current tenant's applications by their
    current status, and the sum granted."""
    counts = {s: 0 for s in STATUSES}
    for status, n in db.session.execute(select(SubsidyApplication.status, func.count())
                                        .group_by(SubsidyApplication.status)):
        counts[status] = n
    counts["approved_cny"] = int(db.session.scalar(
        select(func.coalesce(func.sum(SubsidyApplication.granted_cny), 0))
        .where(SubsidyApplication.status == "approved")) or 0)
    return counts


def stats_by_tenant(aggregates, slugs: list[str]) -> dict[str, dict]:
    """``stats()`` of every tenant, each read as that tenant (the sums granted are no mere status count)."""
    from ipservice.core.tenancy import tenant_context

    out = {}
    for slug in slugs:
        with tenant_context(slug):
            out[slug] = stats()
    return out


def stats_extra() -> dict:
    """``{"liability": [{"year", "amount_cny"}]}``: owed per year (amounts only, no names)."""
    years: dict[int, int] = {}
    for row in budget.liability():
        years[row["year"]] = years.get(row["year"], 0) + row["amount_cny"]
    return {"liability": [{"year": y, "amount_cny": a} for y, a in sorted(years.items())]}
