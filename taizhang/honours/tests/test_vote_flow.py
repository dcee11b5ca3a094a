"""The campaign's public vote through the votes app: the poll opened at the vote stage (code = campaign code, one
option per candidate still standing), its valid counts (a planted brushing burst wiped) used for the result."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidTransition
from taizhang.honours import actions
from taizhang.honours.models import Campaign, Stage
from taizhang.honours.tests.factories import make_campaign, nominate, to_notice

pytestmark = pytest.mark.django_db


def _campaign_in_vote(tree: Any) -> tuple[Campaign, list[Any]]:
    today = timezone.localdate()
    campaign = make_campaign(tree.district, code="HR-VOTE", public_share=50, categories=[("助人为乐", 1)],
                             base=today - datetime.timedelta(days=14))
    a = nominate(campaign, tree.street_a)
    b = nominate(campaign, tree.street_b, name="陈十一", birth=datetime.date(1958, 3, 4))
    to_notice(campaign, [a, b], scores=[80, 90])
    Campaign.objects.filter(pk=campaign.pk).update(vote_starts=today - datetime.timedelta(days=5),
                                                   vote_ends=today - datetime.timedelta(days=1))
    campaign.refresh_from_db()
    actions.advance(acting_user=None, campaign=campaign, to=Stage.VOTE)
    return campaign, [a, b]


def test_vote_stage_opens_the_poll_and_result_uses_valid_counts(tree: Any) -> None:
    from taizhang.votes import actions as votes
    from taizhang.votes.identity import address_digest, device_digest, voter_key

    campaign, (a, b) = _campaign_in_vote(tree)
    poll = votes.poll_for(campaign)
    assert poll is not None and poll.code == "HR-VOTE"
    options = {o.subject_id: o for o in poll.options.all()}
    assert set(options) == {a.pk, b.pk}
    day = timezone.make_aware(datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=3),
                                                        datetime.time(10)))
    for i in range(30):  # 20 people for a, 10 for b, each from their own home
        target = a if i < 20 else b
        votes.cast_ballot(poll=poll, voter_key=voter_key(f"1390000{i:04d}"), option_ids=[options[target.pk].pk],
                          address_hash=address_digest(f"10.0.{i}.1"), device_hash=device_digest(f"dev-{i}"),
                          now=day + datetime.timedelta(minutes=17 * i))
    actions.advance(acting_user=None, campaign=campaign, to=Stage.RESULT)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.votes, b.votes) == (20, 10)
    # a: jury 80, votes 20/20 → 100; 80×0.5 + 100×0.5 = 90.00.  b: jury 90, votes 10/20 → 50; 45 + 25 = 70.00
    assert (a.final_score, b.final_score) == (Decimal("90.00"), Decimal("70.00"))
    poll.refresh_from_db()
    assert poll.state == poll.State.CLOSED


def test_a_planted_brushing_burst_does_not_decide_the_result(tree: Any) -> None:
    from taizhang.votes import actions as votes
    from taizhang.votes.demo import cast_burst

    campaign, (_a, b) = _campaign_in_vote(tree)
    poll = votes.poll_for(campaign)
    assert poll is not None
    option_b = poll.options.get(subject_id=b.pk)
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=2),
                                                          datetime.time(21, 13)))
    cast_burst(poll, option_b, start, count=300, addresses=3, seconds=120)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.RESULT)
    b.refresh_from_db()
    assert b.votes is not None and b.votes < 30  # the burst was wiped as brushing


def test_result_before_the_vote_stage_is_refused(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    with pytest.raises(InvalidTransition):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.RESULT)
