"""Anomaly rules on a planted brushing burst (1,000 votes from 3 addresses in 2 minutes are caught; a normal day of
spread votes from many addresses is not), wiping kept in the audit log with rule and reason, restore."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.votes import actions, detection
from taizhang.votes.demo import cast_burst, cast_spread
from taizhang.votes.identity import voter_key
from taizhang.votes.models import AnomalyRule, Poll, Vote
from taizhang.votes.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_normal_days_are_not_flagged(poll: Poll) -> None:
    rng = random.Random(7)
    first = timezone.localdate(poll.opens_at)
    cast = sum(cast_spread(poll, first + datetime.timedelta(days=d), 400, rng, person_offset=d * 1000)
               for d in range(2))
    assert cast == 800 and Vote.objects.filter(poll=poll).count() >= 800
    run = actions.detect(acting_user=None, poll=poll, now=at(first + datetime.timedelta(days=2), 1))
    assert run.wiped == 0 and run.examined == Vote.objects.filter(poll=poll).count()
    assert not Vote.objects.filter(poll=poll, valid=False).exists()


def test_planted_burst_is_caught_and_the_normal_day_kept(poll: Poll) -> None:
    rng = random.Random(11)
    day = timezone.localdate(poll.opens_at) + datetime.timedelta(days=1)
    cast_spread(poll, day, 400, rng)
    normal_ids = set(Vote.objects.filter(poll=poll).values_list("pk", flat=True))
    target = poll.options.order_by("order").last()
    assert target is not None
    assert cast_burst(poll, target, at(day, 21, 13)) == 1000
    burst_ids = set(Vote.objects.filter(poll=poll).exclude(pk__in=normal_ids).values_list("pk", flat=True))
    assert len(burst_ids) == 1000

    staff = make_user("staff", poll.unit)
    run = actions.detect(acting_user=staff, poll=poll, now=at(day, 23, 59))
    wiped = set(Vote.objects.filter(poll=poll, valid=False).values_list("pk", flat=True))
    assert wiped == burst_ids  # every bought vote, and none of the day's real votes (21:13–21:15 included)
    assert run.wiped == 1000 and sum(r["wiped"] for r in run.results) == 1000
    assert {r["rule"] for r in run.results if r["wiped"]} >= {"burst"}
    # each wiped vote keeps its rule and reason, and has its row in the audit log with both
    v = Vote.objects.filter(pk__in=burst_ids).select_related("wiped_by").first()
    assert v is not None and v.wiped_by is not None and v.wipe_reason and v.wipe_run == run
    rows = AuditEntry.objects.filter(action="votes.wipe", object_type="votes.vote")
    assert rows.count() == 1000
    row = rows.get(object_id=str(v.pk))
    assert row.after["valid"] is False and row.after["wipe_reason"] == v.wipe_reason
    assert v.wiped_by.name in row.message
    assert AuditEntry.objects.filter(action="votes.detect", object_id=str(run.pk)).exists()
    # the counts leave the bought votes out
    counts = actions.final_counts(poll)
    assert counts[target.subject_id] == Vote.objects.filter(option=target, valid=True).count()
    assert sum(counts.values()) == len(normal_ids)
    # a second run finds nothing new
    assert actions.detect(acting_user=None, poll=poll).wiped == 0


@pytest.mark.parametrize("key", ["address", "device", "timing"])
def test_each_rule_on_its_own(poll: Poll, key: str) -> None:
    opens = poll.opens_at
    rows = []
    if key == "address":  # 30 votes from one address within 10 minutes, irregular spacing
        rows = [detection.VoteRow(i, 1, opens + datetime.timedelta(seconds=i * i // 2), "addr", f"d{i}", f"p{i}")
                for i in range(30)]
    elif key == "device":  # one device voting for 10 people over a day
        rows = [detection.VoteRow(i, 1, opens + datetime.timedelta(hours=i), f"a{i}", "dev", f"p{i}")
                for i in range(10)]
    else:  # 20 votes every 90 seconds exactly from one address (under the address rule's 30 in 10 minutes)
        rows = [detection.VoteRow(i, 1, opens + datetime.timedelta(seconds=90 * i), "addr", f"d{i}", f"p{i}")
                for i in range(20)]
    rule = AnomalyRule.objects.get(key=key)
    hits = detection.RULES[key](rows, rule.params, opens)
    assert set(hits) == {r.id for r in rows}
    # one vote fewer (or irregular timing) stays below the rule
    if key == "timing":
        rows = [r._replace(cast_at=opens + datetime.timedelta(seconds=90 * i + (i % 3) * 40))
                for i, r in enumerate(rows)]
    else:
        rows = rows[:-1]
    assert detection.RULES[key](rows, rule.params, opens) == {}


def test_restore_is_audited_and_survives_later_runs(poll: Poll, tree: Any) -> None:
    day = timezone.localdate(poll.opens_at)
    target = poll.options.order_by("order").first()
    assert target is not None
    cast_burst(poll, target, at(day, 10), count=60, addresses=1, seconds=60)
    actions.detect(acting_user=None, poll=poll, now=at(day, 23))
    wiped = list(Vote.objects.filter(poll=poll, valid=False).values_list("pk", flat=True))
    assert len(wiped) == 60
    with pytest.raises(NotPermitted):
        actions.restore_votes(acting_user=make_user("staff", tree.street_a), poll=poll, vote_ids=wiped[:5],
                              reason="单位统一组织")
    with pytest.raises(InvalidInput, match="恢复理由"):
        actions.restore_votes(acting_user=None, poll=poll, vote_ids=wiped[:5], reason=" ")
    staff = make_user("staff", tree.district)
    assert actions.restore_votes(acting_user=staff, poll=poll, vote_ids=wiped[:5], reason="核实为单位集体投票") == 5
    restored = Vote.objects.filter(pk__in=wiped[:5])
    assert all(v.valid and v.restored and v.wiped_by_id for v in restored)
    assert AuditEntry.objects.filter(action="votes.restore", username=staff.username).count() == 5
    actions.detect(acting_user=None, poll=poll)
    assert Vote.objects.filter(poll=poll, valid=True).count() == 5
    assert actions.final_counts(poll)[target.subject_id] == 5


def test_rule_parameters_are_data(poll: Poll, tree: Any) -> None:
    rule = AnomalyRule.objects.get(key="address")
    with pytest.raises(NotPermitted):
        actions.update_rule(acting_user=make_user("staff", tree.street_a), rule=rule, params={})
    with pytest.raises(InvalidInput):
        actions.update_rule(acting_user=None, rule=rule, params={"window_minutes": 0, "max_votes": "x"})
    actions.update_rule(acting_user=None, rule=rule, params={"window_minutes": 10, "max_votes": 5})
    day = timezone.localdate(poll.opens_at)
    a = poll.options.first()
    assert a is not None
    for i in range(5):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1380000000{i}"), option_ids=[a.pk],
                            address_hash="one", now=at(day, 12, i * 2))
    run = actions.detect(acting_user=None, poll=poll)
    assert run.wiped == 5 and Vote.objects.filter(wiped_by=rule).count() == 5
    assert next(r for r in run.results if r["rule"] == "address")["params"] == {"window_minutes": 10, "max_votes": 5}
