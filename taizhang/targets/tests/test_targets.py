"""Targets and allocations (validation, split rules, the sum check) and progress through the figures function."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from taizhang.core.errors import InvalidInput, NotPermitted, StaleObjectError
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_record
from taizhang.ledger.figures import compute
from taizhang.ledger.models import MetricDefinition
from taizhang.targets import actions, progress
from taizhang.targets.models import Allocation, Target
from taizhang.targets.tests.factories import D, place, target

pytestmark = pytest.mark.django_db


def test_target_validation(taxonomy, tree, users):
    with pytest.raises(InvalidInput) as exc:
        actions.create_target(acting_user=None, year=2024, key="Bad Key", name="", owner=tree.district,
                              metric=MetricDefinition.objects.get(key="lecture_events"), value="12.5")
    assert set(exc.value.errors) == {"key", "name", "value"}
    with pytest.raises(InvalidInput) as exc:
        target(tree.district, plan_kind="monthly", monthly_plan=["10"] * 12)
    assert "合计应为100%" in exc.value.errors["monthly_plan"][0]
    target(tree.district)
    with pytest.raises(InvalidInput):
        target(tree.district)  # same key, same year
    with pytest.raises(NotPermitted):
        actions.create_target(acting_user=users["liaison_sa"], year=2024, key="x", name="x", owner=tree.district,
                              metric=MetricDefinition.objects.get(key="lecture_events"), value=10)


def test_allocation_sum_is_checked(taxonomy, tree):
    t = target(tree.district, value=100)
    with pytest.raises(InvalidInput, match="少于年度目标"):
        actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                                 values={tree.street_a: 50, tree.street_b: 30})
    with pytest.raises(InvalidInput, match="超过年度目标"):
        actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                                 values={tree.street_a: 80, tree.street_b: 30})
    with pytest.raises(InvalidInput) as exc:
        actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                                 values={tree.street_a: 50, tree.community_a1: 20, tree.street_b: 30})
    assert "会重复计算" in exc.value.errors["unit_SA1"][0]
    with pytest.raises(InvalidInput) as exc:
        actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                                 values={tree.street_a: "50.5", tree.street_b: "49.5"})
    assert "整数" in exc.value.errors["unit_SA"][0]
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 50, tree.street_b: 30, tree.bureau: 20})
    assert sum(a.value for a in Allocation.objects.filter(target=t)) == 100
    with pytest.raises(StaleObjectError):  # someone else saved since version 1 was read
        actions.save_allocations(acting_user=None, target=t, expected_version=1, values={tree.street_a: 100})
    t.refresh_from_db()
    actions.update_target(acting_user=None, target=t, expected_version=t.version, allow_over_allocation=True)
    t.refresh_from_db()
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 60, tree.street_b: 40, tree.bureau: 20})
    assert sum(a.value for a in Allocation.objects.filter(target=t)) == 120


def test_split_rules(taxonomy, tree):
    t = target(tree.district, value=101)
    units = [tree.street_a, tree.street_b, tree.bureau]
    assert actions.split_target(t, units, "equal") == {tree.street_a: 34, tree.street_b: 34, tree.bureau: 33}
    # population 50 000 / 30 000 / 20 000
    assert actions.split_target(t, units, "population") == {tree.street_a: 51, tree.street_b: 30, tree.bureau: 20}
    with pytest.raises(InvalidInput, match="上年"):
        actions.split_target(t, units, "last_year")
    for day in (D(2023, 3, 1), D(2023, 4, 1), D(2023, 5, 1)):
        make_record(tree.community_a1, "lecture_event", {"lecture_audience": 5}, day=day)
    make_record(tree.bureau, "lecture_event", {"lecture_audience": 5}, day=D(2023, 6, 1))
    split = actions.split_target(t, units, "last_year")
    assert split == {tree.street_a: Decimal(76), tree.street_b: Decimal(0), tree.bureau: Decimal(25)}
    assert sum(split.values()) == 101


def test_progress_comes_from_the_figures_function(taxonomy, tree):
    t = target(tree.district, value=100)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 40, tree.street_b: 60})
    records = [make_record(tree.community_a1, "lecture_event", {"lecture_audience": 5}, day=D(2024, 2, d))
               for d in (1, 2, 3, 4)]
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 5}, day=D(2024, 2, 5), status="draft")
    make_record(tree.street_b, "lecture_event", {"lecture_audience": 5}, day=D(2024, 2, 6))
    prog = progress.target_progress(t, as_of=D(2024, 6, 30), visible=None)
    rows = {r.unit.code: r for r in prog.rows}
    assert rows["SA"].actual.value == 4
    assert rows["SA"].actual.records == sorted(r.pk for r in records)
    assert rows["SA"].completion == Decimal("10.0")
    assert rows["SB"].completion == Decimal("1.7")
    assert prog.expected == Decimal("49.7")  # 182 of 366 days
    assert rows["SA"].lagging
    assert rows["SB"].lagging
    assert prog.total is not None
    assert prog.total.actual.value == compute(
        "lecture_events", period=parse_period("2024-01-01..2024-06-30")).value == 5
    assert [r.unit.code for r in prog.lagging] == ["SB", "SA"]


def test_outlet_level_targets_and_monthly_plan(taxonomy, tree):
    t = actions.create_target(
        acting_user=None, year=2024, key="prov", name="省级以上媒体用稿", owner=tree.district,
        metric=MetricDefinition.objects.get(key="placements"), value=10, outlet_levels=["national", "provincial"],
        plan_kind="monthly", monthly_plan=["0", "0", "0", "0", "50", "50", "0", "0", "0", "0", "0", "0"])
    a = place(tree.street_a, "national", day=D(2024, 5, 2))
    b = place(tree.street_a, "provincial", day=D(2024, 5, 3))
    place(tree.street_a, "municipal", day=D(2024, 5, 4))
    act = progress.actual(t, progress.year_period(2024), tree.street_a)
    assert act.value == 2
    assert act.records == [a.pk, b.pk]
    assert progress.expected_percent(t, D(2024, 4, 30)) == 0
    assert progress.expected_percent(t, D(2024, 5, 31)) == 50
    assert progress.expected_percent(t, D(2024, 6, 15)) == 75
    assert progress.plan_fraction(t, D(2024, 5, 1), D(2024, 5, 31)) == Decimal("0.5")


def test_targets_for_scope(taxonomy, tree, users):
    t = target(tree.district, value=10)
    other = target(tree.district, key="other", value=10)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 5, tree.street_b: 5})
    assert {x.key for x in progress.targets_for(users["liaison_sa"], 2024)} == {"lectures"}
    assert {x.key for x in progress.targets_for(users["viewer"], 2024)} == {"lectures", "other"}
    assert other.pk
    assert progress.year_period(2024, datetime.date(2024, 3, 1)).spec == "2024-01-01..2024-03-01"
    assert Target.objects.count() == 2
