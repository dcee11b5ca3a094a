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


def test_demo_library_holds_the_people_the_demo_ledger_reports(taxonomy: object) -> None:
    """The demo ledger reports 好人, 道德模范, 美德少年… (parts of 选树典型人数 in summaries); the demo library enters
    their people, on the record's day, so no part exceeds its total in any unit or period and a drafted summary
    writes them within it, with nothing for the writer to check."""
    import datetime

    from taizhang.core.periods import parse_period
    from taizhang.core.testing import make_record
    from taizhang.honours import demo
    from taizhang.ledger.figures import compute
    from taizhang.org import demo as org_demo
    from taizhang.org.models import Unit
    from taizhang.reports import concepts
    from taizhang.reports.composer import ComposeOptions, compose
    from taizhang.reports.composer.phrases import default_library

    parts = [k for k, total in concepts.part_relations(default_library()).items() if total == "honours_selected"]
    assert sorted(demo.LEDGER_KINDS) == sorted(parts)  # every kind a summary writes within the total is covered
    ctx = DemoContext(seed=7, today=timezone.localdate(), rng=random.Random(7))
    ctx.scale = 0.3  # type: ignore[attr-defined]
    org_demo.build(ctx)
    root = Unit.objects.get(parent__isnull=True)
    year = ctx.today.year - 1
    make_record(root, "rm_local_selection", {"rm_good_people": 3, "rm_youth": 2, "rm_other_models": 1},
                day=datetime.date(year, 7, 6))
    make_record(root, "rm_municipal_selection", {"rm_good_people": 1, "rm_moral_models": 1},
                day=datetime.date(year, 3, 3), status="draft")  # not counted yet: its people are entered all the same
    demo._ledger_honourees(ctx, ctx.users["staff"])
    for spec in (str(year), f"{year}Q1", f"{year}Q3", f"{year}-07", f"{year}H2"):
        period = parse_period(spec)
        total = compute("honours_selected", period=period, unit=root).value
        reported = sum(compute(k, period=period, unit=root).value for k in parts)
        assert reported <= total, (spec, reported, total)
    assert compute("honours_selected", period=parse_period(f"{year}Q3"), unit=root).value == 6
    assert compute("honours_selected", period=parse_period(str(year)), unit=root).value == 8
    assert Honour.objects.filter(level="municipal", title="太原好人", awarded_on=datetime.date(year, 3, 3)).count() == 1
    assert not Honour.objects.filter(unit=root).exists()  # spread over the streets and towns
    youth = RoleModel.objects.filter(honours__title="万柏林区美德少年")
    assert youth.count() == 2 and all(len(r.initials) == 3 for r in youth)  # minors are shown by initials
    options = ComposeOptions(comparisons=False, ranks=False, targets=False)
    result = compose(root, parse_period(str(year)), options=options)
    roles = result.document.meta["roles"]
    text = str(result.document.blocks[roles.index("line:role_models")].text)
    assert "选树典型8名，其中评选表彰好人3名、评选美德少年2名、选树其他先进典型1名" in text, text
    assert not [n for n in result.notes if "大于其总数" in n], result.notes
