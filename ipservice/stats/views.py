from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import hooks
from ipservice.core.access import access
from ipservice.stats import services

bp = Blueprint("stats", __name__, template_folder="templates")


@bp.route("/stats")
@access("cross_admin")
def dashboard():
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        year = None
    data = services.aggregate(year)
    peaks = {
        "custody": max([t["custody"]["approved"] for t in data["tenants"]] + [1]),
        "certifications": max([t["certifications"]["verified"] for t in data["tenants"]] + [1]),
        "cases": max([t["cases"]["total"] for t in data["tenants"]] + [1]),
    }
    return render_template("stats/dashboard.html", data=data, peaks=peaks, year=year)


def _nav():
    if current_user.is_authenticated and current_user.role == "cross_admin":
        return [{"url": url_for("stats.dashboard"), "label": _("跨地区统计")}]
    return []


def _landing(user):
    return url_for("stats.dashboard") if user.role == "cross_admin" else None


def init_app(app):
    hooks.nav(app, _nav)
    hooks.landing(app, _landing)
