"""The dashboard's batched figures equal the figures computed one by one: every tile and card of every line
(grouped queries of the ledger, providers' grouped answers, the study platform's figures by unit and by month from
one aggregate) against `compute()` called for each unit and each month on its own, values, counts and ids. So
batching cannot change a number."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.periods import Period, parse_period
from taizhang.core.testing import make_user
from taizhang.ledger import dashboard, providers
from taizhang.ledger.dashboard_batch import kpi_figures, line_cards, provided_by_unit
from taizhang.ledger.figures import SubTrees, compute
from taizhang.ledger.tests.test_dashboard import ledger  # noqa: F401  (the fixture)
from taizhang.org.models import Unit
from taizhang.study.models import StudyGroup, StudyWeek

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def study(tree: Any) -> None:
    """Study groups in a community, a street and the bureau, exporting on different weeks of 2023 and 2024 (the
    street's group stops in June, so by street and by month the latest weeks differ)."""
    rng = random.Random(3)
    plan = {tree.community_a1: (60, 2), tree.street_b: (100, 1), tree.bureau: (40, 5)}
    for n, (unit, (headcount, every)) in enumerate(plan.items()):
        group = StudyGroup.objects.create(name=f"学习组织{n}", unit=unit, headcount=headcount)
        monday = D(2023, 1, 2) + datetime.timedelta(weeks=n)
        while monday <= D(2024, 12, 30):
            if not (unit == tree.street_b and monday > D(2024, 6, 30)):
                registered = rng.randrange(1, headcount + 1)
                StudyWeek.objects.create(
                    group=group,
                    week_start=monday,
                    registered=registered,
                    active=rng.randrange(0, registered + 1),
                    points=rng.randrange(0, 5000),
                )
            monday += datetime.timedelta(weeks=every)


def _one(metric: Any, period: Period, unit: str, user: Any) -> tuple[Decimal, int]:
    got = compute(metric, period=period, unit=unit, user=user)
    return got.value, got.count


def test_tiles_and_cards_equal_figures_computed_one_by_one(ledger: Any, study: Any, tree: Any) -> None:  # noqa: F811
    user = make_user("viewer", tree.district)
    scope = dashboard.make_scope(tree.district, parse_period("2024"), user=user, today=D(2025, 1, 10))
    infos = dashboard.lines_with_metrics()
    with providers.memo():  # as the views run them
        cards = line_cards(scope, infos)
        tiles = kpi_figures(scope, infos)
    code_of = {u.label: u.code for u in Unit.objects.filter(parent=tree.district)}
    checked = 0
    for tile in tiles:
        m = tile.metric
        assert (tile.value, tile.count) == _one(m, scope.period, "D", user), m.key
        assert (tile.previous_value, tile.previous.count) == _one(m, scope.compare, "D", user), m.key
    for card in cards:
        head = card.info.headline
        for fig in card.figures:
            assert (fig.value, fig.count) == _one(fig.metric, scope.period, "D", user), fig.metric.key
            assert (fig.previous_value, fig.previous.count) == _one(fig.metric, scope.compare, "D", user)
        by_unit, by_month = card.charts[0].option, card.charts[1].option
        if by_unit is not None:
            for label, now, before in zip(
                by_unit["xAxis"]["data"], by_unit["series"][0]["data"], by_unit["series"][1]["data"], strict=True
            ):
                code = code_of[label]  # no 本级 row in this data: every bar is a child unit
                for point, period in ((now, scope.period), (before, scope.compare)):
                    value, count = _one(head, period, code, user)
                    assert (point["value"], point["records"]) == (dashboard._num(value), count), (head.key, code)
                    checked += 1
        assert by_month is not None
        months = [f"{y}-{mo:02d}" for y, mo in scope.period.months()]
        for key, point in zip(months, by_month["series"][0]["data"], strict=True):
            value, count = _one(head, dashboard.month_period(key, scope.period), "D", user)
            assert (point["value"], point["records"]) == (dashboard._num(value), count), (head.key, key)
            checked += 1
    study_card = next(c for c in cards if c.info.line.key == "study_platform")
    assert study_card.info.headline.key == "study_learners" and study_card.figures[0].value > 0
    assert checked > 200


@pytest.mark.parametrize(
    "metric",
    [
        "study_learners",
        "study_registration_rate",
        "study_active_rate",
        "study_average_points",
        "case_closure_rate",
        "volunteer_hours",
    ],
)
def test_provided_by_unit_lists_the_same_ids_as_each_unit_alone(
    ledger: Any,  # noqa: F811
    study: Any,
    tree: Any,
    metric: str,
) -> None:
    """Provenance: each street's bar of a computed metric opens the same rows as the street's figure alone."""
    user = make_user("viewer", tree.district)
    for spec in ("2024", "2024-08", "2023H2"):
        scope = dashboard.make_scope(tree.district, parse_period(spec), user=user, today=D(2025, 1, 10))
        m = compute(metric, period=scope.period).metric
        with providers.memo():
            whole = scope.figure(m)
            result = provided_by_unit(scope, m, scope.period, whole, SubTrees.of(tree.district))
        assert (result.value, result.records) == (whole.value, compute(m, period=scope.period, unit="D").records)
        for row in result.breakdown:
            alone = compute(m, period=scope.period, unit=row.key, user=user)
            assert (row.value, row.records) == (alone.value, alone.records), (metric, spec, row.key)
