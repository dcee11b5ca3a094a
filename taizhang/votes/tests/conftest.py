from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from taizhang.votes import actions
from taizhang.votes.models import Poll


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def poll(tree: Any) -> Poll:
    """A poll about the district with its three other units as candidates (any objects will do), opened 10 days
    ago for 30 days."""
    today = timezone.localdate()
    return actions.open_poll(
        acting_user=None, code="TEST-2026", title="测试投票", subject=tree.district,
        options=[(tree.street_a, "东城候选人"), (tree.street_b, "西城候选人"), (tree.bureau, "教育局候选人")],
        opens_at=at(today - datetime.timedelta(days=10), 0), closes_at=at(today + datetime.timedelta(days=20), 0),
        votes_per_day=2, max_choices=2)
