"""我的导出 — the page of the caller's large exports, with their state and download links."""
from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import filing
from ipservice.core.access import access
from ipservice.core.i18n import pick
from ipservice.exporting import services

bp = Blueprint("exporting", __name__, template_folder="templates", url_prefix="/t/<tenant>/exports")


@bp.app_context_processor
def _labels():
    def kind_label(name: str) -> str:
        kind = filing.kind(name)
        return pick(*kind.label) if kind else name

    def export_status_label(status: str) -> str:
        texts = {"queued": _("排队中"), "running": _("生成中"), "done": _("已完成"), "failed": _("失败")}
        return texts.get(status, status)

    return {"kind_label": kind_label, "export_status_label": export_status_label}


@bp.route("/")
@access("bureau")
def index():
    return render_template("exporting/index.html", jobs=services.mine(current_user))


@bp.route("/<export_id>/file")
@access("bureau")
def download(export_id):
    return services.send(current_user, export_id)


def nav_link():
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated or current_user.role != "bureau" \
            or current_user.tenant_id != tenant.slug:
        return []
    return [{"url": url_for("exporting.index"), "label": _("我的导出")}]
