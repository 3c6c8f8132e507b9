"""The subsidy estimate of a 贯标 certification record: made once, at submission, in Chinese and stored;
re-explained in the reader's language whenever the record is shown; one subsidy per organization and
standard (the rules: the docstring of ``certification.services``)."""
from __future__ import annotations

import functools

from babel import Locale
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import lazyload

from ipservice.certification.models import CertificationRecord
from ipservice.core.tenancy import current_tenant
from ipservice.extensions import db
from ipservice.policy import services as policy

CLAIMING = ("submitted", "verified")  # the statuses of a record that may take its organization's subsidy


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


def _claims(record):
    """The other submitted or verified records of the same organization and standard that take the subsidy
    (at most one: ``uq_certification_records_subsidy_claim``)."""
    conds = [CertificationRecord.enterprise_id == record.enterprise_id,
             CertificationRecord.standard == record.standard,
             CertificationRecord.status.in_(CLAIMING),
             CertificationRecord.subsidy_claim.is_(True)]
    if record.id:
        conds.append(CertificationRecord.id != record.id)
    return and_(*conds)


def _prior_claim(tenant, record) -> CertificationRecord | None:
    """The record that takes the subsidy ``record`` could take (``_claims``), or None."""
    stmt = select(CertificationRecord).where(_claims(record))
    # Only its number and standard are read (the estimate's reason): not its organization (selectin).
    return db.session.scalar(stmt.options(lazyload(CertificationRecord.enterprise)).limit(1))


def prior_claim_or_duplicate(record) -> tuple[CertificationRecord | None, bool]:
    """``(the prior claim, whether the certificate number is filed already)`` of a new ``record``, in one
    query: a submission reads both under its organization's lock (two round trips were one each)."""
    duplicate = and_(CertificationRecord.certificate_no == record.certificate_no,
                     CertificationRecord.status != "rejected")
    rows = db.session.execute(
        select(CertificationRecord, duplicate.label("duplicate"))
        .where(or_(duplicate, _claims(record)))
        .options(lazyload(CertificationRecord.enterprise))).all()
    if any(row.duplicate for row in rows):
        return None, True
    return (rows[0][0] if rows else None), False


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
