"""Fixtures of the press tests: the test tree with staff, a liaison and a reviewer; accounts in two units."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from taizhang.core.testing import make_user
from taizhang.press import actions
from taizhang.press.models import NewMediaAccount


@dataclass
class World:
    tree: Any
    staff: Any
    liaison_a: Any
    liaison_b: Any
    reviewer_a: Any
    viewer_b: Any


@pytest.fixture
def world(taxonomy: Any, tree: Any) -> World:
    return World(
        tree=tree,
        staff=make_user("staff", tree.district, username="press_staff"),
        liaison_a=make_user("liaison", tree.street_a, username="press_liaison_a"),
        liaison_b=make_user("liaison", tree.street_b, username="press_liaison_b"),
        reviewer_a=make_user("reviewer", tree.street_a, username="press_reviewer_a"),
        viewer_b=make_user("viewer", tree.street_b, username="press_viewer_b"),
    )


def open_account(world: World, unit: Any, platform: str = "wechat", name: str = "东城发布",
                 opened: datetime.date = datetime.date(2026, 1, 5),
                 last_post: datetime.date | None = None) -> NewMediaAccount:
    """An account filed by the unit and approved by the department, through the actions."""
    liaison = world.liaison_a if unit.path.startswith(world.tree.street_a.path) else world.liaison_b
    filing = actions.file_new_account(acting_user=liaison, unit=unit, platform=platform, name=name,
                                      reason="工作需要")
    actions.decide_filing(acting_user=world.staff, filing=filing, approve=True)
    NewMediaAccount.objects.filter(pk=filing.account_id).update(opened_on=opened, last_post_date=last_post)
    return NewMediaAccount.objects.get(pk=filing.account_id)
