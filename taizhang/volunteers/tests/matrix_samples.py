"""Sample objects of the 志愿服务 URLs for the permission matrix (core/testing_matrix.py): a volunteer, a team and a
practice station of street A, an activity with a sign-up waiting for approval, manual hours (one confirmed by a
second person, one disputed), a certificate and a service order."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.volunteers import actions, certificates, orders
    from taizhang.volunteers.models import Team

    from .factories import make_activity, make_team, make_volunteer

    sa = world.tree.street_a
    volunteer = make_volunteer(sa)
    team = make_team(sa, "矩阵志愿服务队")
    station = make_team(sa, "矩阵文明实践站", kind=Team.Kind.STATION)
    activity = make_activity(team, auto_approve=False, title="矩阵活动")
    signup = actions.sign_up(volunteer=volunteer, shift=activity.shifts.get())
    day = timezone.localdate() - datetime.timedelta(days=3)
    hours = actions.add_manual_hours(acting_user=None, volunteer=volunteer, team=team, day=day,
                                     hours=Decimal("2"), content="环境清洁")
    actions.second_approve(acting_user=world.users["in:liaison@SA"], record=hours)
    pending = actions.add_manual_hours(acting_user=None, volunteer=volunteer, team=team, day=day,
                                       hours=Decimal("1"), content="文明劝导")
    dispute = actions.open_dispute(volunteer=volunteer, record=hours, reason="少记了一小时")
    cert = certificates.issue_certificate(acting_user=None, volunteer=volunteer, issuer=team)
    order = orders.place_order(acting_user=None, station=station, orderer_kind="resident", orderer_name="矩阵居民",
                               category=_category(), title="上门理发")
    person, act = {"pk": volunteer.pk}, {"pk": activity.pk}
    return {
        "volunteers:volunteer_detail": Sample(person, sa),
        "volunteers:volunteer_reveal": Sample(person, sa),
        "volunteers:activity_detail": Sample(act, sa),
        "volunteers:activity_qr": Sample(act, sa),
        "volunteers:activity_qr_frame": Sample(act, sa),
        "volunteers:activity_confirm": Sample(act, sa),
        "volunteers:activity_manual": Sample(act, sa),
        "volunteers:signup_approve": Sample({"pk": signup.pk}, sa),
        "volunteers:signup_reject": Sample({"pk": signup.pk}, sa),
        "volunteers:hours_second_approve": Sample({"pk": pending.pk}, sa),
        "volunteers:hours_reject": Sample({"pk": pending.pk}, sa),
        "volunteers:dispute_resolve": Sample({"pk": dispute.pk}, sa),
        "volunteers:certificate_revoke": Sample({"pk": cert.pk}, sa),
        "volunteers:certificate_download": Sample({"pk": cert.pk}, sa),
        "volunteers:order_step": Sample({"pk": order.pk, "step": "cancel"}, sa),
        "volunteer-detail": Sample(person, sa),
        "volunteer-team-detail": Sample({"pk": team.pk}, sa),
        "volunteer-activity-detail": Sample(act, sa),
        "volunteer-hours-detail": Sample({"pk": hours.pk}, sa),
        "volunteer-certificate-detail": Sample({"pk": cert.pk}, sa),
        "volunteer-order-detail": Sample({"pk": order.pk}, sa),
    }


def _category() -> str:
    from taizhang.volunteers.models import ServiceOrder

    return str(ServiceOrder.Category.values[0])
