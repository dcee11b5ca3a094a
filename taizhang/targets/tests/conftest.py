"""Fixtures of the targets tests: a small ledger of placements and lectures on the test tree, and users."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.testing import make_record, make_user
from taizhang.targets.tests.factories import D, place, placement_scheme


@pytest.fixture
def world(taxonomy: Any, tree: Any) -> dict[str, Any]:
    """May 2024: SA gets a national headline (via community SA1) and a provincial piece; SB a provincial piece and a
    story placed at two levels; BE a municipal piece jointly credited with SB; plus lectures and a draft."""
    w: dict[str, Any] = {"tree": tree}
    w["sa_nat"] = place(tree.community_a1, "national", headline=True, day=D(2024, 5, 3))
    w["sa_prov"] = place(tree.street_a, "provincial", day=D(2024, 5, 9))
    w["sb_prov"] = place(tree.street_b, "provincial", day=D(2024, 5, 10))
    w["sb_story_prov"] = place(tree.street_b, "provincial", story="s1", day=D(2024, 5, 11))
    w["sb_story_mun"] = place(tree.street_b, "municipal", story="s1", day=D(2024, 5, 12))
    w["be_joint"] = place(tree.bureau, "municipal", day=D(2024, 5, 20),
                          credits=[(tree.bureau, "0.5"), (tree.street_b, "0.5")])
    w["draft"] = place(tree.street_a, "national", status="draft", day=D(2024, 5, 21))
    w["june"] = place(tree.bureau, "national", day=D(2024, 6, 2))
    for day in (D(2024, 5, 4), D(2024, 5, 5), D(2024, 5, 6)):
        make_record(tree.community_b1, "lecture_event", {"lecture_audience": 50}, day=day)
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 50}, day=D(2024, 5, 7))
    w["scheme"] = placement_scheme(tree.district)
    return w


@pytest.fixture
def users(tree: Any) -> dict[str, Any]:
    return {
        "staff": make_user("staff", tree.district, username="staff_d"),
        "viewer": make_user("viewer", tree.district, username="viewer_d"),
        "liaison_sa": make_user("liaison", tree.street_a, username="liaison_sa"),
        "liaison_sb": make_user("liaison", tree.street_b, username="liaison_sb"),
        "viewer_a1": make_user("viewer", tree.community_a1, username="viewer_a1"),
    }
