"""The inbox page (``/inbox``), marking read, and the settings page (``/account/notifications``)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core.access import access
from ipservice.notifications import services, texts
from ipservice.notifications.models import CLASSES

bp = Blueprint("notifications", __name__, template_folder="templates")
SIGNED_IN = ("enterprise", "bureau", "cross_admin")


def class_labels() -> dict:
    return {"decision": _("申请的决定"), "progress": _("案件进展"), "new_filing": _("新提交的申请"),
            "account": _("账户安全"), "digest": _("每日提醒"),
            "background": _("后台任务（导入、大批量导出）")}


def nav_link():
    """站内信 in the header, with the unread count, for every signed-in user."""
    if not current_user.is_authenticated:
        return []
    n = services.unread_count(current_user)
    label = _("站内信（%(n)s）", n=n) if n else _("站内信")
    return [{"url": url_for("notifications.inbox"), "label": label}]


@bp.route("/inbox")
@access(*SIGNED_IN)
def inbox():
    unread_only = request.args.get("unread") == "1"
    notes = [texts.as_dict(n) for n in services.inbox(current_user, unread_only)]
    return render_template("notifications/inbox.html", notes=notes, unread_only=unread_only)


@bp.route("/inbox/<notification_id>/read", methods=["POST"])
@access(*SIGNED_IN)
def read(notification_id):
    note = services.mark_read(current_user, notification_id)
    target = texts.link(note) if request.form.get("open") else None
    return redirect(target or url_for("notifications.inbox"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@access(*SIGNED_IN)
def settings():
    if request.method == "POST":
        mode = request.form.get("new_filings", "each") if current_user.role == "bureau" else "each"
        services.save_settings(current_user, request.form.get("language", "zh"),
                               request.form.getlist("email_on"), mode)
        flash(_("通知设置已保存。"))
        return redirect(url_for("notifications.settings"))
    shown = [c for c in CLASSES
             if current_user.role == "bureau" or c not in ("new_filing", "digest", "background")]
    return render_template("notifications/settings.html", prefs=services.settings(current_user),
                           classes=shown, labels=class_labels())
