"""Recognising the outlet of an item from the ledger's outlet registry (媒体名录): by the link's host (the shipped
``dict/outlet_domains.json``, host suffixes walked up) or by the source name the item carries (name or alias,
exactly, then the longest registry name the source name contains)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from taizhang.ledger.models import Outlet

DOMAINS_PATH = Path(__file__).resolve().parent / "dict" / "outlet_domains.json"


@lru_cache(maxsize=1)
def shipped_domains() -> dict[str, str]:
    data = json.loads(DOMAINS_PATH.read_text(encoding="utf-8"))
    return {str(k).lower(): str(v) for k, v in data.get("domains", {}).items()}


class OutletMatcher:
    def __init__(self, outlets: list[Outlet], domains: dict[str, str] | None = None) -> None:
        self.by_id = {o.pk: o for o in outlets}
        self.by_name: dict[str, Outlet] = {}
        for o in outlets:
            for alias in o.aliases or []:
                self.by_name.setdefault(str(alias).strip(), o)
        for o in outlets:  # names win over aliases
            self.by_name[o.name] = o
        self.names = sorted((n for n in self.by_name if len(n) >= 3), key=len, reverse=True)
        self.by_domain: dict[str, Outlet] = {}
        for host, name in (domains if domains is not None else shipped_domains()).items():
            outlet = self.by_name.get(name)
            if outlet is not None:
                self.by_domain[host] = outlet
        self._cache: dict[str, Outlet | None] = {}

    @classmethod
    def load(cls) -> OutletMatcher:
        return cls(list(Outlet.objects.filter(is_active=True)))

    def for_url(self, url: str) -> Outlet | None:
        host = (urlsplit(url).hostname or "").lower() if url else ""
        while host:
            outlet = self.by_domain.get(host)
            if outlet is not None:
                return outlet
            _, _, host = host.partition(".")
        return None

    def for_name(self, name: str) -> Outlet | None:
        name = name.strip()
        if not name:
            return None
        if name in self._cache:
            return self._cache[name]
        outlet = self.by_name.get(name)
        if outlet is None:
            outlet = next((self.by_name[n] for n in self.names if n in name), None)
        if len(self._cache) < 50_000:
            self._cache[name] = outlet
        return outlet

    def match(self, url: str = "", name: str = "") -> Outlet | None:
        return self.for_url(url) or self.for_name(name)
