"""Template filters of the dashboard: figures as people read them (12,345 · 34.9万 · 92.5)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template

register = template.Library()

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None


@register.filter
def figure(value: Any) -> str:
    """A figure with thousands separators and no trailing zeros: 12,345 · 1,234.5 · 92.5."""
    d = _dec(value)
    if d is None:
        return ""
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = f"{d.normalize():,f}"
    return text


@register.filter
def compact(value: Any) -> str:
    """Large figures the way summaries write them: 34.9万, 1.21亿; smaller ones as `figure`."""
    d = _dec(value)
    if d is None:
        return ""
    for unit, suffix in ((YI, "亿"), (WAN, "万")):
        if abs(d) >= unit * (10 if suffix == "万" else 1):
            scaled = (d / unit).quantize(Decimal("0.01") if abs(d) < unit * 100 else Decimal("0.1"), ROUND_HALF_UP)
            return f"{scaled.normalize():f}{suffix}"  # 7112.8万, as summaries write it (no separators)
    return figure(d)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template ("" when missing)."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""
