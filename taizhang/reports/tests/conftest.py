"""A small district ledger for the summary tests: four streets (peers), a bureau, two years of records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from taizhang.core.periods import Period, parse_period

D = datetime.date


@dataclass
class Ledger:
    tree: Any
    sc: Any
    sd: Any
    period: Period
    records: dict[str, Any]


def _placement(title: str, level: str = "national", headline: bool = True) -> Any:
    from taizhang.ledger.actions import PlacementInput
    from taizhang.ledger.models import Outlet

    outlet = Outlet.objects.filter(level=level).order_by("name").first()
    assert outlet is not None
    return PlacementInput(outlet=outlet, article_title=title, is_headline=headline)


@pytest.fixture
def ledger(taxonomy: Any, tree: Any) -> Ledger:
    from taizhang.core.testing import make_record
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    sc = org_actions.create_unit(acting_user=None, code="SC", name="南城街道", kind=Unit.Kind.STREET,
                                 parent=tree.district, sort_order=4)
    sd = org_actions.create_unit(acting_user=None, code="SD", name="北城街道", kind=Unit.Kind.STREET,
                                 parent=tree.district, sort_order=5)
    recs: dict[str, Any] = {}
    # 2024 (the period): lectures grow on 2023, theory falls.
    recs["big"] = make_record(sd, "lecture_event", {"lecture_events": 5, "lecture_audience": 300}, day=D(2024, 3, 2),
                              title="北城街道“百姓宣讲”报告会")
    make_record(tree.community_a1, "lecture_event", {"lecture_events": 3, "lecture_audience": 120}, day=D(2024, 5, 12))
    make_record(tree.street_a, "lecture_event", {"lecture_events": 2, "lecture_audience": 80}, day=D(2024, 6, 1))
    make_record(tree.community_b1, "lecture_event", {"lecture_events": 1, "lecture_audience": 40}, day=D(2024, 9, 9))
    make_record(sc, "lecture_event", {"lecture_events": 1, "lecture_audience": 30}, day=D(2024, 10, 1))
    make_record(tree.street_a, "theory_group_study", {"theory_sessions": 4, "theory_participants": 60},
                day=D(2024, 4, 1))
    recs["placement"] = make_record(tree.street_b, "placement", {"placements": 1}, day=D(2024, 7, 1),
                                    placement=_placement("东城街道：老旧小区改造跑出加速度"))
    make_record(tree.street_b, "placement", {"placements": 1}, day=D(2024, 8, 1),
                placement=_placement("西城街道志愿服务暖人心", "provincial", False))
    make_record(sd, "lecture_event", {"lecture_events": 2, "lecture_audience": 50}, day=D(2024, 11, 1),
                status="submitted")  # not approved: never counted
    # 2023 (last year)
    make_record(tree.street_a, "lecture_event", {"lecture_events": 8, "lecture_audience": 300}, day=D(2023, 5, 1))
    make_record(tree.street_a, "theory_group_study", {"theory_sessions": 10, "theory_participants": 90},
                day=D(2023, 4, 1))
    return Ledger(tree, sc, sd, parse_period("2024"), recs)
