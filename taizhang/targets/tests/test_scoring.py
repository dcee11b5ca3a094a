"""Scoring against hand-computed values, and as DB-backed property tests (hypothesis) over random placements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_record
from taizhang.ledger.models import LineOfWork
from taizhang.targets import actions, scoring
from taizhang.targets.tests.factories import PLACEMENT_RULE, D, place, placement_scheme, target

pytestmark = pytest.mark.django_db
MAY = parse_period("2024-05")


def scores(scheme, period=MAY):
    result = scoring.assess(scheme.current, period)
    return {u.unit.code: u for u in result.units}


def test_placement_scores_by_hand(world):
    s = scores(world["scheme"])
    assert s["SA"].score == Decimal("50.00")  # national headline 20×2 (via community SA1) + provincial 10
    assert s["SB"].score == Decimal("22.50")  # provincial 10 + story s1 once at provincial 10 + half of municipal 5
    assert s["BE"].score == Decimal("2.50")
    assert [s[c].rank for c in ("SA", "SB", "BE")] == [1, 2, 3]
    sb = s["SB"].item("placement")
    assert world["sb_story_mun"].pk not in sb.records
    assert world["sb_story_prov"].pk in sb.records
    assert sb.detail["merged"] == [world["sb_story_mun"].pk]
    assert world["draft"].pk not in s["SA"].records  # drafts never count
    assert world["june"].pk not in s["BE"].records  # outside the period


def test_sum_of_items_is_the_score_with_weights_caps_and_manual_items(world):
    tree = world["tree"]
    lectures = LineOfWork.objects.get(key="lectures")
    scheme = placement_scheme(tree.district, key="mixed", extra_items=[
        {"key": "lectures", "name": "宣讲", "kind": "metric", "line": lectures,
         "rule": {"metric": "lecture_events", "points_per": "1.5", "cap": "4"}},
        {"key": "bonus", "name": "加分", "kind": "bonus", "rule": {"max": "5"}},
        {"key": "minus", "name": "减分", "kind": "deduction", "rule": {"max": "3"}},
    ], ranking={"weights": {"news_external": "0.5", "lectures": "2"}})
    actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="bonus", unit=tree.community_a2,
                               date=D(2024, 5, 5), points=4, reason="获表扬", evidence_url="https://example.com/a",
                               approve=True)
    actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="bonus", unit=tree.street_a,
                               date=D(2024, 5, 6), points=3, reason="获表扬", evidence_url="https://example.com/b",
                               approve=True)
    actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="minus", unit=tree.bureau,
                               date=D(2024, 5, 6), points="2.5", reason="迟报", evidence_url="https://example.com/c",
                               approve=True)
    actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="minus", unit=tree.street_b,
                               date=D(2024, 5, 6), points=1, reason="未审核", evidence_url="https://example.com/d")
    s = scores(scheme)
    sa, sb, be = s["SA"], s["SB"], s["BE"]
    assert sa.item("placement").points == Decimal("25.00")  # 50 × 0.5
    assert sa.item("lectures").points == Decimal("3.00")  # 1 × 1.5 × 2
    assert sb.item("lectures").points == Decimal("8.00")  # 3 × 1.5 = 4.5, capped at 4, × 2
    assert sb.item("lectures").detail["capped_from"] == "4.5"
    assert sa.item("bonus").points == Decimal("5.00")  # 4 + 3 capped at 5
    assert be.item("minus").points == Decimal("-2.50")
    assert sb.item("minus").points == 0  # proposed, not approved
    for u in s.values():
        assert sum(i.points for i in u.items) == u.score
        for i in u.items:
            assert i.points >= 0 or i.kind == "deduction"


def test_target_completion_item(world):
    tree = world["tree"]
    t = target(tree.district, value=120)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 60, tree.street_b: 60})
    scheme = placement_scheme(tree.district, key="withtarget", extra_items=[
        {"key": "lt", "name": "宣讲任务", "kind": "target_completion", "rule": {"target": "lectures", "points": "10"}}])
    s = scores(scheme)
    # May plan = 60 × 31/366 ≈ 5.08 场: SB did 3 (59.0%), SA 1 (19.7%); BE has no allocation
    assert s["SB"].item("lt").points == Decimal("5.90")
    assert s["SA"].item("lt").points == Decimal("1.97")
    assert s["BE"].item("lt").points == 0
    assert s["BE"].item("lt").detail["missing"] == "未分解目标"
    assert s["SB"].item("lt").records
    assert s["SB"].item("lt").value == 3


def test_groups_rank_separately(world):
    tree = world["tree"]
    scheme = placement_scheme(tree.district, key="grouped", ranking={"groups": [
        {"key": "streets", "name": "街道", "kinds": ["street"]},
        {"key": "bureaus", "name": "部门", "kinds": ["bureau"]}]})
    s = scores(scheme)
    assert (s["SA"].rank, s["SB"].rank, s["BE"].rank) == (1, 2, 1)
    assert s["BE"].group.name == "部门"


def test_ties_are_explicit(world):
    tree = world["tree"]
    scheme = placement_scheme(tree.district, key="tie", rule={"points": {"national": "10", "provincial": "10",
                                                                          "municipal": "0", "district": "0"},
                                                               "headline_multiplier": "1"})
    s = scores(scheme)  # SA: 10 + 10; SB: 10 + 10
    assert s["SA"].score == s["SB"].score == Decimal(20)
    assert (s["SA"].rank, s["SB"].rank, s["BE"].rank) == (1, 1, 3)
    assert s["SA"].tied
    actions.update_ranking(acting_user=None, scheme=scheme, expected_version=scheme.version,
                           data={"tie_rule": "secondary", "tie_keys": ["placements:national"]})
    scheme.refresh_from_db()
    s = scores(scheme)
    assert (s["SA"].rank, s["SB"].rank) == (1, 2)
    assert not s["SA"].tied
    assert s["SA"].tie_broken_by == "中央媒体用稿数"


# ---- properties over random ledgers ------------------------------------------------------------------------------
LEVELS = ["national", "provincial", "municipal", "district"]
placement_specs = st.lists(st.tuples(
    st.sampled_from(["SA", "SA1", "SB", "SB1", "BE"]), st.sampled_from(LEVELS), st.booleans(),
    st.sampled_from(["", "", "x", "y"]), st.lists(st.tuples(st.sampled_from(["SA", "SB", "BE", "SA2"]),
                                                            st.sampled_from(["1", "0.5", "0.25"])), max_size=3),
), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=placement_specs)
def test_scoring_properties_over_random_placements(taxonomy, tree, specs):
    units = {u.code: u for u in (tree.street_a, tree.street_b, tree.bureau, tree.community_a1, tree.community_a2,
                                 tree.community_b1)}
    with transaction.atomic():
        scheme = placement_scheme(tree.district, key="prop")
        single = placement_scheme(tree.district, key="single", rule={"split_joint": False, "dedupe": "none"})
        rows = []
        for code, level, headline, story, credits in specs:
            merged = dict(credits)
            record = place(units[code], level, headline=headline, story=story,
                           credits=[(units[c], s) for c, s in merged.items()])
            rows.append((record, level, headline, story, merged or {code: "1"}))
        result = {u.unit.code: u for u in scoring.assess(scheme.current, MAY).units}
        for u in result.values():
            assert sum(i.points for i in u.items) == u.score  # the items add up to the score
            assert u.score >= 0  # no deduction items: never negative
        # joint credit sums to the single-credit value; each story counted once, at its highest level
        base = {"national": 20, "provincial": 10, "municipal": 5, "district": 1}
        best: dict[str, tuple[int, int, int]] = {}
        total = Decimal(0)
        for record, level, headline, story, _credits in rows:
            pts = base[level] * (2 if headline else 1)
            if not story:
                total += pts
            elif story not in best or (-LEVELS.index(level), pts, -record.pk) > best[story]:
                best[story] = (-LEVELS.index(level), pts, -record.pk)
        total += sum(Decimal(b[1]) for b in best.values())
        assert sum(u.score for u in result.values()) == total
        # without splitting, every credited peer gets the full points of each of its placements
        flat = {u.unit.code: u.score for u in scoring.assess(single.current, MAY).units}
        peer = {"SA": "SA", "SA1": "SA", "SA2": "SA", "SB": "SB", "SB1": "SB", "BE": "BE"}
        for code in ("SA", "SB", "BE"):
            expected = sum(Decimal(base[level] * (2 if headline else 1)) for _r, level, headline, _s, credits in rows
                           if code in {peer[c] for c in credits})
            assert flat[code] == expected
        transaction.set_rollback(True)


def test_subtree_records_roll_up_and_only_approved_count(world):
    tree = world["tree"]
    make_record(tree.community_a2, "lecture_event", {"lecture_audience": 10}, day=D(2024, 5, 8), status="submitted")
    scheme = actions.create_scheme(acting_user=None, key="lec", name="宣讲考核", subject="理论宣讲工作",
                                   owner=tree.district, items=[{
                                       "key": "l", "name": "宣讲", "kind": "metric",
                                       "rule": {"metric": "lecture_events", "points_per": "2"}}])
    s = scores(scheme)
    assert (s["SA"].score, s["SB"].score, s["BE"].score) == (Decimal(2), Decimal(6), Decimal(0))
    assert len(s["SB"].item("l").records) == 3


def test_rules_are_validated(world):
    from taizhang.core.errors import InvalidInput

    tree = world["tree"]
    with pytest.raises(InvalidInput) as exc:
        placement_scheme(tree.district, key="bad", rule={"points": {"national": "-5"}, "headline_multiplier": "x"})
    assert "rule.points.national" in exc.value.errors
    assert "rule.headline_multiplier" in exc.value.errors
    with pytest.raises(InvalidInput):
        actions.create_scheme(acting_user=None, key="bad2", name="x", subject="x", owner=tree.district,
                              items=[{"key": "m", "name": "m", "kind": "metric", "rule": {"metric": "nope"}}])
    assert PLACEMENT_RULE["points"]["national"] == "20"
