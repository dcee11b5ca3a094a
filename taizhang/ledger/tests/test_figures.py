"""The figures function against hand-computed values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_record, make_user
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.figures import change_ratio, compute
from taizhang.ledger.models import Outlet

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ledger(taxonomy, tree):
    r = {}
    r["a1_may"] = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 120}, day=D(2024, 5, 12))
    r["a2_jun"] = make_record(tree.community_a2, "lecture_event", {"lecture_audience": 80}, day=D(2024, 6, 30))
    r["sa_jul"] = make_record(tree.street_a, "lecture_event", {"lecture_audience": 300}, day=D(2024, 7, 1))
    r["b1_feb"] = make_record(tree.community_b1, "lecture_event", {"lecture_audience": 45}, day=D(2024, 2, 3))
    r["b1_last_year"] = make_record(tree.community_b1, "lecture_event", {"lecture_audience": 100}, day=D(2023, 2, 3))
    r["draft"] = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 999}, status="draft")
    r["submitted"] = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 999}, status="submitted")
    r["returned"] = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 999}, status="returned")
    return r


def test_district_year_counts_only_approved(ledger):
    result = compute("lecture_audience", period=parse_period("2024"))
    assert result.value == 120 + 80 + 300 + 45
    assert result.records == sorted(ledger[k].pk for k in ("a1_may", "a2_jun", "sa_jul", "b1_feb"))
    assert compute("lecture_events", period=parse_period("2024")).value == 4


def test_subtree_scope_and_periods(ledger, tree):
    assert compute("lecture_audience", unit="SA", period=parse_period("2024H1")).value == 200
    assert compute("lecture_audience", unit=tree.street_a, period=parse_period("2024")).value == 500
    assert compute("lecture_audience", unit="SA1", period=parse_period("2024Q2")).value == 120
    assert compute("lecture_audience", period=parse_period("2024-06")).value == 80
    assert compute("lecture_audience", period=parse_period("2024-06-30..2024-07-01")).value == 380
    assert compute("lecture_audience", period=parse_period("2024Q1-Q3")).value == 545


def test_breakdown_by_unit_rolls_up_to_children(ledger, tree):
    result = compute("lecture_audience", period=parse_period("2024"), by="unit")
    rows = {row.key: (row.value, len(row.records)) for row in result.breakdown}
    assert rows["SA"] == (500, 3)
    assert rows["SB"] == (45, 1)
    assert rows["BE"] == (0, 0)
    assert sum(row.value for row in result.breakdown) == result.value


def test_breakdown_by_month(ledger):
    result = compute("lecture_audience", period=parse_period("2024H1"), by="month")
    assert [row.key for row in result.breakdown] == [f"2024-{m:02d}" for m in range(1, 7)]
    assert [row.value for row in result.breakdown] == [0, 45, 0, 0, 120, 80]


def test_year_on_year(ledger):
    period = parse_period("2024Q1")
    now = compute("lecture_audience", period=period, unit="SB").value
    before = compute("lecture_audience", period=period.previous_year(), unit="SB").value
    assert (now, before) == (45, 100)
    assert change_ratio(now, before) == Decimal("-55.0")


def test_user_scope_restricts(ledger, tree):
    viewer = make_user("viewer", tree.street_b)
    assert compute("lecture_audience", period=parse_period("2024"), user=viewer).value == 45
    nobody = make_user()
    assert compute("lecture_audience", period=parse_period("2024"), user=nobody).value == 0


def test_breakdown_by_outlet_level(taxonomy, tree):
    national = Outlet.objects.filter(level="national").first()
    provincial = Outlet.objects.filter(level="provincial").first()
    for outlet, n in ((national, 2), (provincial, 3)):
        for i in range(n):
            make_record(tree.street_a, "placement", {}, placement=PlacementInput(outlet=outlet, article_title=f"稿{i}"))
    result = compute("placements", period=parse_period("2024"), by="level")
    levels = {row.key: row.value for row in result.breakdown}
    assert levels["national"] == 2 and levels["provincial"] == 3 and levels["municipal"] == 0
    assert compute("placements", period=parse_period("2024"), outlet_level="national").value == 2


def test_stock_metrics_take_each_units_highest_value(taxonomy, tree):
    make_record(tree.street_a, "vol_stats", {"vol_registered": 1000, "vol_teams": 5}, day=D(2024, 3, 31))
    make_record(tree.street_a, "vol_stats", {"vol_registered": 1200, "vol_teams": 6}, day=D(2024, 6, 30))
    make_record(tree.street_b, "vol_stats", {"vol_registered": 500, "vol_teams": 2}, day=D(2024, 6, 30))
    result = compute("vol_registered", period=parse_period("2024"))
    assert result.value == 1700
    assert len(result.records) == 2


def test_unknown_metric_or_unit_is_a_chinese_error(taxonomy):
    from taizhang.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="未知指标"):
        compute("nope", period=parse_period("2024"))
    with pytest.raises(InvalidInput, match="未知单位"):
        compute("lecture_events", unit="NOPE", period=parse_period("2024"))
