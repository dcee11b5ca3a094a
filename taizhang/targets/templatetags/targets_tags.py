"""Template helpers of the targets pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def manages_work(context: Any) -> bool:
    """Does the current user hold `manage_work` anywhere (staff links)?"""
    from taizhang.org.roles import Cap
    from taizhang.org.scoping import has_cap

    request = context.get("request")
    return bool(request is not None and has_cap(request.user, Cap.MANAGE_WORK))


@register.filter
def num(value: Any) -> str:
    """A Decimal as people write it: 12, 3.5, 87.25 (no trailing zeros, no exponent)."""
    if value is None or value == "":
        return ""
    d = Decimal(str(value))
    return str(int(d)) if d == d.to_integral_value() else f"{d.normalize():f}"


@register.filter
def signed(value: Any) -> str:
    if value is None:
        return ""
    return f"↑{value}" if value > 0 else (f"↓{-value}" if value < 0 else "—")
