"""The role-model sections of the public portal's home page (taizhang/core/portal.py): public notices (公示) open now
and the latest honourees. Masked like the pages they link to (a minor by initials, no phone or ID)."""

from __future__ import annotations

from typing import Any

from taizhang.core.portal import PortalSection, register


def _notices(request: Any) -> dict[str, Any]:
    from .actions import notices_open

    return {"notices": list(notices_open().order_by("notice_ends")[:5])}


def _people(request: Any) -> dict[str, Any]:
    from .public_views import library_rows

    return {"rows": library_rows(limit=5)}


def register_sections() -> None:
    register(
        PortalSection("honours_notices", "评选公示", "honours/public/_portal_notices.html", _notices, order=30),
        PortalSection("honours_people", "身边好人", "honours/public/_portal_people.html", _people, order=32),
    )
