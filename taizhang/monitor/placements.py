"""Articles about the district in outside outlets → proposed placement records (对外宣传用稿) for staff to confirm.

The pipeline storage (``store._proposals``) proposes original, non-negative items of national, provincial or
municipal outlets that match a place watch list (``WatchList.purpose == "place"``). The unit the placement is
credited to is guessed from the text (the longest unit name it mentions), else the root unit; staff can change it
when they accept. Accepting creates a ledger record through ``ledger.actions.create_record`` (source 舆情监测,
submitted for the usual review), so the department's figures only count it once a reviewer approves it.
"""

from __future__ import annotations

from taizhang.org.models import Unit


def guess_unit(text: str) -> Unit | None:
    units = list(Unit.objects.filter(is_active=True).only("id", "name", "short_name", "parent_id", "path"))
    root = next((u for u in units if u.parent_id is None), None)
    names: list[tuple[str, Unit]] = []
    for u in units:
        if u.parent_id is None:
            continue
        for name in (u.name, u.short_name):
            if name and len(name) >= 3:
                names.append((name, u))
    names.sort(key=lambda p: len(p[0]), reverse=True)
    for name, unit in names:
        if name in text:
            return unit
    return root
