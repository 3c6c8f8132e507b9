"""Custody pages beside the one set of filing pages (``core/filing_pages.py``:
``/t/<t>/custody-enrollments/``): the bureau's custody agencies, the header links, the home section, and
the old page URLs redirecting."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import filing, filing_pages
from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.custody import services
from ipservice.forms.render import flat_errors, for_page, load_form, page_refusal

bp = Blueprint("custody", __name__, template_folder="templates", url_prefix="/t/<tenant>/custody")

filing_pages.redirects(bp, {"/mine": "pages_custody.index", "/queue": "pages_custody.index",
                            "/new": "pages_custody.new", "/<enrollment_id>": "pages_custody.detail",
                            "/<enrollment_id>/decision": "pages_custody.decision",
                            "/export.<fmt>": "pages_custody.export"})


@bp.route("/agencies", methods=["GET", "POST"])
@access("bureau")
def agencies():
    """托管服务机构 — list (approved or not) and add."""
    from ipservice.custody import schemas

    schema = schemas.CustodyAgencyIn()
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schema, request.form)
        errors, status = flat_errors(errors), (422 if errors else 200)
        if data:
            try:
                agency = services.create_agency(data)
            except Refusal as exc:
                status, message, errors = page_refusal(exc)
            else:
                flash(_("已添加托管服务机构：%(name)s", name=agency.name))
                return redirect(url_for(".agencies"))
    return render_template("custody/agencies.html", agencies=services.list_agencies(include_unapproved=True),
                           fields=for_page(schema), values=values, errors=errors, message=message), status


@bp.route("/agencies/<agency_id>/approval", methods=["POST"])
@access("bureau")
def agency_approval(agency_id):
    approved = request.form.get("approved") in ("true", "1", "on")
    agency = services.set_agency_approval(agency_id, approved)
    flash(_("已批准托管服务机构：%(name)s", name=agency.name) if approved
          else _("已撤销托管服务机构的批准：%(name)s", name=agency.name))
    return redirect(url_for(".agencies"))


def nav_links():
    links = filing_pages.nav_links(filing.kind("custody"))
    if links and current_user.role == "bureau":
        links.append({"url": url_for("custody.agencies"), "label": _("托管服务机构")})
    return links


def agencies_section(tenant):
    """The tenant's approved custody agencies on its home page."""
    agencies = services.list_agencies()
    if not agencies:
        return None
    return "custody/_home_agencies.html", {"agencies": agencies}
