"""Core's workbench panel: the user's recent notices (everyone has one; the bell links to the full list)."""

from __future__ import annotations

from typing import Any

from taizhang.core.models import Notification
from taizhang.core.workbench import WorkbenchPanel, register


def recent_notices(user: Any) -> dict[str, Any] | None:
    notices = list(Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:6])
    return {"notices": notices}


register(WorkbenchPanel("core.notices", "最近通知", "core/workbench/_notices.html", context=recent_notices, order=90))
