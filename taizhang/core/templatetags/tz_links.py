"""``{% load tz_links %}{{ value|web_url }}``: the value if it is an http(s) address, else "" — so an address
from outside (a monitored item, a feed, an import) never becomes a ``javascript:`` or ``data:`` link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template

register = template.Library()


def is_web_url(value: Any) -> bool:
    text = str(value or "").strip()
    if not text or any(ord(c) < 32 or c == "\x7f" for c in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


@register.filter
def web_url(value: Any) -> str:
    return str(value).strip() if is_web_url(value) else ""


@register.filter(name="quoted")
def quoted_filter(value: object) -> str:
    """{{ title|quoted }} → “title”, without doubling quotation marks the user typed (core.text.quoted)."""
    from taizhang.core.text import quoted

    return quoted(value)


@register.filter(name="when")
def when_filter(value: object) -> str:
    """A time as people read it ("2026-12-06 14:57", local time) from a datetime or a stored ISO string
    ("2026-12-06T06:57:00+00:00"), never the ISO form itself; '' for nothing, the text unchanged if it is not a time."""
    import datetime

    from django.utils import timezone

    if value in (None, ""):
        return ""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(moment, datetime.datetime):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


@register.filter(name="can")
def can_filter(user: object, cap: str) -> bool:
    """{% if request.user|can:"manage_work" %}: whether the user holds the capability anywhere (core.permissions),
    so a page links only to pages the user can open."""
    from taizhang.core.permissions import has_cap

    return bool(getattr(user, "is_authenticated", False)) and has_cap(user, cap)
