from __future__ import annotations

import datetime
import random
from typing import Any

import pytest

from taizhang.citizen.models import Photo, Place, Report
from taizhang.core.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_builds_reports_in_every_state() -> None:
    from taizhang.citizen import demo
    from taizhang.org import demo as org_demo

    ctx = DemoContext(seed=7, today=datetime.date(2024, 6, 20), rng=random.Random(7))
    ctx.scale = 0.3  # type: ignore[attr-defined]
    org_demo.build(ctx)
    demo.build(ctx)
    statuses = set(Report.objects.values_list("status", flat=True))
    assert {"new", "dispatched", "closed", "answered", "rejected"} <= statuses, statuses
    assert Report.objects.count() >= 60
    assert Report.objects.exclude(rating="").exists()
    assert Place.objects.count() >= 15 and Photo.objects.exists()
    first = Report.objects.order_by("submitted_at").first()
    assert first is not None and (ctx.today - first.submitted_at.date()).days > 100
    closed: Any = Report.objects.filter(status="closed").first()
    assert closed is not None and closed.closed_at > closed.submitted_at
