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
import functools

from babel import Locale
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from ipservice.accounts.services import enterprise_id_of, enterprise_of, lock_enterprise
from ipservice.certification.models import DECISIONS, OBJECT_TYPE, RECORD_STATUSES, CertificationRecord
from ipservice.certification.standards import add_years, resolve
from ipservice.core import attachments, audit, filing
from ipservice.core.attachments import Attachment
from ipservice.core.errors import error
from ipservice.core.i18n import pick
from ipservice.core.labels import ORG_TYPES, status_label
from ipservice.core.tenancy import current_tenant
from ipservice.core.transaction import savepoint
from ipservice.core.types import china_time, today_china
from ipservice.extensions import db
from ipservice.forms.render import tenant_field_value
from ipservice.kpi.metrics import count_by_year, up_to
from ipservice.policy import services as policy

PDF_ONLY = ("application/pdf",)
CLAIMING = ("submitted", "verified")
REASON_REQUIRED_FOR = ("reject",)  # the decisions that need a reason


# --- the subsidy estimate ---------------------------------------------------------------------------------

def _tenant_of(record):
    return current_tenant()


def _already_reason(prior: CertificationRecord) -> str:
    return _("本单位已有同一标准（%(standard)s）的贯标备案，证书编号 %(no)s。",
             standard=prior.standard, no=prior.certificate_no)


def _compute(tenant, record, prior: CertificationRecord | None) -> dict:
    return policy.subsidy_estimate(
        tenant, "certification", record.issued_on, org_type=record.org_type, what=_("贯标认证"),
        already_granted=_already_reason(prior) if prior is not None else None)


def _rule(tenant, code):
    return next((r for r in tenant.rules if r.code == code), None) if code else None


def _takes_subsidy(tenant, record) -> bool:
    """Whether ``record`` takes its organization's one subsidy for its standard (a rule applied to it)."""
    if record.subsidy_prior_id or record.subsidy_amount_cny == 0:
        return False
    rule = _rule(tenant, record.subsidy_rule_code)
    if rule is None:
        return False
    return not rule.org_types or record.org_type in rule.org_types


def _prior_claim(tenant, record) -> CertificationRecord | None:
    """The other submitted or verified record of the same organization and standard that takes the subsidy
    (at most one: ``uq_certification_records_subsidy_claim``)."""
    stmt = (select(CertificationRecord)
            .where(CertificationRecord.enterprise_id == record.enterprise_id,
                   CertificationRecord.standard == record.standard,
                   CertificationRecord.status.in_(CLAIMING),
                   CertificationRecord.subsidy_claim.is_(True)))
    if record.id:
        stmt = stmt.where(CertificationRecord.id != record.id)
    # Only its number and standard are read (the estimate's reason): not its organization (selectin).
    return db.session.scalar(stmt.options(lazyload(CertificationRecord.enterprise)).limit(1))


def _estimate_into(tenant, record) -> dict:
    """Make the estimate for ``record`` (Chinese text stored) and store it on the record."""
    return estimate_with(tenant, record, _prior_claim(tenant, record))


_STORED_LOCALE = str(Locale.parse("zh_CN"))  # "zh_Hans_CN", as get_locale() names it


def estimate_with(tenant, record, prior) -> dict:
    """The estimate of ``record`` given the record that already takes the subsidy (``prior``, or None),
    stored on ``record`` (a record, or any object with its attributes: the bulk import's rows).

    Made once, in Chinese (the stored text, whatever the request's language): the amount and the rule do
    not depend on the language, and the text is re-rendered in the reader's language when shown."""
    if str(get_locale()) == _STORED_LOCALE:
        est = _compute(tenant, record, prior)
    else:
        with force_locale("zh_CN"):
            est = _compute(tenant, record, prior)
    record.subsidy_amount_cny = est["amount_cny"]
    record.subsidy_rule_code = est["rule_code"]
    record.subsidy_prior_id = prior.id if prior is not None else None
    record._prior = prior  # estimate_of answers with it in this request without fetching it again
    record.subsidy_claim = _takes_subsidy(tenant, record)
    record.subsidy_explanation = est["explanation"]
    return est


def estimate_of(record) -> dict:
    """``{"amount_cny", "rule_code", "explanation", "citation"}`` of a record, explained in the reader's
    language (see the module docstring)."""
    tenant = _tenant_of(record)
    prior = getattr(record, "_prior", None)
    if record.subsidy_prior_id and (prior is None or prior.id != record.subsidy_prior_id):
        prior = db.session.get(CertificationRecord, (record.tenant_id, record.subsidy_prior_id))
    # Everything the answer depends on (the tenant's configuration is immutable once loaded): a list shows
    # the same records again and again, and re-rendering an explanation costs more than the rest of its row.
    inputs = _Inputs(tenant, str(get_locale()), record.issued_on, record.org_type, record.subsidy_prior_id,
                     (prior.id, prior.standard, prior.certificate_no) if prior is not None else None,
                     record.subsidy_amount_cny, record.subsidy_rule_code, record.subsidy_explanation)
    return dict(_explained(inputs))


class _Inputs(tuple):
    """The inputs of ``estimate_of``'s answer, hashed and compared with the tenant by identity (a loaded
    tenant is a frozen configuration; hashing its contents would cost more than the answer)."""

    def __new__(cls, tenant, *rest):
        return super().__new__(cls, (tenant, *rest))

    def __hash__(self):
        return hash((id(self[0]), *self[1:]))

    def __eq__(self, other):
        return isinstance(other, _Inputs) and self[0] is other[0] and tuple.__eq__(self[1:], other[1:])

    def __ne__(self, other):
        return not self == other


class _PriorSeen:
    """What the estimate reads of the prior record (its standard and number, for the reason)."""

    def __init__(self, id_, standard, certificate_no):
        self.id, self.standard, self.certificate_no = id_, standard, certificate_no


class _RecordSeen:
    def __init__(self, issued_on, org_type):
        self.issued_on, self.org_type = issued_on, org_type


@functools.lru_cache(maxsize=4096)
def _explained(inputs: _Inputs) -> dict:
    """``estimate_of``'s answer for its inputs (see there; the cache keeps the tenant object alive, so an
    identity is never reused while it is a key)."""
    tenant, _locale, issued_on, org_type, prior_id, prior, amount, rule_code, stored = inputs
    explanation = stored
    if tenant is not None and (prior_id is None or prior is not None):
        again = _compute(tenant, _RecordSeen(issued_on, org_type), _PriorSeen(*prior) if prior else None)
        if (again["amount_cny"], again["rule_code"]) == (amount, rule_code):
            explanation = again["explanation"]
    rule = _rule(tenant, rule_code) if tenant is not None else None
    citation = None
    if rule is not None:
        citation = {"document": tenant.document(rule.source.document).label, "clause": rule.source.clause,
                    "quote": rule.source.quote}
    return {"amount_cny": amount, "rule_code": rule_code, "explanation": explanation, "citation": citation}


# --- submission and scans ---------------------------------------------------------------------------------

def _enterprise_or_403(user):
    enterprise = enterprise_of(user)
    if enterprise is None:
        error(403, _("该账号没有关联的单位，不能提交贯标备案。"))
    return enterprise


def _duplicate(certificate_no: str, exclude_id: str | None = None) -> bool:
    stmt = select(CertificationRecord.id).where(CertificationRecord.certificate_no == certificate_no,
                                                CertificationRecord.status != "rejected")
    if exclude_id:
        stmt = stmt.where(CertificationRecord.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


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
    fields = record_fields(tenant, data)
    if _duplicate(data["certificate_no"]):
        _duplicate_error()
    record = CertificationRecord(enterprise_id=enterprise.id, **fields)
    lock_enterprise(enterprise.id)
    est = _estimate_into(tenant, record)
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


def export_headers(tenant) -> list[str]:
    """The export's column headers in the user's language, the tenant's own fields last."""
    return [_("序号"), _("单位名称"), _("统一社会信用代码"), _("单位类型"), _("标准"), _("标准版本"),
            _("证书编号"), _("认证机构"), _("发证日期"), _("有效期至"), _("辅导机构"), _("认证范围"),
            _("状态"), _("资助估算(元)"),
            _("依据"), _("估算说明"), _("提交时间"), _("审核时间"), _("审核意见")] + [
        pick(f.label_zh, f.label_en) for f in tenant.forms.fields_for("certification")]


def export_table(tenant, user, filters: dict) -> tuple[list[str], list[list]]:
    """Headers and rows of the filtered records (all of them), for core.exports — in the user's language,
    the estimate's explanation too (re-rendered from what was stored, as the pages show it); what the
    organizations typed stays as it is."""
    extras = tenant.forms.fields_for("certification")
    rows = []
    for n, r in enumerate(db.session.scalars(_select(user, filters)), start=1):
        est = {"amount_cny": r.subsidy_amount_cny, "rule_code": r.subsidy_rule_code}
        rule = _rule(tenant, est["rule_code"])
        basis = policy.citation(tenant, rule) if rule is not None else None
        enterprise = r.enterprise
        row = [n, enterprise.name if enterprise else None, enterprise.uscc if enterprise else None,
               org_type_label(r.org_type), r.standard, r.standard_edition, r.certificate_no,
               r.certification_body, r.issued_on, r.expires_on, r.consulting_agency, r.scope,
               status_label(r.status), est["amount_cny"], basis, estimate_of(r)["explanation"],
               china_time(r.submitted_at), china_time(r.decided_at), r.decision_reason]
        row += [tenant_field_value(f, (r.extra or {}).get(f.name)) for f in extras]
        rows.append(row)
    return export_headers(tenant), rows


def export_name(tenant) -> tuple[str, str, str]:
    """(sheet title, caption, file name stem) of the export, in the user's language."""
    from ipservice.core.exports import filename_stem

    today = today_china()
    title = _("贯标认证备案")
    caption = _("%(tenant)s贯标认证备案表（导出日期：%(date)s）", tenant=pick(tenant.name_zh, tenant.name_en),
                date=today.isoformat())
    return title, caption, filename_stem(tenant, title, today)


def export(fmt: str, user, filters: dict):
    """The filtered records as an ``.xlsx`` or ``.csv`` download, in the reader's language."""
    from ipservice.core.exports import table_response

    tenant = current_tenant()
    headers, rows = export_table(tenant, user, filters)
    title, caption, stem = export_name(tenant)
    return table_response(fmt, title, headers, rows, stem, caption=caption)


def org_type_label(org_type: str) -> str:
    pair = ORG_TYPES.get(org_type)
    return pick(*pair) if pair else org_type


# --- demo data --------------------------------------------------------------------------------------------

def load_demo(tenant, users) -> None:
    """One submitted record for ``enterprise1`` of the tenant (once: a rerun finds it and adds nothing)."""
    user = users.get("enterprise1")
    if user is None:
        return
    number = f"DEMO-{tenant.slug.upper()}-0001"
    if db.session.scalar(select(CertificationRecord.id).where(CertificationRecord.certificate_no == number)):
        return
    today = today_china()
    issued = today - dt.timedelta(days=30)
    # Inside the period of the tenant's certification rule where it has one, so the demo shows an estimate.
    rule = next((r for r in tenant.rules if r.applies_to == "certification" and r.kind != "target"), None)
    if rule is not None and rule.effective_from <= today:
        issued = min(rule.effective_from + dt.timedelta(days=60), rule.effective_to, today)
    data = {"org_type": "enterprise", "standard_edition": None, "certificate_no": number,
            "certification_body": "中知（北京）认证有限公司", "issued_on": issued,
            "expires_on": add_years(issued, 3) - dt.timedelta(days=1), "consulting_agency": None,
            "scope": "与研发、生产和销售相关的知识产权管理", "extra": _demo_extra(tenant, issued)}
    submit(user, data)


def _demo_extra(tenant, issued) -> dict:
    """A plausible value for each required field of the tenant's own (none of the four has one yet)."""
    out = {}
    for f in tenant.forms.fields_for("certification"):
        if not f.required:
            continue
        first = f.choices[0]["value"] if f.choices else None
        out[f.name] = {"choice": first, "multi_choice": [first], "date": issued.isoformat(), "integer": 0,
                       "boolean": False}.get(f.type, "示例")
    return out
