"""The 随手拍 panel of the staff workbench: reports waiting for intake in the user's area."""

from __future__ import annotations

from typing import Any

from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for


def waiting(user: Any) -> dict[str, Any] | None:
    from .models import Report

    ids = unit_ids_for(user, Cap.MANAGE_WORK)
    if not ids:
        return None
    qs = Report.objects.filter(area_id__in=list(ids), status__in=[Report.Status.NEW, Report.Status.ACCEPTED])
    rows = list(qs.select_related("category", "place", "area").defer("phone", "contact_name")
                .order_by("submitted_at")[:5])
    if not rows:
        return None
    return {"rows": rows, "count": qs.count()}


register(WorkbenchPanel("citizen.waiting", "待受理的随手拍", "citizen/_wb_waiting.html", context=waiting, order=30))
