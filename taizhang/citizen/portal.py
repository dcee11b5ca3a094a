"""The 随手拍 sections of the public portal's home page (taizhang/core/portal.py)."""

from __future__ import annotations

from typing import Any

from taizhang.core.portal import PortalSection, register


def _report_entry(request: Any) -> dict[str, Any]:
    from .models import Category

    return {"categories": list(Category.objects.filter(active=True).values("key", "name")[:12])}


def _recent(request: Any) -> dict[str, Any]:
    from .public_views import public_rows

    return {"rows": public_rows()[:5]}


def register_sections() -> None:
    register(
        PortalSection("citizen_report", "随手拍", "citizen/public/_portal_report.html", _report_entry, order=10),
        PortalSection("citizen_recent", "最新办理情况", "citizen/public/_portal_recent.html", _recent, order=20),
    )
