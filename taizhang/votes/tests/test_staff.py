"""Staff pages: scoped to the poll's unit, counts per option and rule, wiped votes masked, restore through the page,
detection on demand through a job, the periodic sweep (detection, daily publication, closing)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taizhang.core.models import AuditEntry, Job
from taizhang.core.testing import make_user
from taizhang.votes import actions, jobs
from taizhang.votes.demo import cast_burst
from taizhang.votes.models import DetectionRun, Poll, Publication, Vote
from taizhang.votes.tests.conftest import at

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_scoped_and_voters_masked(poll: Poll, tree: Any) -> None:
    day = timezone.localdate(poll.opens_at)
    target = poll.options.order_by("order").first()
    assert target is not None
    cast_burst(poll, target, at(day, 10), count=40, addresses=1, seconds=40)
    run = actions.detect(acting_user=None, poll=poll, now=at(day, 23))
    staff = _client(make_user("staff", tree.district))
    for name, kwargs in (("votes:polls", {}), ("votes:poll_detail", {"pk": poll.pk}), ("votes:rules", {}),
                         ("votes:wiped", {"pk": poll.pk}), ("votes:run_detail", {"pk": run.pk})):
        r = staff.get(reverse(name, kwargs=kwargs))
        assert r.status_code == 200, name
    body = staff.get(reverse("votes:wiped", kwargs={"pk": poll.pk})).content.decode()
    v = Vote.objects.filter(poll=poll).first()
    assert v is not None
    assert v.voter_key[:6] + "…" in body and v.voter_key[:12] not in body and v.address_hash[:12] not in body
    assert "同一网络地址" in body
    # another street's staff see nothing of a district poll; a viewer sees it but cannot act
    other = _client(make_user("staff", tree.street_b))
    assert other.get(reverse("votes:poll_detail", kwargs={"pk": poll.pk})).status_code == 404
    assert str(poll.title) not in other.get(reverse("votes:polls")).content.decode()
    viewer = _client(make_user("viewer", tree.district))
    assert viewer.get(reverse("votes:poll_detail", kwargs={"pk": poll.pk})).status_code == 200
    assert viewer.post(reverse("votes:restore", kwargs={"pk": poll.pk}),
                       {"votes": [v.pk], "reason": "x"}).status_code == 403


def test_restore_through_the_page_is_audited(poll: Poll, tree: Any) -> None:
    day = timezone.localdate(poll.opens_at)
    target = poll.options.order_by("order").first()
    assert target is not None
    cast_burst(poll, target, at(day, 10), count=40, addresses=1, seconds=40)
    actions.detect(acting_user=None, poll=poll, now=at(day, 23))
    ids = list(Vote.objects.filter(poll=poll, valid=False).values_list("pk", flat=True)[:3])
    user = make_user("staff", tree.district)
    c = _client(user)
    url = reverse("votes:restore", kwargs={"pk": poll.pk})
    assert c.post(url, {"votes": ids, "reason": ""}).status_code == 302
    assert Vote.objects.filter(pk__in=ids, valid=True).count() == 0  # no reason, nothing restored
    assert c.post(url, {"votes": ["abc"], "reason": "x"}).status_code == 302  # bad id: a message, never a 500
    assert c.post(url, {"votes": ids, "reason": "电话回访核实为本人投票"}).status_code == 302
    assert Vote.objects.filter(pk__in=ids, valid=True, restored=True).count() == 3
    rows = AuditEntry.objects.filter(action="votes.restore", user_id=user.pk)
    assert rows.count() == 3 and rows.first().message == "电话回访核实为本人投票"  # type: ignore[union-attr]


def test_detection_on_demand_runs_as_a_job(poll: Poll, tree: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = make_user("staff", tree.district)
    with django_capture_on_commit_callbacks(execute=True):
        r = _client(user).post(reverse("votes:poll_detect", kwargs={"pk": poll.pk}))
    assert r.status_code == 302
    job = Job.objects.get(kind="votes.detect")
    assert job.params == {"poll": poll.pk} and job.created_by == user
    assert DetectionRun.objects.filter(poll=poll).count() == 1


def test_sweep_detects_publishes_once_a_day_and_closes(poll: Poll, tree: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep(now) == {"close": 0, "publish": 1, "detect": 0}
    pub = Publication.objects.get(poll=poll)
    assert pub.day == timezone.localdate(now) - datetime.timedelta(days=1)
    assert DetectionRun.objects.filter(poll=poll).count() == 1  # detection before publication
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep(now) == {"close": 0, "publish": 0, "detect": 1}
    assert Publication.objects.filter(poll=poll).count() == 1
    Poll.objects.filter(pk=poll.pk).update(closes_at=now - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep(now)["close"] == 1
    poll.refresh_from_db()
    assert poll.state == Poll.State.CLOSED and poll.publications.filter(final=True).exists()
