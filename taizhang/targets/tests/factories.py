"""Builders for the targets tests: placements, a placement scheme, targets with allocations."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from taizhang.core.testing import make_record
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.models import LineOfWork, MetricDefinition, Outlet
from taizhang.org.models import Unit
from taizhang.targets import actions

D = datetime.date
OUTLETS = {"national": "人民日报", "provincial": "山西日报", "municipal": "测试市日报", "district": "测试区融媒"}


def outlet(level: str) -> Outlet:
    found = Outlet.objects.filter(level=level).order_by("id").first()
    if found is None:
        found = Outlet.objects.create(name=OUTLETS[level], level=level, kind="newspaper")
    return found


MAY_12 = D(2024, 5, 12)


def place(unit: Unit, level: str, *, day: D = MAY_12, headline: bool = False, front: bool = False,
          long: bool = False, story: str = "", credits: list[tuple[Unit, Any]] | None = None,
          status: str = "approved") -> Any:
    return make_record(unit, "placement", {"placements": 1}, day=day, status=status, placement=PlacementInput(
        outlet=outlet(level), article_title=f"稿件{story or level}", is_headline=headline, is_front_page=front,
        is_long=long, story_key=story, credited_units=[(u, Decimal(str(s))) for u, s in (credits or [])],
    ))


PLACEMENT_RULE: dict[str, Any] = {
    "metric": "placements", "points": {"national": "20", "provincial": "10", "municipal": "5", "district": "1"},
    "headline_multiplier": "2", "front_page_multiplier": "1.5", "long_multiplier": "1", "multiplier_mode": "max",
    "dedupe": "story_key_highest_level", "split_joint": True, "cap": None,
}


def placement_scheme(owner: Unit, *, key: str = "waixuan", extra_items: list[dict[str, Any]] | None = None,
                     ranking: dict[str, Any] | None = None, rule: dict[str, Any] | None = None) -> Any:
    items = [{"key": "placement", "name": "对外宣传用稿", "kind": "placement",
              "line": LineOfWork.objects.get(key="news_external"), "rule": {**PLACEMENT_RULE, **(rule or {})}},
             *(extra_items or [])]
    return actions.create_scheme(acting_user=None, key=key, name="对外宣传工作考核", subject="对外宣传工作",
                                 owner=owner, items=items, ranking=ranking)


def target(owner: Unit, *, key: str = "lectures", metric: str = "lecture_events", value: Any = 100,
           year: int = 2024, **extra: Any) -> Any:
    return actions.create_target(acting_user=None, year=year, key=key, name="宣讲活动", owner=owner,
                                 metric=MetricDefinition.objects.get(key=metric), value=value, **extra)
