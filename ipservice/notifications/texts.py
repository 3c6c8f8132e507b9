"""A notification's title, body and link, rendered when it is read, in the reader's language."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ipservice.core import filing
from ipservice.core.i18n import pick
from ipservice.core.labels import role_label, status_label


def title(note) -> str:
    p = note.params or {}
    if note.event_class == "digest":
        return _("每日提醒：%(overdue)s 件已超期，%(soon)s 件即将到期，%(waiting)s 件待处理",
                 overdue=p.get("overdue", 0), soon=p.get("due_soon", 0), waiting=p.get("waiting", 0))
    if note.event == "user.password_changed":
        return _("您的密码已修改")
    if note.event == "user.role_changed":
        return _("您的账户角色已变更")
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


def body(note) -> str:
    p = note.params or {}
    if note.event_class == "digest":
        return "\n".join(f"{i.get('number') or i.get('kind')} — {i.get('due')}" for i in p.get("items", []))
    if note.event == "user.password_changed":
        return _("您的密码已被修改，其他登录会话和全部 API 令牌已失效。如非本人操作，请立即联系管理部门。")
    if note.event == "user.role_changed":
        to = (p.get("detail") or {}).get("to") or {}
        return _("新角色：%(role)s。请重新登录。", role=role_label(to.get("role", "")))
    text = p.get("reason") or p.get("note") or ""
    return _("说明：%(text)s", text=text) if text else ""


def link(note, external: bool = False) -> str | None:
    p = note.params or {}
    if note.event_class == "digest" and note.tenant_id:
        return url_for("worklist.bureau", tenant=note.tenant_id, _external=external)
    kind = filing.kind(p.get("kind", ""))
    if kind is None or not note.tenant_id or not p.get("id"):
        return None
    return url_for(kind.detail_endpoint, tenant=note.tenant_id, _external=external,
                   **{kind.detail_arg: p["id"]})


def as_dict(note) -> dict:
    return {"id": note.id, "kind": note.event, "title": title(note), "body": body(note), "link": link(note),
            "created_at": note.created_at, "read_at": note.read_at}
