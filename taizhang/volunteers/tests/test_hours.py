from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.testing import make_user
from taizhang.volunteers import actions
from taizhang.volunteers.models import Dispute, HourRecord, StarThreshold, star_for
from taizhang.volunteers.tests.factories import make_team, make_volunteer

pytestmark = pytest.mark.django_db


def test_manual_hours_need_a_different_second_approver(tree):
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    first, second = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    day = timezone.localdate() - datetime.timedelta(days=2)
    record = actions.add_manual_hours(acting_user=first, volunteer=v, team=team, day=day, hours=Decimal("2.5"),
                                      content="为独居老人代购")
    assert record.status == HourRecord.Status.PENDING and record.source == HourRecord.Source.MANUAL
    with pytest.raises(NotPermitted):
        actions.second_approve(acting_user=first, record=record)
    outsider = make_user("liaison", tree.street_b)
    with pytest.raises(NotPermitted):
        actions.second_approve(acting_user=outsider, record=record)
    record = actions.second_approve(acting_user=second, record=record)
    assert record.status == HourRecord.Status.CONFIRMED
    assert record.source == HourRecord.Source.MANUAL  # stays marked manual
    assert (record.approver, record.second_approver) == (first, second)
    v.refresh_from_db()
    assert v.total_hours == Decimal("2.5")


def test_manual_hours_validated(tree):
    team = make_team(tree.street_a)
    u = make_user("liaison", tree.street_a)
    with pytest.raises(InvalidInput) as exc:
        actions.add_manual_hours(acting_user=u, volunteer=make_volunteer(tree.community_a1), team=team,
                                 day=timezone.localdate() + datetime.timedelta(days=1), hours=Decimal(13),
                                 content="")
    assert set(exc.value.errors) == {"hours", "day", "content"}


def test_star_thresholds_are_data():
    assert list(StarThreshold.objects.values_list("hours", flat=True)) == [100, 300, 600, 1000, 1500]
    assert star_for(Decimal("99.9")) == 0
    assert star_for(Decimal(100)) == 1
    assert star_for(Decimal(599)) == 2
    assert star_for(Decimal(1500)) == 5
    StarThreshold.objects.filter(level=1).update(hours=50)
    assert star_for(Decimal(60)) == 1


def test_dispute_upheld_corrects_hours(tree):
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(acting_user=a, volunteer=v, team=team, day=timezone.localdate(),
                                 hours=Decimal(1), content="宣讲")
    actions.second_approve(acting_user=b, record=r)
    d = actions.open_dispute(volunteer=v, record=r, reason="实际服务了3小时", claimed_hours=Decimal(3))
    other = make_volunteer(tree.community_a1)
    with pytest.raises(NotPermitted):
        actions.open_dispute(volunteer=other, record=r, reason="x")
    actions.resolve_dispute(acting_user=a, dispute=d, uphold=True, resolution="核实签到表后更正")
    r.refresh_from_db()
    v.refresh_from_db()
    assert r.hours == Decimal(3) and v.total_hours == Decimal("3.0")
    assert Dispute.objects.get().state == Dispute.State.UPHELD


def test_registration_validation_and_duplicates(tree):
    from taizhang.volunteers.tests.factories import resident_id

    v = make_volunteer(tree.community_a1)
    with pytest.raises(InvalidInput) as exc:
        actions.register_volunteer(acting_user=None, unit=tree.community_a1, real_name="王五", id_type="resident",
                                   id_number=v.id_number, phone="13700000001")
    assert "id_number" in exc.value.errors
    bad = resident_id(datetime.date(1990, 1, 1), 5)[:-1] + "0"
    with pytest.raises(InvalidInput) as exc:
        actions.register_volunteer(acting_user=None, unit=tree.community_a1, real_name="王五", id_type="resident",
                                   id_number=bad if bad != resident_id(datetime.date(1990, 1, 1), 5) else "1",
                                   phone="123")
    assert {"id_number", "phone"} <= set(exc.value.errors)


def test_minor_needs_guardian_consent(tree):
    from taizhang.volunteers.tests.factories import resident_id

    birth = timezone.localdate().replace(year=timezone.localdate().year - 14, day=1)
    data = {"real_name": "小明", "id_type": "resident", "id_number": resident_id(birth, 77), "phone": "13600000077"}
    with pytest.raises(InvalidInput) as exc:
        actions.register_volunteer(acting_user=None, unit=tree.community_a1, **data)
    assert {"guardian_name", "guardian_phone", "guardian_consent"} <= set(exc.value.errors)
    v = actions.register_volunteer(acting_user=None, unit=tree.community_a1, guardian_name="王芳",
                                   guardian_phone="13600000078", guardian_consent=True, **data)
    assert v.is_minor() and v.guardian_consent


def test_workbench_panel_counts_what_waits_for_this_user(tree):
    from taizhang.volunteers.workbench import pending_context

    team = make_team(tree.street_a)
    first, second = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    actions.add_manual_hours(acting_user=first, volunteer=make_volunteer(tree.community_a1), team=team,
                             day=timezone.localdate(), hours=Decimal(1), content="补录")
    assert pending_context(first) is None  # their own entry waits for someone else
    assert pending_context(second) == {"manual": 1, "disputes": 0}
    assert pending_context(make_user("liaison", tree.street_b)) is None
