"""Core's workbench panels: recent notices (everyone) and the administrators' to-dos (never business data)."""

from __future__ import annotations

from typing import Any

from taizhang.core.models import Notification
from taizhang.core.workbench import WorkbenchPanel, register


def recent_notices(user: Any) -> dict[str, Any] | None:
    notices = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:6])
    return {"notices": notices}


def admin_todos(user: Any) -> dict[str, Any] | None:
    from taizhang.org.roles import Cap
    from taizhang.org.scoping import has_cap

    items: list[dict[str, Any]] = []
    if has_cap(user, Cap.MANAGE_ORG):
        items.append({"label": "单位与用户", "url_name": "org:unit_list", "hint": "维护单位、用户和角色授权"})
    if has_cap(user, Cap.MANAGE_SECURITY):
        items.append({"label": "安全设置", "url_name": "accounts:security", "hint": "密码策略、锁定账户、授权复核"})
    if has_cap(user, Cap.VIEW_AUDIT):
        items.append({"label": "审计日志", "url_name": "core:audit_list", "hint": "查看和导出审计记录"})
    if not items:
        return None
    return {"items": items}


register(WorkbenchPanel("core.admin", "管理待办", "core/workbench/_admin.html", context=admin_todos, order=5))
register(WorkbenchPanel("core.notices", "最近通知", "core/workbench/_notices.html", context=recent_notices, order=90))
