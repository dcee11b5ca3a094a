"""Sample objects of the 公众投票 URLs for the permission matrix (core/testing_matrix.py): a poll of street A (its
subject is a team of street A: a poll belongs to its subject's unit), with a wiped vote and its detection run, and
the anomaly rules (district-wide: no unit)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.volunteers.tests.factories import make_team
    from taizhang.votes import actions
    from taizhang.votes.demo import cast_burst
    from taizhang.votes.models import AnomalyRule

    sa = world.tree.street_a
    subject = make_team(sa, "矩阵投票主办队伍")
    now = timezone.now()
    poll = actions.open_poll(acting_user=None, code="MX-VOTE", title="矩阵投票", subject=subject,
                             options=[(world.tree.community_a1, "甲"), (world.tree.community_a2, "乙")],
                             opens_at=now - datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=5))
    cast_burst(poll, poll.options.all()[0], now - datetime.timedelta(days=1), count=35, addresses=1, seconds=30)
    run = actions.detect(acting_user=None, poll=poll)
    rule = AnomalyRule.objects.get(key="address")
    p = {"pk": poll.pk}
    return {
        "votes:poll_detail": Sample(p, sa),
        "votes:poll_detect": Sample(p, sa),
        "votes:poll_publish": Sample(p, sa),
        "votes:poll_close": Sample(p, sa),
        "votes:wiped": Sample(p, sa),
        "votes:restore": Sample(p, sa),
        "votes:run_detail": Sample({"pk": run.pk}, sa),
        "votes:rule_edit": Sample({"pk": rule.pk}),
        "votes-poll-detail": Sample(p, sa),
        "votes-run-detail": Sample({"pk": run.pk}, sa),
    }
