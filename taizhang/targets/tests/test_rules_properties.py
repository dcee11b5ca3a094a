"""Property tests of the pure scoring pieces: placement points, credit splits, story dedupe, ranking, allocation."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.targets import ranking
from taizhang.targets.allocation import check_sum, split
from taizhang.targets.scoring import PlacementRow, credit_split, dedupe_stories, placement_points
from taizhang.targets.tests.factories import PLACEMENT_RULE

LEVELS = ["national", "provincial", "municipal", "district"]
money = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
factor = st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False)


def rule_strategy() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "points": st.fixed_dictionaries({level: money.map(str) for level in LEVELS}),
        "headline_multiplier": factor.map(str), "front_page_multiplier": factor.map(str),
        "long_multiplier": factor.map(str), "multiplier_mode": st.sampled_from(["max", "product"]),
        "dedupe": st.just("story_key_highest_level"), "split_joint": st.just(True),
    })


rows = st.builds(
    PlacementRow, record_id=st.integers(1, 10_000), level=st.sampled_from(LEVELS), is_headline=st.booleans(),
    is_front_page=st.booleans(), is_long=st.booleans(), story_key=st.sampled_from(["", "a", "b"]),
    credits=st.just([]),
)


@settings(deadline=None)
@given(rule_strategy(), rows)
def test_placement_points_are_never_negative(rule, row):
    assert placement_points(rule, row) >= 0


@settings(deadline=None)
@given(money, st.lists(st.tuples(st.integers(1, 50), st.decimals(min_value=Decimal("0.01"), max_value=10, places=2)),
                       min_size=1, max_size=6))
def test_joint_credit_sums_to_the_single_credit_value(points, credits):
    parts = credit_split({"split_joint": True}, points, credits)
    assert sum(parts.values(), Decimal(0)) == points
    assert all(p >= 0 for p in parts.values())
    assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())


@settings(deadline=None)
@given(money, st.lists(st.integers(1, 50), min_size=1, max_size=5, unique=True))
def test_without_split_each_credited_unit_gets_full_points(points, units):
    parts = credit_split({"split_joint": False}, points, [(u, Decimal(1)) for u in units])
    assert set(parts.values()) == {points}


@settings(deadline=None)
@given(st.permutations(LEVELS), st.booleans())
def test_a_story_placed_at_several_levels_counts_once_at_the_highest(levels, headline):
    rule = dict(PLACEMENT_RULE)
    story = [PlacementRow(i + 1, level, headline and i == 0, False, False, "s", []) for i, level in enumerate(levels)]
    kept, dropped = dedupe_stories(rule, story)
    assert [r.level for r in kept] == ["national"]
    assert set(dropped) == {r.record_id for r in story} - {kept[0].record_id}


def test_dedupe_prefers_level_over_multiplied_points():
    rule = dict(PLACEMENT_RULE)  # provincial headline = 20 = national plain: the national one counts
    a = PlacementRow(1, "provincial", True, False, False, "s", [])
    b = PlacementRow(2, "national", False, False, False, "s", [])
    kept, _ = dedupe_stories(rule, [a, b])
    assert [r.record_id for r in kept] == [2]
    assert dedupe_stories({**rule, "dedupe": "none"}, [a, b])[0] == [a, b]


def test_multiplier_modes():
    row = PlacementRow(1, "provincial", True, True, False, "", [])
    assert placement_points(PLACEMENT_RULE, row) == Decimal("20.00")  # max(2, 1.5) × 10
    assert placement_points({**PLACEMENT_RULE, "multiplier_mode": "product"}, row) == Decimal("30.00")


scores = st.lists(st.integers(0, 6).map(Decimal), min_size=1, max_size=12)


@settings(deadline=None)
@given(scores)
def test_competition_ranking(values):
    ranked = ranking.rank([ranking.Entry(i, v) for i, v in enumerate(values)], "competition")
    for r in ranked:
        assert r.rank == 1 + sum(1 for v in values if v > r.score)
        assert r.tied == (values.count(r.score) > 1)
    assert [r.position for r in ranked] == list(range(1, len(values) + 1))


@settings(deadline=None)
@given(scores)
def test_dense_ranking(values):
    ranked = ranking.rank([ranking.Entry(i, v) for i, v in enumerate(values)], "dense")
    for r in ranked:
        assert r.rank == 1 + len({v for v in values if v > r.score})


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3).map(Decimal), st.integers(0, 3).map(Decimal)), min_size=1, max_size=10))
def test_secondary_key_breaks_ties_and_records_it(pairs):
    entries = [ranking.Entry(i, s, (t,)) for i, (s, t) in enumerate(pairs)]
    ranked = ranking.rank(entries, "secondary", ["placements:national"])
    for r in ranked:
        s, t = pairs[r.key]
        assert r.rank == 1 + sum(1 for s2, t2 in pairs if (s2, t2) > (s, t))
        assert r.tied == (pairs.count((s, t)) > 1)
        same_score_other_key = any(s2 == s and t2 != t for s2, t2 in pairs)
        assert (r.tie_broken_by == "placements:national") == same_score_other_key


def test_ties_examples():
    entries = [ranking.Entry("a", Decimal(90)), ranking.Entry("b", Decimal(80)), ranking.Entry("c", Decimal(80)),
               ranking.Entry("d", Decimal(70))]
    assert [r.rank for r in ranking.rank(entries)] == [1, 2, 2, 4]
    assert [r.rank for r in ranking.rank(entries, "dense")] == [1, 2, 2, 3]
    broken = ranking.rank([ranking.Entry("b", Decimal(80), (Decimal(1),)), ranking.Entry("c", Decimal(80),
                                                                                        (Decimal(3),))],
                          "secondary", ["placements:national"])
    assert [(r.key, r.rank, r.tied, r.tie_broken_by) for r in broken] == [
        ("c", 1, False, "placements:national"), ("b", 2, False, "placements:national")]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000).map(Decimal), st.lists(st.integers(0, 1000).map(Decimal), min_size=1, max_size=30),
       st.sampled_from([Decimal(1), Decimal("0.01")]))
def test_allocation_split_adds_up_exactly(total, weights, step):
    parts = split(total, list(enumerate(weights)), step)
    assert sum(parts.values(), Decimal(0)) == total
    weight_sum = sum(weights) or len(weights)
    for i, w in enumerate(weights):
        exact = total * (w if sum(weights) else 1) / weight_sum
        assert abs(parts[i] - exact) < step + Decimal("0.0000001")
    assert check_sum(total, list(parts.values()), allow_over=False) is None


def test_check_sum_messages():
    assert "少于" in check_sum(Decimal(100), [Decimal(60), Decimal(30)], allow_over=False)
    assert "超过" in check_sum(Decimal(100), [Decimal(60), Decimal(50)], allow_over=False)
    assert check_sum(Decimal(100), [Decimal(60), Decimal(50)], allow_over=True) is None
