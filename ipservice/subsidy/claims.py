"""The checks of a subsidy application before its estimate: the rule applicable on the basis date and to the
organization, the cap it shares and what the others took of it, the objects it claims (one subsidy per
object) and the amount the rule gives (the decisions: the docstring of ``subsidy.services``)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ipservice.core import identifiers
from ipservice.core.errors import error
from ipservice.core.i18n import listing, pick
from ipservice.core.labels import ORG_TYPES, label, status_label
from ipservice.extensions import db
from ipservice.policy import services as policy
from ipservice.subsidy.models import ACTIVE, SubsidyApplication, SubsidyClaim
from ipservice.subsidy.rules import citation_of, org_types_of, rule_pair


def _applicable(tenant, data):
    """``(settings, rule)`` of the application's rule: 422 when it is not one of the tenant's applicable
    rules, was not in force on the basis date, or does not fund this kind of organization."""
    cfg, rule = rule_pair(tenant, data.get("rule"))
    if cfg is None:
        message = _("本地区没有可申请的该项政策。")
        error(422, message, {"rule": [message]})
    basis = data["basis_date"]
    if not rule.in_force(basis):
        message = _("%(name)s的有效期为 %(start)s 至 %(end)s，依据日期 %(date)s 不在其中。",
                    name=pick(rule.name_zh, rule.name_en), start=rule.effective_from.isoformat(),
                    end=rule.effective_to.isoformat(), date=basis.isoformat())
        error(422, message, {"basis_date": [message]})
    kinds = org_types_of(cfg, rule)
    if kinds and data["org_type"] not in kinds:
        message = _("%(name)s只资助%(kinds)s，不资助%(kind)s。", name=pick(rule.name_zh, rule.name_en),
                    kinds=listing(kinds, lambda k: label(ORG_TYPES, k)),
                    kind=label(ORG_TYPES, data["org_type"]))
        error(422, message, {"org_type": [message]})
    return cfg, rule


def _cap_key(cfg, enterprise_id: str, data: dict) -> str | None:
    """Whose cap the application shares: the applicant's, or the canonical USCC in ``cap_key_field`` (the
    field is of type "uscc", checked by the form: a spelling of a borrower is that borrower)."""
    if cfg.cap_per == "application":
        return None
    if cfg.cap_key_field:
        return "f:" + identifiers.uscc(str((data.get("extra") or {}).get(cfg.cap_key_field) or ""))
    return enterprise_id


def object_key(cfg, obj: str) -> str:
    """The canonical form of one object the application names (as the form loaded it): what is claimed."""
    return identifiers.document_number(obj) if cfg.object == "document" else obj


def _claims(cfg, enterprise_id: str, data: dict) -> list[tuple[str, str]]:
    """``(claim group, object key)`` of everything the application claims, each object canonical."""
    keys = [f"{cfg.object}:{object_key(cfg, o)}" for o in data.get("objects") or []]
    if cfg.once_per == "enterprise":
        keys.append(f"enterprise:{enterprise_id}")
    elif cfg.once_per == "enterprise_year":
        keys.append(f"enterprise:{enterprise_id}:{data['basis_date'].year}")
    return [(cfg.claim_group, k) for k in keys]


def _used(cfg, cap_key: str | None, year: int, exclude_id: str | None = None) -> int:
    """What the other applications under the rule sharing the cap take of it: estimates of the submitted
    ones, grants of the approved ones."""
    if cap_key is None:
        return 0
    taken = case((SubsidyApplication.status == "approved", func.coalesce(SubsidyApplication.granted_cny, 0)),
                 else_=func.coalesce(SubsidyApplication.estimate_cny, 0))
    stmt = select(func.coalesce(func.sum(taken), 0)).where(
        SubsidyApplication.rule_code == cfg.rule, SubsidyApplication.cap_key == cap_key,
        SubsidyApplication.status.in_(ACTIVE))
    if cfg.cap_per == "enterprise_year":
        stmt = stmt.where(SubsidyApplication.basis_year == year)
    if exclude_id:
        stmt = stmt.where(SubsidyApplication.id != exclude_id)
    return int(db.session.scalar(stmt) or 0)


def _compute(tenant, cfg, rule, quantity, base, used, year) -> dict:
    result = policy.rule_amount(rule, unit=cfg.unit, quantity=quantity, base_cny=base, used_cny=used,
                                cap_per=cfg.cap_per, year=year)
    return {"amount_cny": result["amount_cny"], "arithmetic": result["arithmetic"],
            "explanation": policy.explained(tenant, rule, result["arithmetic"]),
            "citation": citation_of(tenant, rule)}


def _claimed_by(claims) -> SubsidyApplication | None:
    """The application that holds one of ``claims`` already, if any."""
    for group, key in claims:
        holder = db.session.scalar(select(SubsidyClaim.application_id).where(
            SubsidyClaim.claim_group == group, SubsidyClaim.object_key == key))
        if holder:
            return db.session.scalar(select(SubsidyApplication).where(SubsidyApplication.id == holder))
    return None


def _duplicate(holder: SubsidyApplication | None = None, enterprise_id: str | None = None):
    """409. The holder's number and status are named to its own organization only: another organization's
    application is not the applicant's business (issue 20)."""
    if holder is not None and holder.enterprise_id == enterprise_id:
        message = _("申请的对象已在本地区按同一政策申请过资助（申请编号 %(number)s，%(status)s），"
                    "同一对象只能资助一次。", number=holder.number, status=status_label(holder.status))
    else:
        message = _("申请的对象已在本地区按同一政策申请过资助，同一对象只能资助一次。")
    error(409, message)
