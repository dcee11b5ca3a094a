from __future__ import annotations

import random

import pytest
from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.honours.models import Campaign, Honour, Nomination, Objection, RoleModel, Stage

pytestmark = pytest.mark.django_db


def test_demo_takes_a_campaign_through_every_stage_to_the_library() -> None:
    from taizhang.honours import demo
    from taizhang.org import demo as org_demo
    from taizhang.votes import actions as votes

    ctx = DemoContext(seed=7, today=timezone.localdate(), rng=random.Random(7))
    ctx.scale = 0.3  # type: ignore[attr-defined]
    org_demo.build(ctx)
    demo.build(ctx)
    year = ctx.today.year
    main = Campaign.objects.get(code=f"HR-{year}")
    assert main.stage == Stage.ANNOUNCED
    honoured = Nomination.objects.filter(campaign=main, state=Nomination.State.HONOURED)
    assert 1 <= honoured.count() <= sum(c.quota for c in main.categories.all()) == 6
    assert Nomination.objects.filter(campaign=main, state=Nomination.State.DISQUALIFIED).count() == 1
    assert Objection.objects.filter(nomination__campaign=main, state=Objection.State.DISMISSED).exists()
    poll = votes.poll_for(main)
    assert poll is not None
    summary = votes.audit_summary(poll)
    assert summary["wiped"] >= 900  # the planted burst of 1,000 was caught
    assert Honour.objects.filter(campaign=main).count() == honoured.count()
    liu = RoleModel.objects.get(name="刘长福")
    assert liu.honours.count() == 2  # one person, two honours
    assert Honour.objects.filter(year=year - 1).count() == 3
    assert RoleModel.objects.filter(promotions__isnull=False).exists()
    assert RoleModel.objects.filter(care_visits__isnull=False).exists()
    youth = Campaign.objects.get(code=f"MDSN-{year}")
    assert youth.notice_open()
