"""The volunteers' sections on the public portal's home page: activities open for sign-up, certificate check."""

from __future__ import annotations

from typing import Any

from taizhang.core.portal import PortalSection, register


def open_activities(request: Any) -> dict[str, Any]:
    from taizhang.volunteers.actions import visible_activities

    return {"activities": list(visible_activities()[:6])}


def register_sections() -> None:
    register(
        PortalSection("volunteer_activities", "志愿服务活动招募", "volunteers/public/_portal_activities.html",
                      open_activities, order=30),
        PortalSection("volunteer_verify", "志愿服务证明核验", "volunteers/public/_portal_verify.html",
                      lambda request: {}, order=31),
    )
