"""The public portal's home page is made of sections that apps register (like the staff menu in core.navigation).

A section names a template rendered with the context its `context` callable returns; the portal view (on the
public site) renders the registered sections in order. Sections must show no personal data unmasked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PortalSection:
    key: str
    title: str
    template: str
    context: Callable[[Any], dict[str, Any]]
    order: int = 0


SECTIONS: list[PortalSection] = []


def register(*sections: PortalSection) -> None:
    for section in sections:
        if all(s.key != section.key for s in SECTIONS):
            SECTIONS.append(section)
    SECTIONS.sort(key=lambda s: s.order)
