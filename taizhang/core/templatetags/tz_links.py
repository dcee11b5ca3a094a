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
