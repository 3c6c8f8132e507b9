"""Pages: the claim form and its status (anyone), the bureau's organizations with their claims."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.accounts import throttle
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.core.attachments import send
from ipservice.core.errors import error
from ipservice.extensions import limiter, register_rate
from ipservice.forms.render import for_page, load_form, refusal
from ipservice.organizations import schemas, services

bp = Blueprint("organizations", __name__, template_folder="templates")


@bp.route("/t/<tenant>/claims/new", methods=["GET", "POST"])
@access("anyone")
@limiter.limit(register_rate, methods=["POST"])
@throttle.register_refused
def claim_new():
    schema = schemas.ClaimIn()
    values = request.form if request.method == "POST" else {"uscc": request.args.get("uscc", "")}
    errors, message, status = {}, None, 200
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            try:
                claim = services.submit_claim(data, request.files.get("licence"))
            except Refusal as exc:
                if exc.status not in (409, 413, 415, 422):
                    raise
                status, message, errors = refusal(exc)
            else:
                flash(_("认领申请已提交。请保存本页地址，以便查看审核结果；批准后即可用该邮箱登录。"))
                return redirect(url_for("organizations.claim_status", claim_id=claim.id))
    return render_template("organizations/claim_new.html", fields=for_page(schema), values=values,
                           errors=errors, message=message), status


@bp.route("/t/<tenant>/claims/<claim_id>")
@access("anyone")
def claim_status(claim_id):
    """The claimant's view of the decision: the claim's id is unguessable, the page shows no personal data."""
    return render_template("organizations/claim_status.html", claim=services.get_claim(claim_id))


@bp.route("/t/<tenant>/claims/<claim_id>/licence")
@access("bureau")
def licence(claim_id):
    found = services.licence_of(services.get_claim(claim_id))
    if found is None:
        error(404)
    return send(found)


@bp.route("/t/<tenant>/claims/<claim_id>/decision", methods=["POST"])
@access("bureau")
def decide(claim_id):
    claim = services.get_claim(claim_id)
    data, errors = load_form(schemas.ClaimDecisionIn(), request.form)
    if data:
        try:
            services.decide_claim(claim_id, data["decision"], data.get("reason"), current_user)
        except Refusal as exc:
            if exc.status not in (409, 422):
                raise
            _status, message, errors = refusal(exc)
            errors = errors or {"_schema": [message]}
        else:
            flash(_("认领申请已处理。"))
            return redirect(url_for("organizations.detail", enterprise_id=claim.enterprise_id))
    return _detail(claim.enterprise_id, decision_errors={claim.id: errors}), 422


@bp.route("/t/<tenant>/organizations")
@access("bureau")
def index():
    flag = request.args.get("verified")
    verified = {"1": True, "0": False}.get(flag)
    return render_template("organizations/index.html", organizations=services.list_organizations(verified),
                           verified=flag, pending=services.list_claims("pending"))


@bp.route("/t/<tenant>/organizations/<enterprise_id>")
@access("bureau")
def detail(enterprise_id):
    return _detail(enterprise_id)


def _detail(enterprise_id, decision_errors=None):
    enterprise = services.get_organization(enterprise_id)
    claims = services.list_claims(enterprise_id=enterprise.id)
    return render_template("organizations/detail.html", org=enterprise, claims=claims,
                           licences={c.id: services.licence_of(c) for c in claims},
                           decision_errors=decision_errors or {})


@bp.route("/t/<tenant>/organizations/<enterprise_id>/verify", methods=["POST"])
@access("bureau")
def verify(enterprise_id):
    try:
        services.verify(enterprise_id, current_user)
    except Refusal as exc:
        if exc.status != 409:
            raise
        flash(refusal(exc)[1])
    else:
        flash(_("已核实该单位。"))
    return redirect(url_for("organizations.detail", enterprise_id=enterprise_id))


@bp.app_template_global()
def is_unverified_org(org) -> bool:
    """For the ``org_mark`` macro: an organization (model, or a filing's ``{"id", …}`` dict) not verified
    by the bureau. One query per request for the dicts (a list page shows many)."""
    from flask import g

    if hasattr(org, "verified_at"):
        return org.verified_at is None
    if "_unverified_orgs" not in g:
        g._unverified_orgs = services.unverified_ids()
    return (org.get("id") if isinstance(org, dict) else None) in g._unverified_orgs


def _nav():
    if getattr(current_user, "is_authenticated", False) and current_user.role == "bureau":
        return [{"url": url_for("organizations.index", tenant=current_user.tenant_id), "label": _("单位核实")}]
    return []

