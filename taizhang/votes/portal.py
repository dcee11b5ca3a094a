"""The section "正在投票" of the public portal's home page (taizhang/core/portal.py): polls open now."""

from __future__ import annotations

from typing import Any

from taizhang.core.portal import PortalSection, register


def open_now(request: Any) -> dict[str, Any]:
    from taizhang.votes.actions import open_polls

    return {"polls": list(open_polls()[:6])}


def register_sections() -> None:
    register(PortalSection("votes_open", "正在投票", "votes/public/_portal_polls.html", open_now, order=25))
