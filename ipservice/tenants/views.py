from flask import Blueprint, current_app, g, redirect, render_template
from flask_login import current_user

from ipservice.core import hooks
from ipservice.core.access import access
from ipservice.tenants import registry

bp = Blueprint("tenants", __name__, template_folder="templates")


@bp.route("/")
@access("anyone")
def index():
    return render_template("tenants/index.html", tenants=registry.identities())


@bp.route("/favicon.ico")
@access("anyone")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same icon from static/."""
    return current_app.send_static_file("favicon.ico")


@bp.route("/t/<tenant>/")
@access("anyone")
def home():
    """The tenant's home: a signed-in user of the tenant starts on their worklist (an area's landing page);
    everybody else sees the public overview."""
    if current_user.is_authenticated and current_user.tenant_id == g.tenant.slug:
        url = hooks.landing_url(current_user)
        if url:
            return redirect(url)
    return overview()


@bp.route("/t/<tenant>/overview")
@access("anyone")
def overview():
    """The public page of the tenant: documents, centers, rules, KPI tables, tasks — for everyone."""
    from ipservice.tenants.home import home_context

    return render_template("tenants/home.html", **home_context(g.tenant))
