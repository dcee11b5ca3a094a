from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidTransition
from taizhang.core.testing import make_user
from taizhang.volunteers import actions
from taizhang.volunteers.models import SignUp
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db
S = SignUp.State


def test_capacity_then_waiting_list_then_promotion_on_cancel(tree):
    team = make_team(tree.street_a)
    shift = make_activity(team, capacity=2).shifts.get()
    a, b, c, d = (make_volunteer(tree.community_a1) for _ in range(4))
    assert actions.sign_up(volunteer=a, shift=shift).state == S.APPROVED
    assert actions.sign_up(volunteer=b, shift=shift).state == S.APPROVED
    sc = actions.sign_up(volunteer=c, shift=shift)
    sd = actions.sign_up(volunteer=d, shift=shift)
    assert (sc.state, sd.state) == (S.WAITLISTED, S.WAITLISTED)
    actions.cancel_signup(volunteer=a, signup=SignUp.objects.get(shift=shift, volunteer=a))
    sc.refresh_from_db()
    sd.refresh_from_db()
    assert sc.state == S.APPROVED  # the first on the waiting list moves up
    assert sd.state == S.WAITLISTED
    assert actions.taken_places(shift) == 2


def test_signup_needs_approval_and_reject_promotes(tree):
    team = make_team(tree.street_a)
    organiser = make_user("liaison", tree.street_a)
    shift = make_activity(team, capacity=1, auto_approve=False).shifts.get()
    a, b = make_volunteer(tree.community_a1), make_volunteer(tree.community_a1)
    sa = actions.sign_up(volunteer=a, shift=shift)
    sb = actions.sign_up(volunteer=b, shift=shift)
    assert (sa.state, sb.state) == (S.APPLIED, S.WAITLISTED)
    with pytest.raises(InvalidTransition):
        actions.approve_signup(acting_user=organiser, signup=sb)  # the shift is full
    actions.reject_signup(acting_user=organiser, signup=sa)
    sb.refresh_from_db()
    assert sb.state == S.APPLIED
    assert actions.approve_signup(acting_user=organiser, signup=sb).state == S.APPROVED


def test_one_signup_per_shift_and_no_overlap(tree):
    team = make_team(tree.street_a)
    start = timezone.now() + datetime.timedelta(days=2)
    s1 = make_activity(team, start=start).shifts.get()
    s2 = make_activity(team, start=start + datetime.timedelta(hours=1)).shifts.get()
    v = make_volunteer(tree.community_a1)
    actions.sign_up(volunteer=v, shift=s1)
    with pytest.raises(InvalidTransition, match="已报名"):
        actions.sign_up(volunteer=v, shift=s1)
    with pytest.raises(InvalidTransition, match="重叠"):
        actions.sign_up(volunteer=v, shift=s2)


def test_no_signup_after_the_shift_started(tree):
    team = make_team(tree.street_a)
    shift = make_activity(team, start=timezone.now() - datetime.timedelta(minutes=5)).shifts.get()
    with pytest.raises(InvalidTransition, match="已开始"):
        actions.sign_up(volunteer=make_volunteer(tree.community_a1), shift=shift)


def test_reminder_once(tree):
    from taizhang.volunteers import tokens
    from taizhang.volunteers.jobs import send_reminders

    team = make_team(tree.street_a)
    shift = make_activity(team, start=timezone.now() + datetime.timedelta(hours=5)).shifts.get()
    actions.sign_up(volunteer=make_volunteer(tree.community_a1), shift=shift)
    tokens.OUTBOX.clear()
    assert send_reminders() == 1
    assert send_reminders() == 0
    assert "社区环境清洁" in tokens.OUTBOX[-1][1]
