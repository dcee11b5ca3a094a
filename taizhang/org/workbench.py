"""The administrators' workbench panel: their to-dos, never business data (三权分立)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap


def admin_todos(user: Any) -> dict[str, Any] | None:
    items: list[dict[str, Any]] = []
    if has_cap(user, Cap.MANAGE_ORG):
        inactive = get_user_model().objects.filter(is_active=True, memberships__isnull=True).count()
        items.append({"label": "单位与用户", "url_name": "org:unit_list",
                      "hint": f"{inactive}个账户尚未授予角色" if inactive else "维护单位、用户和角色授权"})
    if has_cap(user, Cap.MANAGE_SECURITY):
        items.append({"label": "安全设置", "url_name": "accounts:security", "hint": "密码策略、锁定账户、授权复核"})
    if has_cap(user, Cap.VIEW_AUDIT):
        items.append({"label": "审计日志", "url_name": "core:audit_list", "hint": "查看和导出审计记录"})
    if not items:
        return None
    return {"items": items}


register(WorkbenchPanel("org.admin", "管理待办", "core/workbench/_admin.html", context=admin_todos, order=5))
