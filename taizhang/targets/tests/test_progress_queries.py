"""/targets/progress/ at scale (docs/scale.md): the page's query count does not depend on the number of units or
targets shown, and every number (and the record ids behind it, read when a drill-down opens) is still what
`compute()` gives for each target, unit and filter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from taizhang.core.testing import make_record
from taizhang.ledger.figures import compute
from taizhang.ledger.models import ActivityType, MetricDefinition
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.targets import actions, progress
from taizhang.targets.models import Target
from taizhang.targets.tests.factories import D, place, target

pytestmark = [pytest.mark.django_db, pytest.mark.urls("taizhang.targets.tests.urls")]
URL = reverse("targets:progress") + "?year=2024&as_of=2024-06-15"  # whole months Jan–May and an edge June 1–15


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _queries(client: Client, url: str = URL) -> int:
    assert client.get(url).status_code == 200  # warm: sessions, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _more_units(tree: Any) -> tuple[Unit, Unit]:
    sc = org_actions.create_unit(acting_user=None, code="SC", name="南城街道", kind=Unit.Kind.STREET,
                                 parent=tree.district, sort_order=4, population=10000)
    c1 = org_actions.create_unit(acting_user=None, code="SC1", name="南一社区", kind=Unit.Kind.COMMUNITY, parent=sc)
    return sc, c1


def _allocate(t: Target, values: dict[Unit, Any]) -> None:
    t.refresh_from_db()
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version, values=values)


def _ledger(tree: Any, sc: Unit, c1: Unit) -> None:
    """Lectures, placements and new-media stats in whole months and in the partial month at the edge."""
    for unit, day in ((tree.community_a1, D(2024, 3, 4)), (tree.community_a2, D(2024, 6, 2)), (c1, D(2024, 5, 30)),
                      (tree.street_b, D(2024, 6, 14)), (tree.bureau, D(2024, 1, 9)), (sc, D(2024, 6, 20))):
        make_record(unit, "lecture_event", {"lecture_audience": 40}, day=day)
    place(tree.community_a1, "national", day=D(2024, 2, 3))
    place(tree.street_b, "provincial", day=D(2024, 6, 10))
    place(tree.street_b, "municipal", day=D(2024, 4, 10))
    place(c1, "provincial", day=D(2024, 5, 10))
    for unit, day, followers in ((tree.street_a, D(2024, 2, 1), 500), (tree.community_a1, D(2024, 6, 3), 800),
                                 (tree.street_b, D(2024, 3, 1), 300), (tree.street_b, D(2024, 6, 1), 350)):
        make_record(unit, "nm_monthly_stats", {"nm_posts": 3, "nm_reads": 100, "nm_followers": followers}, day=day)


@pytest.fixture
def more(taxonomy: Any, tree: Any) -> tuple[Unit, Unit]:
    sc, c1 = _more_units(tree)
    _ledger(tree, sc, c1)
    return sc, c1


def test_queries_do_not_depend_on_the_number_of_units(tree, users, more):
    _sc, c1 = more
    staff = _client(users["staff"])
    t = target(tree.district, value=20)
    _allocate(t, {tree.street_a: 10, tree.street_b: 10})
    two = _queries(staff)
    # five units, under three different parents (street, community)
    _allocate(t, {tree.community_a1: 4, tree.community_a2: 4, tree.street_b: 4, tree.bureau: 4, c1: 4})
    five = _queries(staff)
    assert five == two


def test_queries_do_not_depend_on_the_number_of_targets(tree, users, more):
    """One target of each kind of read (a plain one; one limited to an activity type, which the monthly summary
    cannot answer) against six: more metrics, outlet levels, a maximum metric, another owner."""
    sc, c1 = more
    staff = _client(users["staff"])
    lectures = target(tree.district, value=20)
    _allocate(lectures, {tree.street_a: 10, tree.street_b: 10})
    audience = target(tree.district, key="aud", metric="lecture_audience", value=500,
                      activity_type=ActivityType.objects.get(key="lecture_event"))
    _allocate(audience, {tree.community_a1: 100, tree.community_a2: 100, tree.bureau: 300})
    two = _queries(staff)
    placements = target(tree.district, key="prov", metric="placements", value=10,
                        outlet_levels=["national", "provincial"])
    _allocate(placements, {tree.street_a: 4, tree.street_b: 3, c1: 3})
    followers = target(tree.district, key="fans", metric="nm_followers", value=2000)
    _allocate(followers, {tree.street_a: 1000, tree.street_b: 1000})
    street = target(tree.street_a, key="sa_lectures", value=6)
    _allocate(street, {tree.community_a1: 3, tree.community_a2: 3})
    typed = target(tree.district, key="typed", metric="placements", value=6, outlet_levels=["municipal"],
                   activity_type=ActivityType.objects.get(key="placement"))
    _allocate(typed, {tree.street_b: 3, sc: 3})
    six = _queries(staff)
    assert six == two


def _expected(t: Target, period: Any, unit: Unit) -> tuple[Decimal, list[int]]:
    """What compute() gives for the target, unit (with its subtree) and period: one call per outlet level."""
    value, ids = Decimal(0), []
    atype = t.activity_type.key if t.activity_type is not None else None
    for level in list(t.outlet_levels or []) or [None]:
        got = compute(MetricDefinition.objects.get(pk=t.metric_id), period=period, unit=unit, outlet_level=level,
                      activity_type=atype)
        value += got.value
        ids += got.records
    return value, sorted(ids)


@pytest.mark.parametrize("as_of", ["2024-06-15", "2024-12-31", "2024-05-31"])
def test_numbers_and_records_are_those_of_compute(tree, users, more, as_of):
    sc, c1 = more
    targets = [target(tree.district, value=20),
               target(tree.district, key="prov", metric="placements", value=10,
                      outlet_levels=["national", "provincial"]),
               target(tree.district, key="aud", metric="lecture_audience", value=500,
                      activity_type=ActivityType.objects.get(key="lecture_event")),
               target(tree.district, key="fans", metric="nm_followers", value=2000),
               target(tree.street_a, key="sa_lectures", value=6),
               target(tree.district, key="none", metric="placements", value=5),
               target(tree.district, key="typed", metric="placements", value=6, outlet_levels=["municipal"],
                      activity_type=ActivityType.objects.get(key="placement"))]
    _allocate(targets[0], {tree.street_a: 5, tree.street_b: 5, tree.bureau: 5, sc: 5})
    _allocate(targets[1], {tree.community_a1: 4, tree.street_b: 3, c1: 3})
    _allocate(targets[2], {tree.community_a1: 100, tree.community_a2: 100, tree.bureau: 300})
    _allocate(targets[3], {tree.street_a: 1000, tree.street_b: 1000})
    _allocate(targets[4], {tree.community_a1: 3, tree.community_a2: 3})
    _allocate(targets[6], {tree.street_b: 3, sc: 3})
    response = _client(users["staff"]).get(f"{reverse('targets:progress')}?year=2024&as_of={as_of}")
    assert response.status_code == 200
    html = response.content.decode()
    cards = {c["target"].pk: c for c in response.context["cards"]}
    assert set(cards) == {t.pk for t in targets}
    period = progress.year_period(2024, D.fromisoformat(as_of))
    seen_values = 0
    for t in targets:
        card = cards[t.pk]
        prog = card["prog"]
        total_value, total_ids = _expected(t, period, t.owner)
        assert prog.total.actual.value == total_value
        assert prog.total.actual.count == len(total_ids)
        assert prog.total.actual.records == total_ids
        assert (card["total_url"] is None) == (not total_ids)
        for entry in card["rows"]:
            row = entry["row"]
            value, ids = _expected(t, period, row.unit)
            assert row.actual.value == value, (t.key, row.unit.code)
            assert row.completion == progress.percent(value, row.target_value)
            assert row.actual.count == len(ids)
            assert (entry["url"] is None) == (not ids)
            if entry["url"]:
                assert escape(entry["url"]) in html
                # the link opens exactly the records behind the figure
                opened = _client(users["staff"]).get(entry["url"])
                assert opened.status_code == 302
                assert sorted(int(x) for x in opened["Location"].split("ids=")[1].split(",")) == ids
            assert row.actual.records == ids
            seen_values += bool(value)
    assert seen_values >= 8


def test_a_units_page_does_not_depend_on_the_number_of_targets(tree, users, more):
    """A street sees its own allocation of each target, with its cumulative chart by month."""
    sc, c1 = more
    liaison = _client(users["liaison_sa"])
    lectures = target(tree.district, value=20)
    _allocate(lectures, {tree.street_a: 10, tree.street_b: 10})
    audience = target(tree.district, key="aud", metric="lecture_audience", value=500,
                      activity_type=ActivityType.objects.get(key="lecture_event"))
    _allocate(audience, {tree.street_a: 200, tree.bureau: 300})
    two = _queries(liaison)
    assert "累计完成与计划进度" in liaison.get(URL).content.decode()
    placements = target(tree.district, key="prov", metric="placements", value=10,
                        outlet_levels=["national", "provincial"])
    _allocate(placements, {tree.street_a: 4, tree.street_b: 3, c1: 3})
    followers = target(tree.district, key="fans", metric="nm_followers", value=2000)
    _allocate(followers, {tree.street_a: 1000, tree.street_b: 1000})
    typed = target(tree.district, key="typed", metric="placements", value=6, outlet_levels=["municipal"],
                   activity_type=ActivityType.objects.get(key="placement"))
    _allocate(typed, {tree.street_a: 3, sc: 3})
    five = _queries(liaison)
    assert five == two


def test_cumulative_months_are_those_of_compute(tree, more):
    sc, c1 = more
    targets = [target(tree.district, value=20),
               target(tree.district, key="prov", metric="placements", value=10,
                      outlet_levels=["national", "provincial"]),
               target(tree.district, key="aud", metric="lecture_audience", value=500,
                      activity_type=ActivityType.objects.get(key="lecture_event")),
               target(tree.district, key="fans", metric="nm_followers", value=2000),
               target(tree.district, key="typed", metric="placements", value=6, outlet_levels=["municipal"],
                      activity_type=ActivityType.objects.get(key="placement"))]
    wanted = [(t, u, Decimal(7)) for t in targets for u in (tree.district, tree.street_a, tree.street_b,
                                                             tree.community_a1, sc, c1)]
    as_of = D(2024, 6, 15)
    got = progress.cumulative_many(wanted, as_of)
    period = progress.year_period(2024)
    nonzero = 0
    for (t, unit, value), (labels, actual, plan) in zip(wanted, got, strict=True):
        months: dict[str, Decimal] = {}
        atype = t.activity_type.key if t.activity_type is not None else None
        for level in list(t.outlet_levels or []) or [None]:
            result = compute(MetricDefinition.objects.get(pk=t.metric_id), period=period, unit=unit, by="month",
                             outlet_level=level, activity_type=atype)
            for row in result.breakdown:
                months[row.key] = months.get(row.key, Decimal(0)) + row.value
        running, expected = Decimal(0), []
        for m in range(1, 13):
            running += months.get(f"2024-{m:02d}", Decimal(0))
            expected.append(running if m <= 6 else None)
        assert actual == expected, (t.key, unit.code)
        assert labels == [f"{m}月" for m in range(1, 13)]
        assert plan == progress.cumulative(t, unit, value, as_of)[2]
        nonzero += bool(running)
    assert nonzero >= 15
