"""The sidebar menu: apps register entries here; each entry names the capability it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    cap: str
    group: str
    order: int = 0


MENU: list[MenuItem] = []


def register(*items: MenuItem) -> None:
    for item in items:
        if item not in MENU:
            MENU.append(item)
    MENU.sort(key=lambda i: i.order)


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    from taizhang.org.scoping import has_cap

    groups: dict[str, list[dict[str, Any]]] = {}
    for item in MENU:
        if not has_cap(user, item.cap):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        groups.setdefault(item.group, []).append({"label": item.label, "url": url, "active": active})
    return [{"group": g, "items": items} for g, items in groups.items()]
