"""Pages of imports from a page (bureau, own tenant): the list, a new import (kind and file, the kinds'
templates), one import with its progress while the job runs and its report after, the report's downloads.
Session cookie + CSRF; the same services as the API."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core.access import access
from ipservice.core.errors import Refusal
from ipservice.forms.render import refusal
from ipservice.importing import reports, services

bp = Blueprint("importing", __name__, template_folder="templates")


def nav():
    """导入 for the bureau in its own tenant."""
    tenant = g.get("tenant")
    if (not current_user.is_authenticated or current_user.role != "bureau" or tenant is None
            or current_user.tenant_id != tenant.slug):
        return []
    return [{"url": url_for("importing.index", tenant=tenant.slug), "label": _("导入")}]


@bp.route("/t/<tenant>/imports")
@access("bureau")
def index():
    return render_template("importing/index.html", imports=services.recent(), kinds=_kind_labels())


@bp.route("/t/<tenant>/imports/new", methods=["GET", "POST"])
@access("bureau")
def new():
    errors, message, status = {}, None, 200
    if request.method == "POST":
        try:
            imp = services.create(current_user, request.form.get("kind"), request.files.get("file"))
        except Refusal as exc:
            status, message, errors = refusal(exc)
        else:
            return redirect(url_for("importing.detail", tenant=imp.tenant_id, import_id=imp.id), 303)
    return render_template("importing/new.html", kinds=services.kinds(), chosen=request.values.get("kind"),
                           errors=errors, message=message), status


@bp.route("/t/<tenant>/imports/template/<kind>.xlsx")
@access("bureau")
def template(kind):
    return reports.template_response(services.kind_of(kind))


@bp.route("/t/<tenant>/imports/<import_id>")
@access("bureau")
def detail(import_id):
    imp = services.get(import_id)
    ended = imp.status in ("done", "failed")
    problems = services.outcomes(imp, ("error", "skipped"), services.PAGE_ROWS) if ended else []
    return render_template("importing/detail.html", imp=imp, ended=ended, problems=problems,
                           kinds=_kind_labels(), limit=services.PAGE_ROWS)


@bp.route("/t/<tenant>/imports/<import_id>/status")
@access("bureau")
def status(import_id):
    """The import's progress for the page's script (the API answers bearer tokens only)."""
    from ipservice.importing.api import as_dict

    return as_dict(services.get(import_id))


@bp.route("/t/<tenant>/imports/<import_id>/report.<any(csv, xlsx):fmt>")
@access("bureau")
def report(import_id, fmt):
    return reports.report_response(services.get(import_id), fmt)


def _kind_labels() -> dict:
    from ipservice.core.i18n import pick

    return {k.name: pick(*k.label) for k in services.kinds()}
