"""``{% load tz_notices %}{% notice_bell %}``: the header bell with the user's unread count (one COUNT query)."""

from __future__ import annotations

from typing import Any

from django import template

from taizhang.core.notifications import unread_count

register = template.Library()


@register.inclusion_tag("core/_bell.html", takes_context=True)
def notice_bell(context: Any) -> dict[str, Any]:
    user = context.get("user")
    count = unread_count(user) if user is not None else 0
    return {"unread": count, "unread_text": "99+" if count > 99 else str(count)}
