"""A notification's title, body and link, rendered when it is read, in the reader's language."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ipservice.core import filing
from ipservice.core.i18n import pick
from ipservice.core.labels import role_label, status_label

IMPORT_EVENTS = ("import.done", "import.failed")


def title(note) -> str:
    p = note.params or {}
    if note.event in IMPORT_EVENTS:  # an import from a page ended (class "background": work a job finished)
        if note.event == "import.failed":
            return _("导入失败：%(file)s", file=p.get("file", ""))
        return _("导入完成：%(file)s，成功 %(ok)s 行，跳过 %(skipped)s 行，错误 %(errors)s 行",
                 file=p.get("file", ""),
                 ok=p.get("ok", 0), skipped=p.get("skipped", 0), errors=p.get("errors", 0))
    if note.event_class == "digest":
        return _("每日提醒：%(overdue)s 件已超期，%(soon)s 件即将到期，%(waiting)s 件待处理",
                 overdue=p.get("overdue", 0), soon=p.get("due_soon", 0), waiting=p.get("waiting", 0))
    if note.event_class == "background":
        return _background_title(note.event, p)
    if note.event == "user.password_changed":
        return _("您的密码已修改")
    if note.event == "user.role_changed":
        return _("您的账户角色已变更")
    if note.event == "user.password_reset_requested":
        return _("重置密码")
    if note.event == "user.verification_sent":
        return _("请验证您的电子邮箱")
    kind = filing.kind(p.get("kind", ""))
    label = pick(*kind.label) if kind else p.get("kind", "")
    number = p.get("number") or ""
    if p.get("status") == "submitted":
        return _("新的%(kind)s待处理 %(number)s", kind=label, number=number).strip()
    if p.get("status") == "granted":
        return _("%(kind)s %(number)s 已核定资助 %(amount)s 元", kind=label, number=number,
                 amount=p.get("amount_cny", ""))
    return _("%(kind)s %(number)s：%(status)s", kind=label, number=number,
             status=kind.status_label(p.get("status", "")) if kind else status_label(p.get("status", "")))


def _background_title(event: str, p: dict) -> str:
    kind = filing.kind(p.get("export_kind", ""))
    label = pick(*kind.label) if kind else p.get("export_kind", "")
    if event == "export.done":
        return _("导出文件已生成：%(kind)s，%(rows)s 行", kind=label, rows=p.get("rows", ""))
    return _("导出文件生成失败：%(kind)s，请重新导出或联系管理员", kind=label)


def body(note) -> str:
    p = note.params or {}
    if note.event in IMPORT_EVENTS:
        return p.get("message") or ""  # why it failed
    if note.event_class == "digest":
        return "\n".join(f"{i.get('number') or i.get('kind')} — {i.get('due')}" for i in p.get("items", []))
    if note.event == "user.password_changed":
        return _("您的密码已被修改，其他登录会话和全部 API 令牌已失效。如非本人操作，请立即联系管理部门。")
    if note.event == "user.password_reset_requested":
        return _("有人（可能是您本人）申请重置本账户的密码。请在 1 小时内打开邮件中的链接设置新密码，"
                 "链接只能使用一次；"
                 "设置后所有登录和 API 令牌都会失效。如非本人操作，请忽略，您的密码不会改变。")
    if note.event == "user.verification_sent":
        return _("请打开邮件中的链接，确认这是您的电子邮箱（7 天内有效，只能使用一次）。验证之前，"
                 "除验证邮件外，系统不会向该邮箱发送其他邮件。")
    if note.event == "user.role_changed":
        to = (p.get("detail") or {}).get("to") or {}
        return _("新角色：%(role)s。请重新登录。", role=role_label(to.get("role", "")))
    text = p.get("reason") or p.get("note") or ""
    return _("说明：%(text)s", text=text) if text else ""


def link(note, external: bool = False) -> str | None:
    p = note.params or {}
    if note.event in IMPORT_EVENTS and note.tenant_id:
        return url_for("importing.detail", tenant=note.tenant_id, import_id=p.get("import"),
                       _external=external)
    if note.event_class == "digest" and note.tenant_id:
        return url_for("worklist.bureau", tenant=note.tenant_id, _external=external)
    if note.event_class == "background" and note.tenant_id:
        return url_for("exporting.index", tenant=note.tenant_id, _external=external)
    kind = filing.kind(p.get("kind", ""))
    if kind is None or not note.tenant_id or not p.get("id"):
        return None
    return url_for(kind.detail_endpoint, tenant=note.tenant_id, _external=external,
                   **{kind.detail_arg: p["id"]})


def mail_link(note) -> str | None:
    """The link an e-mail carries: a reset or verification link (in the mail only, never in the inbox: it is
    derived from the link's id, see ``accounts.recovery``), else the page of the notification."""
    p = note.params or {}
    if p.get("link_id") and note.event in ("user.password_reset_requested", "user.verification_sent"):
        from ipservice.accounts import recovery

        return recovery.link_url(p["link_id"], p.get("purpose", ""))
    return link(note, external=True)


def as_dict(note) -> dict:
    return {"id": note.id, "kind": note.event, "title": title(note), "body": body(note), "link": link(note),
            "created_at": note.created_at, "read_at": note.read_at}
