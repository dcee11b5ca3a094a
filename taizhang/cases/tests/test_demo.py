"""The demo builds cases of every state across units, some overdue and escalated."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from taizhang.cases import demo
from taizhang.cases.models import Case, ExtensionRequest
from taizhang.core.demo import DemoContext


def test_demo_cases(db: Any) -> None:
    from taizhang.org import demo as org_demo

    ctx = DemoContext(seed=2024, today=timezone.localdate(), rng=random.Random(1))
    org_demo.build(ctx)
    demo.build(ctx)
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(Case.State.values)
    assert Case.objects.filter(escalation_level__gte=1).exists()
    assert Case.objects.filter(closed_on_time=False).exists() and Case.objects.filter(closed_on_time=True).exists()
    assert ExtensionRequest.objects.filter(state="pending").exists()
    assert Case.objects.values("unit").distinct().count() >= 3
    assert all(c.deadline is None or c.deadline > datetime.date(2000, 1, 1) for c in Case.objects.all())
