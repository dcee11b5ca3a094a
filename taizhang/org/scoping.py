"""The one scoping mechanism: which units a user may see or act on, by capability.

A role held in a unit extends to its whole subtree. Every query for scoped objects goes through
`RestrictedQuerySet.restrict(user, cap)` (core.querysets), which calls `unit_ids_for` here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from taizhang.org.models import Membership, Unit
from taizhang.org.roles import ROLE_CAPS


def _memberships(user: Any) -> list[tuple[str, str]]:
    cached = getattr(user, "_tz_memberships", None)
    if cached is None:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached = list(Membership.objects.filter(user=user, unit__is_active=True).values_list("unit__path", "role"))
        if user is not None:
            user._tz_memberships = cached
    return list(cached)


def has_cap(user: Any, cap: str) -> bool:
    """Does the user hold the capability anywhere?"""
    return any(cap in ROLE_CAPS.get(role, ()) for _path, role in _memberships(user))


def root_paths_for(user: Any, cap: str) -> list[str]:
    """The paths of the top-most units where the user holds `cap` (nested grants collapsed)."""
    paths = sorted({path for path, role in _memberships(user) if cap in ROLE_CAPS.get(role, ())})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(r) for r in roots):
            roots.append(path)
    return roots


def unit_ids_for(user: Any, cap: str) -> frozenset[int]:
    cache: dict[str, frozenset[int]] | None = getattr(user, "_tz_unit_ids", None) if user is not None else None
    if cache is None:
        cache = {}
        if user is not None:
            user._tz_unit_ids = cache
    if cap not in cache:
        roots = root_paths_for(user, cap)
        if not roots:
            cache[cap] = frozenset()
        else:
            cond = Q()
            for path in roots:
                cond |= Q(path__startswith=path)
            cache[cap] = frozenset(Unit.objects.filter(cond).values_list("id", flat=True))
    return cache[cap]


def can_in_unit(user: Any, cap: str, unit: Unit) -> bool:
    return any(unit.path.startswith(root) for root in root_paths_for(user, cap))


def subtree_ids(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def home_unit(user: Any) -> Unit | None:
    """The top-most unit the user can see: the default scope of dashboards."""
    from taizhang.org.roles import Cap

    roots = root_paths_for(user, Cap.VIEW)
    if not roots:
        return None
    return Unit.objects.filter(path=roots[0]).first()


def forget(user: Any) -> None:
    """Drop cached scope (after a membership change)."""
    for attr in ("_tz_memberships", "_tz_unit_ids", "_tz_role_names"):
        if hasattr(user, attr):
            delattr(user, attr)
