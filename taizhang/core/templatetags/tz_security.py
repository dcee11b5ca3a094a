"""Template filters for personal data: `{% load tz_security %}{{ volunteer.phone|mask:"phone" }}` → 138****5678."""

from __future__ import annotations

from typing import Any

from django import template

from taizhang.core.crypto import mask as _mask

register = template.Library()


@register.filter(name="mask")
def mask(value: Any, kind: str = "text") -> str:
    return _mask(value, kind or "text")
