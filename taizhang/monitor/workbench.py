"""Monitoring's workbench panel: today's alerts, for the department staff (who may see the alert list)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.monitor.models import Alert
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap


def todays_alerts(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.MANAGE_WORK):
        return None
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Alert.objects.filter(created_at__gte=start)
    stats = today.aggregate(total=Count("id"), open=Count("id", filter=Q(acknowledged_at__isnull=True)))
    latest = list(today.order_by("-created_at", "-id").only("pk", "title", "grade", "created_at", "incident_id")[:5])
    return {"total": stats["total"], "open": stats["open"], "alerts": latest}


register(WorkbenchPanel("monitor.alerts", "今日舆情预警", "monitor/workbench/_alerts.html", context=todays_alerts,
                        order=40))
