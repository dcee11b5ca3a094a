"""Study figures as computed metrics: the grouped answers (by unit in one pass, by month from one aggregate per
year) equal the figure computed unit by unit and month by month the previous way (`stats.latest_week` +
`stats.totals`), ids included; and a page of them costs a fixed handful of queries."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.core.periods import Period, parse_period
from taizhang.ledger import providers
from taizhang.ledger.figures import compute
from taizhang.org.models import Unit
from taizhang.study.models import StudyGroup, StudyWeek
from taizhang.study.stats import latest_week, totals

pytestmark = pytest.mark.django_db
D = datetime.date
METRICS = {
    "study_learners": "registered",
    "study_registration_rate": "registration_rate",
    "study_active_rate": "active_rate",
    "study_average_points": "average_points",
}


@pytest.fixture
def weeks(taxonomy: Any, tree: Any) -> Any:
    """Groups in two communities, a street, a bureau and the district itself, exported on different weeks: SA's
    every three weeks of 2026, SB's only until June, the bureau's once in the last week of 2025 (it reaches into
    January 2026), the district's own once in March."""
    rng = random.Random(5)
    plan = {
        tree.community_a1: (50, [D(2026, 1, 5) + datetime.timedelta(weeks=3 * i) for i in range(16)]),
        tree.community_a2: (30, [D(2026, 1, 12) + datetime.timedelta(weeks=3 * i) for i in range(15)]),
        tree.street_b: (100, [D(2026, 1, 5) + datetime.timedelta(weeks=i) for i in range(24)]),
        tree.bureau: (40, [D(2025, 12, 29)]),
        tree.district: (20, [D(2026, 3, 2)]),
    }
    for n, (unit, (headcount, mondays)) in enumerate(plan.items()):
        group = StudyGroup.objects.create(name=f"组织{n}", unit=unit, headcount=headcount)
        for monday in mondays:
            registered = rng.randrange(1, headcount + 1)
            StudyWeek.objects.create(
                group=group,
                week_start=monday,
                registered=registered,
                active=rng.randrange(0, registered + 1),
                points=rng.randrange(0, 9000),
            )
    return tree


def reference(attr: str, period: Period, unit_ids: list[int] | None) -> tuple[Decimal, list[int]]:
    """The figure as it was computed before the grouped answers: latest week, then that week's totals."""
    week = latest_week(period.end, unit_ids)
    if week is None or week < period.start - datetime.timedelta(days=6):
        return Decimal(0), []
    result = totals(week, unit_ids)
    return Decimal(getattr(result, attr)), sorted(result.weeks)


def subtree(code: str) -> list[int]:
    unit = Unit.objects.get(code=code)
    return sorted(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


@pytest.mark.parametrize("spec", ["2026", "2026H1", "2025", "2025-12-31..2026-02-10"])
def test_grouped_answers_equal_unit_by_unit_and_month_by_month(weeks: Any, spec: str) -> None:
    period = parse_period(spec)
    d = weeks.district
    own = [d.pk]
    for metric, attr in METRICS.items():
        with providers.memo():
            by_unit = compute(metric, period=period, unit="D", by="unit")
            by_month = compute(metric, period=period, unit="D", by="month")
            street = compute(metric, period=period, unit="SA", by="unit")
        assert (by_unit.value, by_unit.records) == reference(attr, period, None)
        expected = {code: reference(attr, period, subtree(code)) for code in ("SA", "SB", "BE")}
        expected["D"] = reference(attr, period, own)
        rows = {r.key: (r.value, r.records) for r in by_unit.breakdown}
        assert rows == {k: v for k, v in expected.items() if k != "D" or v[1]}, metric
        assert {r.key: (r.value, r.records) for r in street.breakdown} == {
            code: reference(attr, period, subtree(code)) for code in ("SA1", "SA2")
        }
        for row in by_month.breakdown:
            start = max(D(int(row.key[:4]), int(row.key[5:]), 1), period.start)
            month = parse_period(row.key)
            part = Period(start, min(month.end, period.end), "", "range")
            assert (row.value, row.records) == reference(attr, part, None), (metric, row.key)
        # outside a page of figures (no memo) each call stands alone and answers the same
        assert compute(metric, period=period, unit="SB").value == reference(attr, period, subtree("SB"))[0]
    # the data is not trivial: months without a week of their own and streets on different weeks
    learners = compute("study_learners", period=parse_period("2026"), unit="D", by="month")
    assert any(r.value == 0 for r in learners.breakdown) and len({r.value for r in learners.breakdown}) > 3


def test_a_page_of_study_figures_costs_a_fixed_number_of_queries(weeks: Any) -> None:
    """The four figures by month and in total, this year and last: the weeks of both years once, the headcounts
    once; by unit two queries more (the unit tree is read by `compute` itself)."""
    with providers.memo(), CaptureQueriesContext(connection) as ctx:
        for metric in METRICS:
            for spec in ("2026", "2025"):
                compute(metric, period=parse_period(spec), unit=weeks.district, by="month")
    study = [q["sql"] for q in ctx.captured_queries if '"study_study' in q["sql"]]
    assert len(study) == 2, study  # the weeks of 2025–2026, the headcounts (for 12 months × 2 years × 4 metrics)
    by_unit = []
    for _ in range(2):
        with providers.memo(), CaptureQueriesContext(connection) as ctx:
            for metric in METRICS:
                compute(metric, period=parse_period("2026"), unit=weeks.district, by="unit")
        by_unit.append([q["sql"] for q in ctx.captured_queries if '"study_study' in q["sql"]])
        # every group exports the latest week (the usual case): its rows by unit answer for every street
        for group in StudyGroup.objects.all():
            StudyWeek.objects.get_or_create(
                group=group, week_start=D(2026, 11, 16), defaults={"registered": 1, "active": 1, "points": 1}
            )
    # the weeks, the headcounts, the latest week's rows by unit; then for SB, the bureau and the district's own
    # group, which did not export that week: their latest weeks in the period and those weeks' rows
    assert len(by_unit[0]) == 5, by_unit[0]
    assert len(by_unit[1]) == 3, by_unit[1]
