"""Fixtures for the case tests: a fixed clock, recorded notices, users of the test tree."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.testing import make_user


class Clock:
    def __init__(self) -> None:
        self.now = timezone.make_aware(datetime.datetime(2026, 9, 21, 10, 0))  # a Monday

    def set(self, day: datetime.date, hour: int = 10) -> None:
        self.now = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    from taizhang.cases import actions

    c = Clock()
    monkeypatch.setattr(actions, "_now", c)
    return c


@dataclass
class Sent:
    unit: list[tuple[Any, str, str]]
    staff: list[tuple[Any, str, str]]

    def events(self) -> list[str]:
        return [e for _c, e, _t in self.unit] + [e for _c, e, _t in self.staff]


@pytest.fixture
def notices(monkeypatch: Any) -> Sent:
    """Record the notices the case actions send (the notification facility is tested by its owner)."""
    from taizhang.cases import actions

    sent = Sent([], [])

    def tell_unit(case: Any, event: str, title: str, body: str = "", cap: str = "edit_records", url: str = "") -> None:
        sent.unit.append((case.unit.code, event, cap))

    def tell_staff(case: Any, event: str, title: str, body: str = "", url: str = "") -> None:
        sent.staff.append((case.unit.code, event, title))

    def tell_leaders(case: Any, event: str, title: str, body: str = "", url: str = "") -> None:
        sent.unit.append((case.unit.code, event, "leaders"))

    monkeypatch.setattr(actions, "_tell_unit", tell_unit)
    monkeypatch.setattr(actions, "_tell_leaders", tell_leaders)
    monkeypatch.setattr(actions, "_tell_staff", tell_staff)
    return sent


@dataclass
class People:
    staff: Any  # manage_work at the district (root)
    liaison_a1: Any  # edit_records in 东一社区
    liaison_sa: Any  # edit_records in 东城街道 (its subtree: A1, A2)
    liaison_b1: Any  # edit_records in 西一社区
    reviewer_a1: Any
    viewer: Any


@pytest.fixture
def people(tree: Any) -> People:
    return People(
        staff=make_user("staff", tree.district, username="staff"),
        liaison_a1=make_user("liaison", tree.community_a1, username="la1"),
        liaison_sa=make_user("liaison", tree.street_a, username="lsa"),
        liaison_b1=make_user("liaison", tree.community_b1, username="lb1"),
        reviewer_a1=make_user("reviewer", tree.community_a1, username="ra1"),
        viewer=make_user("viewer", tree.district, username="viewer"),
    )
