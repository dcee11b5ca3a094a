"""Articles about the district in outside outlets → proposed placement records (对外宣传用稿) for staff to confirm.

The pipeline storage (``store._proposals``) proposes original, non-negative items of national, provincial or
municipal outlets that match a place watch list (``WatchList.purpose == "place"``). The unit the placement is
credited to is guessed from the text (the longest unit name it mentions), else the root unit; staff can change it
when they accept. Accepting creates a ledger record through ``ledger.actions.create_record`` (source 舆情监测,
submitted for the usual review), so the department's figures only count it once a reviewer approves it.
"""

from __future__ import annotations

from typing import Any

from taizhang.org.models import Unit

MIN_POSITIVE = 0.6
"""Only articles the sentiment model reads as positive with at least this probability are proposed: a placement
credits a unit for publicity, so a complaint, an accident or an exposure about the district never becomes one."""

NEGATIVE_MARKERS = (
    "投诉", "反映", "曝光", "举报", "维权", "纠纷", "事故", "死亡", "身亡", "遇难", "受伤", "伤亡", "坍塌", "火灾",
    "爆炸", "违规", "违法", "涉嫌", "被查", "通报批评", "问责", "处分", "欠薪", "拖欠", "污染", "异味", "扰民",
    "乱收费", "偏高",
    "被骗", "诈骗", "质疑", "不满", "追责", "整改不力", "谣言", "辟谣",
)
"""Words that mark news about a problem, whatever the model says (news wording often scores positive)."""


def is_placement_candidate(item: Any, places: set[str], outside_levels: Any) -> bool:
    """An original item of an outside outlet about the district (a place watch list matched) that reads as good
    news: positive sentiment known and high enough, no problem marker in its title or opening, no topic of concern
    matched (those are opinion-monitoring items, not publicity)."""
    outlet = item.extra.get("outlet")
    if item.duplicate_of is not None or outlet is None or outlet.level not in outside_levels:
        return False
    if not places.intersection(item.matches):
        return False
    if item.label == "neg" or item.sentiment is None or item.sentiment < MIN_POSITIVE:
        return False
    head = f"{item.norm_title} {item.norm_text[:120]}"
    return not any(marker in head for marker in NEGATIVE_MARKERS)


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
