"""The demo ledger's plan (per-unit-type profiles): district totals in the magnitudes the seeds report, related
figures consistent, no implausible record, varied titles, realistic dates; and a small demo with targets for every
demo year and case handling times of days, not weeks."""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from taizhang.ledger.demo_plan import Planned, Planner, PlanUnit
from taizhang.ledger.demo_profiles import DISTRICT_RANGES, PLACEMENTS, PROFILES, RECORD_MAX

TODAY = datetime.date(2026, 12, 6)
FULL_YEARS = (2024, 2025)
TAXONOMY = Path(__file__).resolve().parents[1] / "defaults" / "taxonomy.json"


def _units() -> list[PlanUnit]:
    from taizhang.org.demo import BUREAUS, STREETS

    units = [PlanUnit(None, "WBL", "district", "万柏林区委宣传部", "全区")]
    for code, name, kind, children in STREETS:
        units.append(PlanUnit(None, code, kind, name, name))
        for i, child in enumerate(children):
            child_kind = "village" if child.endswith("村") else "community"
            units.append(PlanUnit(None, f"{code}{i + 1:02d}", child_kind, child, child))
    units.extend(PlanUnit(None, code, kind, name, name) for code, name, kind in BUREAUS)
    return units


@pytest.fixture(scope="module")
def plan() -> list[Planned]:
    return Planner(_units(), random.Random(2024), TODAY, 2024).plan({})


def _defaults() -> dict[str, dict[str, Decimal]]:
    """Activity type → the figures the taxonomy fills by default (1 场 for an event), as `ledger.demo` does."""
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    return {
        t["key"]: {m["metric"]: Decimal(m["default"]) for m in t["metrics"] if m.get("default") is not None}
        for line in data["lines"]
        for t in line["activity_types"]
    }


def _totals(plan: list[Planned]) -> dict[int, Counter[str]]:
    totals: dict[int, Counter[str]] = defaultdict(Counter)
    defaults = _defaults()
    for record in plan:
        for key, value in {**defaults.get(record.activity, {}), **record.figures}.items():
            totals[record.day.year][key] += value  # type: ignore[assignment]
        if record.level:
            totals[record.day.year][f"placements_{record.level}"] += 1
    return totals


def test_profiles_match_the_shipped_taxonomy() -> None:
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    metrics_of = {
        t["key"]: {m["metric"] for m in t["metrics"]} for line in data["lines"] for t in line["activity_types"]
    }
    for profile in PROFILES:
        assert profile.key in metrics_of, profile.key
        used = set(profile.figures) | set(profile.ratios) | set(profile.stocks)
        assert used <= metrics_of[profile.key], (profile.key, used - metrics_of[profile.key])


def test_district_totals_land_in_the_seed_magnitudes(plan: list[Planned]) -> None:
    totals = _totals(plan)
    for year in FULL_YEARS:
        for key, (lo, hi) in DISTRICT_RANGES.items():
            assert lo <= totals[year][key] <= hi, (year, key, totals[year][key])
        # placements by level: a pyramid (central dozens < provincial hundreds < municipal)
        assert totals[year]["placements_national"] < totals[year]["placements_provincial"]
        assert totals[year]["placements_provincial"] < totals[year]["placements_municipal"]
        # speakers are a minority of those at the study sessions
        assert totals[year]["theory_speeches"] < totals[year]["theory_participants"] / 3


def test_related_figures_are_consistent_in_every_record(plan: list[Planned]) -> None:
    pairs = [
        ("ideology_issues_rectified", "ideology_issues_found"),
        ("civ_issues_closed", "civ_issues_found"),
        ("theory_speeches", "theory_participants"),
        ("corr_adopted", "corr_submitted"),
        ("nm_likes", "nm_reads"),
        ("nm_comments", "nm_likes"),
        ("sa_carriers", "sa_images"),  # at least one picture per hoarding renovated
        ("sa_screens", "sa_images"),
    ]
    for record in plan:
        for small, big in pairs:
            if small in record.figures and big in record.figures:
                assert record.figures[small] <= record.figures[big], (record.title, record.figures)
        for key, value in record.figures.items():
            assert value >= 0, (record.title, key, value)
            if key in RECORD_MAX:
                assert value <= Decimal(str(RECORD_MAX[key])), (record.title, key, value)
        if "ci_investment" in record.figures:  # 亿元 only for the district's own projects
            assert record.unit.kind == "district", record.title


def test_every_record_passes_the_shipped_figure_rules_and_bounds(plan: list[Planned]) -> None:
    """The checks the ledger applies on save (ledger/defaults/rules.json): between figures and by unit kind."""
    path = TAXONOMY.parent / "rules.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    group_of = {kind: group for group, kinds in data["unit_groups"].items() for kind in kinds}
    ops = {"le": lambda a, b: a <= b, "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "gt": lambda a, b: a > b}
    defaults = _defaults()
    checked = 0
    for record in plan:
        figures = {**defaults.get(record.activity, {}), **record.figures}
        for rule in data["rules"]:
            left, right = figures.get(rule["left"]), figures.get(rule["right"])
            if left is not None and right is not None and rule["op"] in ops:
                checked += 1
                assert ops[rule["op"]](left, right), (rule["key"], record.title, figures)
        for bound in data["bounds"]:
            value = figures.get(bound["metric"])
            limit = bound["max"].get(group_of.get(record.unit.kind, ""))
            if value is not None and limit is not None:
                assert value <= limit, (bound["metric"], record.unit.kind, record.title, value)
    assert checked > 1000


def test_no_event_is_in_the_future_and_the_seasons_show(plan: list[Planned]) -> None:
    assert all(r.day <= TODAY for r in plan)
    months = Counter(r.day.month for r in plan if r.day.year == 2025 and r.activity != "placement")
    assert months[2] < months[3] and months[8] < months[9]  # Spring Festival, August
    assert months[12] > months[2] * 1.5


def test_titles_and_descriptions_vary(plan: list[Planned]) -> None:
    titles = [r.title for r in plan]
    assert len(set(titles)) >= 0.8 * len(titles)
    most = Counter(titles).most_common(1)[0][1]
    assert most <= 10, Counter(titles).most_common(3)
    placements = [r.title for r in plan if r.level]
    assert len(set(placements)) >= 0.95 * len(placements)
    assert len({r.description for r in plan}) >= 0.5 * len(plan)


def test_yearly_items_happen_once_a_year(plan: list[Planned]) -> None:
    """One party-press subscription per unit and one district selection of 好人 a year, whatever the growth."""
    per_unit_year = Counter((r.activity, r.unit.code, r.day.year) for r in plan)
    subscriptions = [n for (activity, _u, year), n in per_unit_year.items() if activity == "pp_newspaper"]
    assert subscriptions and set(subscriptions) == {1}
    for year in FULL_YEARS:
        assert per_unit_year[("rm_local_selection", "WBL", year)] == 1
        assert per_unit_year[("ideology_meeting", "WBL", year)] == 4  # quarterly


def test_opinion_response_is_hours_not_weeks(plan: list[Planned]) -> None:
    hours = [r.figures["opinion_response_hours"] for r in plan if "opinion_response_hours" in r.figures]
    assert hours and sum(hours) / len(hours) <= 12
    assert max(hours) <= 24


def test_plan_is_deterministic() -> None:
    units = _units()
    small = [u for u in units if u.kind in ("district", "street")]
    one = Planner(small, random.Random(7), TODAY, 2024).plan({})
    two = Planner(small, random.Random(7), TODAY, 2024).plan({})
    assert [(r.day, r.title, r.figures) for r in one] == [(r.day, r.title, r.figures) for r in two]


def test_every_unit_kind_of_the_demo_has_a_placement_profile() -> None:
    assert {u.kind for u in _units()} <= set(PLACEMENTS)


@pytest.mark.django_db
def test_small_demo_has_targets_for_every_year_and_quick_cases(taxonomy: Any) -> None:
    from django.utils import timezone

    from taizhang.cases import demo as cases_demo
    from taizhang.cases.providers import avg_days
    from taizhang.core.demo import DemoContext
    from taizhang.core.periods import parse_period
    from taizhang.ledger import demo as ledger_demo
    from taizhang.ledger.providers import FigureQuery
    from taizhang.org import demo as org_demo
    from taizhang.targets import demo as targets_demo
    from taizhang.targets.models import Target

    today = timezone.localdate()
    ctx = DemoContext(seed=2024, today=today, rng=random.Random(2024))
    ctx.scale = 0.05  # type: ignore[attr-defined]
    org_demo.build(ctx)
    ledger_demo.build(ctx)
    targets_demo.build(ctx)
    years = set(Target.objects.values_list("year", flat=True))
    assert years == {today.year - 2, today.year - 1, today.year}
    assert all(t.allocations.exists() for t in Target.objects.all())
    cases_demo.build(ctx)
    handled = avg_days(FigureQuery(period=parse_period(str(today.year)), unit_ids=None))
    assert handled.value <= 5  # working days from dispatch to closing
