"""Two submissions at the same moment cannot exceed the daily limit: ballot n is unique per (poll, person, day)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from taizhang.core.errors import InvalidInput
from taizhang.votes import actions
from taizhang.votes.identity import voter_key
from taizhang.votes.models import Ballot, Poll


@pytest.mark.django_db
def test_the_database_refuses_a_second_ballot_n(poll: Poll) -> None:
    key = voter_key("13900009999")
    b = actions.cast_ballot(poll=poll, voter_key=key, option_ids=[poll.options.first().pk])  # type: ignore[union-attr]
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(poll=poll, voter_key=key, day=b.day, n=b.n)


def test_threads_voting_at_once_take_only_the_allowed_ballots(transactional_db: Any, tree: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (TAIZHANG_TEST_DATABASE_URL)")
    now = timezone.now()
    poll = actions.open_poll(acting_user=None, code="RACE", title="并发", subject=tree.district,
                             options=[(tree.street_a, "甲")], opens_at=now - timezone.timedelta(hours=1),
                             closes_at=now + timezone.timedelta(days=1), votes_per_day=2)
    option = poll.options.get().pk
    key = voter_key("13900008888")
    barrier = threading.Barrier(8)
    results: list[str] = []

    def vote() -> None:
        try:
            barrier.wait()
            actions.cast_ballot(poll=poll, voter_key=key, option_ids=[option])
            results.append("ok")
        except InvalidInput as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 2 and len(results) == 8
    assert all("投票次数已用完" in r for r in results if r != "ok")
    assert sorted(Ballot.objects.filter(voter_key=key).values_list("n", flat=True)) == [1, 2]


def test_threads_from_one_address_take_only_the_address_limit(transactional_db: Any, tree: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (TAIZHANG_TEST_DATABASE_URL)")
    now = timezone.now()
    poll = actions.open_poll(acting_user=None, code="RACE-NET", title="并发", subject=tree.district,
                             options=[(tree.street_a, "甲")], opens_at=now - timezone.timedelta(hours=1),
                             closes_at=now + timezone.timedelta(days=1), votes_per_day=1)
    Poll.objects.filter(pk=poll.pk).update(address_daily_limit=3)
    poll.refresh_from_db()
    option = poll.options.get().pk
    barrier = threading.Barrier(8)
    results: list[str] = []

    def vote(i: int) -> None:
        try:
            barrier.wait()
            actions.cast_ballot(poll=poll, voter_key=voter_key(f"1390000770{i}"), option_ids=[option],
                                address_hash="one-net")
            results.append("ok")
        except InvalidInput as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3 and len(results) == 8
    assert all("所在网络" in r for r in results if r != "ok")
    assert Ballot.objects.filter(poll=poll, address_hash="one-net").count() == 3
