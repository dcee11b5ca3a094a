"""Vote limits: per person per day, choices per ballot, per address per day; refusals in Chinese."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.testing import make_user
from taizhang.votes import actions
from taizhang.votes.identity import voter_key
from taizhang.votes.models import Ballot, Poll, Vote
from taizhang.votes.tests.conftest import at

pytestmark = pytest.mark.django_db


def _ids(poll: Poll) -> list[int]:
    return list(poll.options.values_list("pk", flat=True))


def test_per_person_per_day_and_next_day(poll: Poll) -> None:
    a, b, c = _ids(poll)
    me = voter_key("13900000001")
    day = timezone.localdate() - datetime.timedelta(days=3)
    actions.cast_ballot(poll=poll, voter_key=me, option_ids=[a], now=at(day, 9))
    actions.cast_ballot(poll=poll, voter_key=me, option_ids=[b, c], now=at(day, 10))
    with pytest.raises(InvalidInput) as exc:
        actions.cast_ballot(poll=poll, voter_key=me, option_ids=[a], now=at(day, 11))
    assert "每人每天2次" in exc.value.message
    # the next day the person may vote again; another person is not affected
    actions.cast_ballot(poll=poll, voter_key=me, option_ids=[a], now=at(day + datetime.timedelta(days=1), 9))
    actions.cast_ballot(poll=poll, voter_key=voter_key("13900000002"), option_ids=[a], now=at(day, 11))
    assert Ballot.objects.filter(poll=poll, voter_key=me).count() == 3
    assert Vote.objects.filter(poll=poll, voter_key=me).count() == 4
    assert actions.final_counts(poll) == {poll.options.get(pk=a).subject_id: 3,
                                          poll.options.get(pk=b).subject_id: 1,
                                          poll.options.get(pk=c).subject_id: 1}


def test_max_choices_duplicates_and_foreign_options(poll: Poll, tree: Any) -> None:
    a, b, c = _ids(poll)
    me = voter_key("13900000003")
    for bad, text in (([a, b, c], "最多选择2位"), ([a, a], "只能选择一次"), ([], "至少选择"),
                      ([a, 999999], "选项无效"), (["x"], "选项无效")):
        with pytest.raises(InvalidInput) as exc:
            actions.cast_ballot(poll=poll, voter_key=me, option_ids=bad)  # type: ignore[list-item]
        assert text in exc.value.message
    assert not Ballot.objects.filter(voter_key=me).exists()
    with pytest.raises(InvalidInput, match="请先验证手机号码"):
        actions.cast_ballot(poll=poll, voter_key="", option_ids=[a])


def test_per_address_per_day(poll: Poll) -> None:
    a = _ids(poll)[0]
    Poll.objects.filter(pk=poll.pk).update(address_daily_limit=3)
    poll.refresh_from_db()
    for i in range(3):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1390000010{i}"), option_ids=[a], address_hash="net")
    with pytest.raises(InvalidInput, match="所在网络"):
        actions.cast_ballot(poll=poll, voter_key=voter_key("13900000199"), option_ids=[a], address_hash="net")
    actions.cast_ballot(poll=poll, voter_key=voter_key("13900000199"), option_ids=[a], address_hash="other")


def test_a_refused_ballot_does_not_use_the_address_count_and_old_ballots_count(poll: Poll) -> None:
    from taizhang.votes.models import AddressDay, Ballot

    a = _ids(poll)[0]
    Poll.objects.filter(pk=poll.pk).update(address_daily_limit=2, votes_per_day=1)
    poll.refresh_from_db()
    key = voter_key("13900000301")
    actions.cast_ballot(poll=poll, voter_key=key, option_ids=[a], address_hash="net2")
    with pytest.raises(InvalidInput, match="次数已用完"):  # the person's limit: the address keeps its place
        actions.cast_ballot(poll=poll, voter_key=key, option_ids=[a], address_hash="net2")
    assert AddressDay.objects.get(poll=poll, address_hash="net2").used == 1
    actions.cast_ballot(poll=poll, voter_key=voter_key("13900000302"), option_ids=[a], address_hash="net2")
    # a ballot cast before the counter existed (an older poll) still counts against the address
    day = Ballot.objects.filter(poll=poll).first().day  # type: ignore[union-attr]
    Ballot.objects.create(poll=poll, voter_key="old", day=day, n=1, address_hash="net3")
    actions.cast_ballot(poll=poll, voter_key=voter_key("13900000303"), option_ids=[a], address_hash="net3")
    with pytest.raises(InvalidInput, match="所在网络"):
        actions.cast_ballot(poll=poll, voter_key=voter_key("13900000304"), option_ids=[a], address_hash="net3")


def test_closed_and_not_open_polls_refuse(poll: Poll, tree: Any) -> None:
    a = _ids(poll)[0]
    with pytest.raises(InvalidTransition, match="尚未开始"):
        actions.cast_ballot(poll=poll, voter_key=voter_key("13900000004"), option_ids=[a],
                            now=poll.opens_at - datetime.timedelta(minutes=1))
    with pytest.raises(NotPermitted):
        actions.close_poll(acting_user=make_user("staff", tree.street_a), poll=poll)
    actions.close_poll(acting_user=make_user("staff", tree.district), poll=poll)
    with pytest.raises(InvalidTransition, match="已结束"):
        actions.cast_ballot(poll=poll, voter_key=voter_key("13900000004"), option_ids=[a])
    with pytest.raises(InvalidTransition):
        actions.close_poll(acting_user=None, poll=poll)


def test_open_poll_checks_and_poll_for(tree: Any) -> None:
    now = timezone.now()
    with pytest.raises(InvalidInput) as exc:
        actions.open_poll(acting_user=None, code="", title="", subject=tree.district, options=[],
                          opens_at=now, closes_at=now)
    assert {"code", "title", "closes_at", "options"} <= set(exc.value.errors)
    with pytest.raises(NotPermitted):
        actions.open_poll(acting_user=make_user("staff", tree.street_b), code="X", title="x", subject=tree.district,
                          options=[(tree.street_a, "甲")], opens_at=now, closes_at=now + datetime.timedelta(days=1))
    assert actions.poll_for(tree.district) is None
    p = actions.open_poll(acting_user=make_user("staff", tree.district), code="X", title="x", subject=tree.district,
                          options=[(tree.street_a, "甲")], opens_at=now, closes_at=now + datetime.timedelta(days=1))
    assert actions.poll_for(tree.district) == p and p.unit == tree.district
    assert actions.final_counts(p) == {tree.street_a.pk: 0}
