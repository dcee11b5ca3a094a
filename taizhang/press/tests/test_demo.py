"""The press demo builds on the demo district and shows every part: a dormant account, a failed check with its
case, a conference archived, a story scored once."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction

from taizhang.core.demo import DemoContext


def test_press_demo(taxonomy: Any) -> None:
    from taizhang.cases.models import Case
    from taizhang.org import demo as org_demo
    from taizhang.press import actions
    from taizhang.press import demo as press_demo
    from taizhang.press.models import AccountCheck, Conference, Submission

    ctx = DemoContext(seed=1, today=datetime.date(2026, 11, 20), rng=random.Random(1))
    with transaction.atomic():
        org_demo.build(ctx)
        press_demo.build(ctx)
    flags = {r["account"].name: r["flag"] for r in actions.dormancy(ctx.today)}
    assert flags["郝庄镇"] == "dormant" and flags["柳巷街道"] == "warning"
    failed = AccountCheck.objects.filter(result="failed")
    assert failed.exists()
    assert Case.objects.filter(kind="newmedia_rectification").count() == failed.count()
    assert Conference.objects.filter(state="archived").count() == 1
    assert Conference.objects.filter(state="held").exists()
    adopted = Submission.objects.filter(result="adopted")
    assert adopted.exists() and all(s.placement_id for s in adopted)
    from taizhang.core.periods import parse_period

    assert actions.scores(parse_period("2026"))
