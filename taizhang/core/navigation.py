"""The sidebar menu: apps register entries here; each entry names the capability it needs."""

from __future__ import annotations

from collections.abc import Callable
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
    # a finer test than the capability somewhere (e.g. department-wide pages: the capability over a top-level
    # unit), so that the menu never offers a page that answers 403
    visible: Callable[[Any], bool] | None = None


MENU: list[MenuItem] = []


def register(*items: MenuItem) -> None:
    for item in items:
        if item not in MENU:
            MENU.append(item)
    MENU.sort(key=lambda i: i.order)


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    from taizhang.core.permissions import has_cap

    groups: dict[str, list[dict[str, Any]]] = {}
    entries: list[dict[str, Any]] = []
    for item in MENU:
        if not has_cap(user, item.cap) or (item.visible is not None and not item.visible(user)):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entry = {"label": item.label, "url": url, "active": False}
        entries.append(entry)
        groups.setdefault(item.group, []).append(entry)
    # Only the longest matching entry is highlighted (/ledger/records/new/ is 新增记录, not also 台账记录).
    matches = [
        e for e in entries if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return [{"group": g, "items": items} for g, items in groups.items()]
