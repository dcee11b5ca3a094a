"""The staff overview `/volunteers/` (views_admin.dashboard): its query count does not depend on the number of child
units (docs/scale.md: "the query count must not depend on the number of units"), it reads the metric definitions
and the viewer's scope once, and the numbers it shows are those of the figures function asked one by one."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.ledger import figures
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.volunteers import actions, certificates, orders
from taizhang.volunteers.models import ServiceOrder, Team, Volunteer
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db

_n = itertools.count(1)
KPIS = ["volunteers_registered", "volunteers_active", "volunteer_teams", "volunteer_activities", "volunteer_hours",
        "certificates_issued", "service_orders", "service_order_satisfaction"]


def _street(district: Unit, approvers: tuple[Any, Any]) -> Unit:
    """A street with a community, a team, two volunteers with confirmed hours on two days (this month and about
    a month ago), an activity, a certificate and a rated service order."""
    n = next(_n)
    street = org_actions.create_unit(acting_user=None, code=f"S{n}", name=f"第{n}街道", kind=Unit.Kind.STREET,
                                     parent=district, sort_order=n, population=1000 * n)
    community = org_actions.create_unit(acting_user=None, code=f"S{n}C", name=f"第{n}社区",
                                        kind=Unit.Kind.COMMUNITY, parent=street)
    team = make_team(street, f"第{n}服务队")
    today = timezone.localdate()
    volunteers = []
    for unit, hours in ((street, Decimal(n)), (community, Decimal("1.5"))):
        v = make_volunteer(unit)
        volunteers.append(v)
        for day in (today, today - datetime.timedelta(days=35)):
            r = actions.add_manual_hours(acting_user=approvers[0], volunteer=v, team=team, day=day, hours=hours,
                                         content="环境整治")
            actions.second_approve(acting_user=approvers[1], record=r)
    make_activity(team, start=timezone.now() - datetime.timedelta(hours=1))
    certificates.issue_certificate(acting_user=approvers[0], volunteer=volunteers[0], issuer=team)
    station = make_team(community, f"第{n}实践站", Team.Kind.STATION)
    order = orders.place_order(acting_user=None, station=station, orderer_kind="resident", orderer_name="赵阿姨",
                               orderer_phone="13800001111", category="repair", title="修理楼道灯")
    ServiceOrder.objects.filter(pk=order.pk).update(state=ServiceOrder.State.RATED, rating=3 + n % 3)
    return street


@pytest.fixture
def district(taxonomy: Any) -> Unit:
    return org_actions.create_unit(acting_user=None, code="D", name="测试区委宣传部", kind=Unit.Kind.DISTRICT)


@pytest.fixture
def approvers(district: Unit) -> tuple[Any, Any]:
    return make_user("liaison", district), make_user("liaison", district)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _queries(c: Client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        r = c.get("/volunteers/")
    assert r.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_query_count_does_not_depend_on_the_number_of_children(district, approvers):
    for _ in range(2):
        _street(district, approvers)
    c = _client(make_user("staff", district))
    c.get("/volunteers/")  # first visit: whatever is read once per process or session
    two = _queries(c)
    for _ in range(3):
        _street(district, approvers)
    five = _queries(c)
    assert len(five) == len(two), "\n".join(five)
    # the repeated identical reads are gone: the metric definitions and the size of the tree are read once
    assert sum('FROM "ledger_metricdefinition"' in q for q in five) == 1
    assert sum(q.startswith('SELECT COUNT(*) AS "__count" FROM "org_unit"') for q in five) <= 1
    assert len(five) <= 30, "\n".join(five)


def test_numbers_are_those_of_compute_asked_one_by_one(district, approvers):
    streets = [_street(district, approvers) for _ in range(3)]
    # hours of the district's own team (本级) and a volunteer in the fourth star level
    v = make_volunteer(streets[0])
    r = actions.add_manual_hours(acting_user=approvers[0], volunteer=v, team=make_team(district),
                                 day=timezone.localdate(), hours=Decimal("2.5"), content="宣讲")
    actions.second_approve(acting_user=approvers[1], record=r)
    Volunteer.objects.filter(pk=v.pk).update(total_hours=Decimal(1000))
    period = parse_period(str(timezone.localdate().year))
    response = _client(make_user("staff", district)).get("/volunteers/")
    assert response.status_code == 200
    ctx = response.context

    for key in KPIS:
        alone = figures.compute(key, period=period, unit=district)
        shown = ctx["kpis"][key]
        assert (shown.value, sorted(shown.records)) == (alone.value, sorted(alone.records)), key

    rows = {row.key: row for row in ctx["by_unit"].breakdown}
    assert set(rows) == {s.code for s in streets} | {district.code}  # the district's own hours: the 本级 row
    for street in streets:
        alone = figures.compute("volunteer_hours", period=period, unit=street)
        assert rows[street.code].value == alone.value and alone.value > 0
        assert rows[street.code].records == sorted(alone.records) and len(alone.records) == 4
    assert rows[district.code].value == Decimal("2.5") and len(rows[district.code].records) == 1
    body = response.content.decode()
    for street in streets:
        ids = ",".join(str(i) for i in rows[street.code].records)
        assert f'<a href="/volunteers/rows/hours/?ids={ids}">4条</a>' in body

    for key, chart, series in (("volunteer_hours", "monthly", 0), ("volunteer_activities", "monthly", 1),
                               ("volunteers_active", "monthly", 2), ("service_orders", "orders", 0),
                               ("service_order_satisfaction", "orders", 1)):
        alone = figures.compute(key, period=period, unit=district, by="month")
        expected = [figures._num(r.value) for r in alone.breakdown]
        assert ctx["charts"][chart]["series"][series]["data"] == expected, key
    assert [r.value for r in ctx["monthly_hours"].breakdown] == [
        r.value for r in figures.compute("volunteer_hours", period=period, unit=district, by="month").breakdown]
    assert sum(r.value for r in ctx["monthly_hours"].breakdown) == ctx["kpis"]["volunteer_hours"].value

    # star levels: the registered volunteers counted per level, as one count per level gives them
    from taizhang.volunteers.models import StarThreshold

    stars = list(StarThreshold.objects.order_by("level"))
    registered = figures.compute("volunteers_registered", period=period, unit=district).records
    expected_stars = []
    for i, s in enumerate(stars):
        qs = Volunteer.objects.filter(pk__in=registered, total_hours__gte=s.hours)
        if i + 1 < len(stars):
            qs = qs.filter(total_hours__lt=stars[i + 1].hours)
        expected_stars.append((s.name, qs.count()))
    assert ctx["star_counts"] == expected_stars and sum(n for _, n in expected_stars) >= 1
