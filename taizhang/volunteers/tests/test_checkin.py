from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.volunteers import actions, tokens
from taizhang.volunteers.models import HourRecord, SignUp
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def setup_signed(tree, *, hours=3, **extra):
    team = make_team(tree.street_a)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    activity = make_activity(team, start=start, hours=hours, **extra)
    shift = activity.shifts.get()
    volunteer = make_volunteer(tree.community_a1)
    actions.sign_up(volunteer=volunteer, shift=shift, now=start - datetime.timedelta(days=1))
    return activity, shift, volunteer, start


def test_token_window_and_grace():
    t0 = 1_700_000_010.0
    token = tokens.make_checkin_token(7, 9, now=t0)
    assert tokens.check_checkin_token(token, 7, now=t0) == (True, 9, "")
    assert tokens.check_checkin_token(token, 7, now=t0 + 30)[0]  # the next window: grace
    ok, _, reason = tokens.check_checkin_token(token, 7, now=t0 + 61)
    assert not ok and "过期" in reason
    assert not tokens.check_checkin_token(token, 8, now=t0)[0]  # another activity
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert not tokens.check_checkin_token(forged, 7, now=t0)[0]
    assert not tokens.check_checkin_token("7.9.x.y", 7, now=t0)[0]


def test_check_in_and_out_computes_hours_capped_by_shift(tree):
    activity, shift, volunteer, start = setup_signed(tree)
    t_in = start - datetime.timedelta(minutes=20)  # early: counted from the shift's start
    actions.check_in(volunteer=volunteer, activity=activity, token=tokens.make_checkin_token(
        activity.pk, shift.pk, now=t_in.timestamp()), now=t_in)
    t_out = start + datetime.timedelta(hours=5)  # late check-out: capped at the shift's end (3 h)
    record = actions.check_out(volunteer=volunteer, activity=activity, token=tokens.make_checkin_token(
        activity.pk, shift.pk, now=t_out.timestamp()), now=t_out)
    assert record.hours == Decimal("3.00")
    assert record.source == HourRecord.Source.SCAN and record.status == HourRecord.Status.PENDING
    t_in2 = start + datetime.timedelta(minutes=30)
    assert actions.scan_hours(shift, t_in2, start + datetime.timedelta(hours=2)) == Decimal("1.50")


def test_expired_code_and_other_activity_refused(tree):
    activity, shift, volunteer, start = setup_signed(tree)
    old = tokens.make_checkin_token(activity.pk, shift.pk, now=(start - datetime.timedelta(minutes=5)).timestamp())
    with pytest.raises(InvalidInput, match="过期"):
        actions.check_in(volunteer=volunteer, activity=activity, token=old, now=start)
    other = make_activity(activity.team, title="另一项活动")
    with pytest.raises(InvalidInput, match="不属于"):
        actions.check_in(volunteer=volunteer, activity=activity, now=start, token=tokens.make_checkin_token(
            other.pk, other.shifts.get().pk, now=start.timestamp()))
    assert SignUp.objects.get(volunteer=volunteer).checked_in_at is None


def test_double_check_in_refused(tree):
    activity, shift, volunteer, start = setup_signed(tree)
    token = tokens.make_checkin_token(activity.pk, shift.pk, now=start.timestamp())
    actions.check_in(volunteer=volunteer, activity=activity, token=token, now=start)
    with pytest.raises(InvalidTransition, match="重复签到"):
        actions.check_in(volunteer=volunteer, activity=activity, token=token, now=start)


def test_not_signed_up_cannot_check_in(tree):
    activity, shift, _volunteer, start = setup_signed(tree)
    stranger = make_volunteer(tree.community_a2)
    with pytest.raises(InvalidTransition, match="没有报名"):
        actions.check_in(volunteer=stranger, activity=activity, now=start,
                         token=tokens.make_checkin_token(activity.pk, shift.pk, now=start.timestamp()))


def test_geofence(tree):
    activity, shift, volunteer, start = setup_signed(tree, latitude=Decimal("30.274084"),
                                                     longitude=Decimal("120.155070"), geofence_m=200)
    token = tokens.make_checkin_token(activity.pk, shift.pk, now=start.timestamp())
    with pytest.raises(InvalidTransition, match="不在活动地点附近"):
        actions.check_in(volunteer=volunteer, activity=activity, token=token, lat=30.30, lng=120.155, now=start)
    signup = actions.check_in(volunteer=volunteer, activity=activity, token=token, lat=30.2741, lng=120.1551,
                              now=start)
    assert signup.check_in_location.startswith("30.27")


def test_confirm_marks_no_shows_and_updates_total(tree):
    from taizhang.core.testing import make_user

    activity, shift, volunteer, start = setup_signed(tree, capacity=3)
    absent = make_volunteer(tree.community_a1)
    actions.sign_up(volunteer=absent, shift=shift, now=start - datetime.timedelta(days=1))
    actions.check_in(volunteer=volunteer, activity=activity, now=start,
                     token=tokens.make_checkin_token(activity.pk, shift.pk, now=start.timestamp()))
    end = start + datetime.timedelta(hours=2)
    actions.check_out(volunteer=volunteer, activity=activity, now=end,
                      token=tokens.make_checkin_token(activity.pk, shift.pk, now=end.timestamp()))
    organiser = make_user("liaison", tree.street_a)
    with pytest.raises(InvalidTransition):
        actions.confirm_activity_hours(acting_user=organiser, activity=activity, now=end)  # not over yet
    done = actions.confirm_activity_hours(acting_user=organiser, activity=activity,
                                          now=start + datetime.timedelta(hours=4))
    assert len(done) == 1
    volunteer.refresh_from_db()
    assert volunteer.total_hours == Decimal("2.0")
    assert SignUp.objects.get(volunteer=absent).state == SignUp.State.NO_SHOW
    assert SignUp.objects.get(volunteer=volunteer).state == SignUp.State.CONFIRMED


def test_outlier_flags(tree):
    from taizhang.core.testing import make_user

    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    u = make_user("liaison", tree.street_a)
    day = timezone.localdate() - datetime.timedelta(days=1)
    actions.add_manual_hours(acting_user=u, volunteer=v, team=team, day=day, hours=Decimal(8), content="值守")
    r = actions.add_manual_hours(acting_user=u, volunteer=v, team=team, day=day, hours=Decimal(6), content="值守")
    assert any("超过12小时" in f for f in r.flags)
    a = datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC)
    HourRecord.objects.create(volunteer=v, unit=tree.street_a, team=team, day=a.date(), started_at=a,
                              ended_at=a + datetime.timedelta(hours=3), hours=3, source="scan")
    flags = actions.outlier_flags(v, a.date(), Decimal(2), a + datetime.timedelta(hours=1),
                                  a + datetime.timedelta(hours=4))
    assert any("重叠" in f for f in flags)
    actions.MANUAL_APPROVER_LIMIT, old = 2, actions.MANUAL_APPROVER_LIMIT
    try:
        r3 = actions.add_manual_hours(acting_user=u, volunteer=make_volunteer(tree.community_a1), team=team,
                                      day=day, hours=Decimal(1), content="值守")
    finally:
        actions.MANUAL_APPROVER_LIMIT = old
    assert any("手工补录" in f for f in r3.flags)
