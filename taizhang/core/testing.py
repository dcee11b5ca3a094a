"""Test helpers shared by every app: a small unit tree, users with roles, records built through the actions."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from taizhang.org import actions as org_actions
from taizhang.org.models import Unit

_seq = itertools.count(1)
PASSWORD = "Tz-test-2024!"


@dataclass
class Tree:
    """区委宣传部 (root) → two streets → two communities each, plus a bureau."""

    district: Unit
    street_a: Unit
    street_b: Unit
    community_a1: Unit
    community_a2: Unit
    community_b1: Unit
    bureau: Unit


def make_tree() -> Tree:
    district = org_actions.create_unit(acting_user=None, code="D", name="测试区委宣传部", kind=Unit.Kind.DISTRICT)
    sa = org_actions.create_unit(acting_user=None, code="SA", name="东城街道", kind=Unit.Kind.STREET, parent=district,
                                 sort_order=1, population=50000)
    sb = org_actions.create_unit(acting_user=None, code="SB", name="西城街道", kind=Unit.Kind.STREET, parent=district,
                                 sort_order=2, population=30000)
    a1 = org_actions.create_unit(acting_user=None, code="SA1", name="东一社区", kind=Unit.Kind.COMMUNITY, parent=sa)
    a2 = org_actions.create_unit(acting_user=None, code="SA2", name="东二社区", kind=Unit.Kind.COMMUNITY, parent=sa)
    b1 = org_actions.create_unit(acting_user=None, code="SB1", name="西一社区", kind=Unit.Kind.COMMUNITY, parent=sb)
    bureau = org_actions.create_unit(acting_user=None, code="BE", name="区教育局", kind=Unit.Kind.BUREAU,
                                     parent=district, sort_order=3, population=20000)
    return Tree(district, sa, sb, a1, a2, b1, bureau)


def make_user(role: str | None = None, unit: Unit | None = None, *, username: str | None = None, **extra: Any) -> Any:
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD, **extra
    )
    if role is not None and unit is not None:
        org_actions.grant_role(acting_user=None, user=user, unit=unit, role=role)
    return user


def client_for(user: Any) -> Client:
    """A test client logged in as `user` (no password round trip)."""
    c = Client()
    c.force_login(user)
    return c


def make_record(
    unit: Unit,
    type_key: str,
    figures: dict[str, Any],
    *,
    day: datetime.date = datetime.date(2024, 5, 12),
    status: str = "approved",
    title: str | None = None,
    placement: Any = None,
) -> Any:
    """A record built through the real actions and moved to `status`."""
    from taizhang.ledger import actions
    from taizhang.ledger.models import ActivityType

    atype = ActivityType.objects.get(key=type_key)
    record = actions.create_record(
        acting_user=None, unit=unit, activity_type=atype, title=title or f"{atype.name}{next(_seq)}", start_date=day,
        figures=figures, placement=placement,
    )
    if status in ("submitted", "approved", "returned"):
        actions.submit_record(acting_user=None, record=record)
    if status == "approved":
        actions.approve_record(acting_user=None, record=record)
    elif status == "returned":
        actions.return_record(acting_user=None, record=record, reason="数据有误")
    return record


def dec(value: Any) -> Decimal:
    return Decimal(str(value))
