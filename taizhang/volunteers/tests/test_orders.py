from __future__ import annotations

import pytest

from taizhang.core.errors import InvalidTransition, NotPermitted
from taizhang.core.testing import make_user
from taizhang.volunteers import orders
from taizhang.volunteers.models import ServiceOrder, Team
from taizhang.volunteers.tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_order_dispatch_accept_deliver_rate(tree):
    station = make_team(tree.community_a1, "东一社区新时代文明实践站", Team.Kind.STATION)
    team = make_team(tree.street_a, "东城维修志愿服务队")
    station_staff = make_user("liaison", tree.community_a1)
    team_staff = make_user("liaison", tree.street_a)
    order = orders.place_order(acting_user=station_staff, station=station, orderer_kind="resident",
                               orderer_name="赵阿姨", orderer_phone="13800001111", category="repair",
                               title="修理楼道灯")
    with pytest.raises(InvalidTransition):
        orders.accept_order(acting_user=team_staff, order=order)
    orders.dispatch_order(acting_user=station_staff, order=order, team=team)
    with pytest.raises(NotPermitted):  # the station's staff cannot accept for a team of the street
        orders.accept_order(acting_user=make_user("liaison", tree.community_b1), order=order)
    orders.accept_order(acting_user=team_staff, order=order)
    orders.deliver_order(acting_user=team_staff, order=order, note="更换灯泡两只")
    token = orders.rating_token(order)
    assert orders.order_from_token(token) == order
    assert orders.order_from_token(token + "x") is None
    done = orders.rate_order(acting_user=None, order=order, rating=5, comment="很及时")
    assert done.state == ServiceOrder.State.RATED and done.rating == 5
    with pytest.raises(InvalidTransition):
        orders.rate_order(acting_user=None, order=order, rating=1)


def test_orders_go_to_stations_only(tree):
    from taizhang.core.errors import InvalidInput

    team = make_team(tree.street_a)
    with pytest.raises(InvalidInput):
        orders.place_order(acting_user=None, station=team, orderer_kind="community", orderer_name="东一社区",
                           category="lecture", title="宣讲")
