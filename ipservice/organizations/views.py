"""Pages: the claim form and its status (anyone), the bureau's organizations with their claims."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.accounts import throttle
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.core.attachments import send
from ipservice.core.errors import error
from ipservice.extensions import limiter, register_rate
from ipservice.forms.render import for_page, load_form, refusal
from ipservice.organizations import completion, schemas, services

bp = Blueprint("organizations", __name__, template_folder="templates")


@bp.route("/t/<tenant>/claims/new", methods=["GET", "POST"])
@access("anyone")
@throttle.register_attempts()
@throttle.register_refused
def claim_new():
    def submit(data):
        claim = services.submit_claim(data, request.files.get("licence"))
        flash(_("认领申请已提交。请保存本页地址，以便查看审核结果。区局批准后，"
                "验证码会发送到您填写的电子邮箱，凭验证码完成认领后即可用该邮箱登录。"))
        return redirect(url_for("organizations.claim_status", claim_id=claim.id))

    values = request.form if request.method == "POST" else _typed_at_registration(request.args.get("uscc",
                                                                                                   ""))
    return _public_form(schemas.ClaimPageIn(), "organizations/claim_new.html", values, submit,
                        (409, 413, 415, 422))


def _typed_at_registration(uscc: str) -> dict:
    """What the registration form held when its USCC was found taken (not the password), once."""
    from flask import session

    from ipservice.accounts.views import CLAIM_PREFILL

    typed = session.pop(CLAIM_PREFILL, None) or {}
    return typed if uscc and typed.get("uscc") == uscc else {"uscc": uscc}


@bp.errorhandler(429)
def too_many_attempts(exc):
    """The claim page refused for its rate keeps the form and says how long to wait."""
    return throttle.keep_the_form(exc, "organizations.claim_new", lambda message: (render_template(
        "organizations/claim_new.html", fields=for_page(schemas.ClaimPageIn()), values=request.form,
        errors={}, message=message), 429))


def _public_form(schema, template, values, act, refusable):
    """A form anyone fills in: on a valid POST ``act(data)`` answers (a redirect); a refusal it raises
    with a status in ``refusable`` goes beside the fields."""
    errors, message, status = {}, None, 200
    if request.method == "POST":
        data, errors = load_form(schema, request.form)
        status = 422 if errors else 200
        if data:
            try:
                return act(data)
            except Refusal as exc:
                if exc.status not in refusable:
                    raise
                status, message, errors = refusal(exc)
    return render_template(template, fields=for_page(schema), values=values, errors=errors,
                           message=message), status


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


@bp.route("/t/<tenant>/claims/complete", methods=["GET", "POST"])
@access("anyone")
@limiter.limit(register_rate, methods=["POST"])
def claim_complete():
    """The claimant completes an approved claim with the e-mail and the code mailed on approval."""
    def bind(data):
        completion.complete_claim(data["email"], data["code"])
        flash(_("认领已完成，请用认领时填写的邮箱和密码登录。"))
        return redirect(url_for("accounts.login"))

    values = request.form if request.method == "POST" else {"email": request.args.get("email", "")}
    return _public_form(schemas.ClaimCompletionIn(), "organizations/claim_complete.html", values, bind,
                        (409, 422))


@bp.route("/t/<tenant>/claims/<claim_id>/decision", methods=["POST"])
@access("bureau")
def decide(claim_id):
    claim = services.get_claim(claim_id)
    data, errors = load_form(schemas.ClaimDecisionIn(), request.form)
    if data:
        try:
            decided = services.decide_claim(claim_id, data["decision"], data.get("reason"), current_user)
        except Refusal as exc:
            if exc.status not in (409, 422):
                raise
            _status, message, errors = refusal(exc)
            errors = errors or {"_schema": [message]}
        else:
            if getattr(decided, "verification_code", None):  # shown this once: not kept anywhere
                return render_template("organizations/claim_approved.html", claim=decided,
                                       code=decided.verification_code)
            flash(_("认领申请已处理。"))
            return redirect(_claim_home(claim))
    if claim.enterprise_id is None:
        return _index(decision_errors={claim.id: errors}), 422
    return _detail(claim.enterprise_id, decision_errors={claim.id: errors}), 422


def _claim_home(claim):
    """A claim is decided on its organization's page; a claim of no organization on the index."""
    if claim.enterprise_id is None:
        return url_for("organizations.index")
    return url_for("organizations.detail", enterprise_id=claim.enterprise_id)


@bp.route("/t/<tenant>/organizations")
@access("bureau")
def index():
    return _index()


def _index(decision_errors=None):
    flag = request.args.get("verified")
    verified = {"1": True, "0": False}.get(flag)
    pending = services.list_claims("pending")
    orphans = services.shown([c for c in pending if c.enterprise_id is None])
    return render_template("organizations/index.html", organizations=services.list_organizations(verified),
                           verified=flag, pending=pending, orphans=orphans,
                           licences={c.id: services.licence_of(c) for c in orphans},
                           decision_errors=decision_errors or {})


@bp.route("/t/<tenant>/organizations/<enterprise_id>")
@access("bureau")
def detail(enterprise_id):
    return _detail(enterprise_id)


def _detail(enterprise_id, decision_errors=None):
    enterprise = services.get_organization(enterprise_id)
    claims = services.shown(services.list_claims(enterprise_id=enterprise.id))
    from ipservice.accounts import services as accounts

    return render_template("organizations/detail.html", org=enterprise, claims=claims,
                           account=accounts.user_of(enterprise),
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
    if hasattr(org, "verified_at"):
        return org.verified_at is None
    return not services.is_verified(org.get("id") if isinstance(org, dict) else None)


def _nav():
    if getattr(current_user, "is_authenticated", False) and current_user.role == "bureau":
        return [{"url": url_for("organizations.index", tenant=current_user.tenant_id),
                 "label": _("单位核实")}]
    return []

