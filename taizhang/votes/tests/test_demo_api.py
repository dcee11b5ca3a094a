"""The demo's simulation (what honours' demo calls) and the staff API."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.core.testing import make_user
from taizhang.votes import actions
from taizhang.votes.demo import simulate_public_vote
from taizhang.votes.models import Poll, Publication, Vote

pytestmark = pytest.mark.django_db


def test_simulated_vote_catches_the_planted_burst(tree: Any) -> None:
    now = timezone.now()
    poll = actions.open_poll(acting_user=None, code="DEMO-1", title="演示投票", subject=tree.district,
                             options=[(tree.street_a, "甲"), (tree.street_b, "乙"), (tree.bureau, "丙")],
                             opens_at=now - datetime.timedelta(days=4), closes_at=now + datetime.timedelta(days=3))
    ctx = DemoContext(seed=1, today=timezone.localdate(), rng=random.Random(1))
    simulate_public_vote(ctx, poll, days=3, burst=True)
    summary = actions.audit_summary(poll)
    assert summary["wiped"] >= 1000 and summary["valid"] > 100
    assert Vote.objects.filter(poll=poll, valid=False, option__label="丙").count() >= 1000
    assert Publication.objects.filter(poll=poll).count() == 3
    assert any("植入刷票" in n for n in ctx.notes)


def test_api_lists_scoped_polls_with_counts_and_no_voter_data(poll: Poll, tree: Any) -> None:
    a = poll.options.first()
    assert a is not None
    ballot = actions.cast_ballot(poll=poll, voter_key="f" * 64, option_ids=[a.pk], address_hash="e" * 64)
    actions.detect(acting_user=None, poll=poll)
    c = Client()
    c.force_login(make_user("viewer", tree.district))
    r = c.get("/api/votes/polls/")
    assert r.status_code == 200
    body = r.content.decode()
    row = r.json()["results"][0] if "results" in r.json() else r.json()[0]
    assert row["code"] == poll.code and row["counts"]["received"] == 1
    assert ballot.voter_key not in body and "e" * 64 not in body
    assert c.get("/api/votes/runs/").status_code == 200
    other = Client()
    other.force_login(make_user("viewer", tree.street_b))
    assert poll.code not in other.get("/api/votes/polls/").content.decode()
