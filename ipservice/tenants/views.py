from flask import Blueprint, render_template

from ipservice.core.access import access
from ipservice.tenants import registry

bp = Blueprint("tenants", __name__, template_folder="templates")


@bp.route("/")
@access("anyone")
def index():
    return render_template("tenants/index.html", tenants=registry.all())


@bp.route("/t/<tenant>/")
@access("anyone")
def home():
    from flask import g

    from ipservice.tenants.home import home_context

    return render_template("tenants/home.html", **home_context(g.tenant))
