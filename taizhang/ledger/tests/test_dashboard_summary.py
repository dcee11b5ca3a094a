"""The dashboard cards' breakdowns from the monthly summary (`dashboard_batch.grouped_rows` by unit, month and
outlet level; `totals_and_months`: every reported metric by month, its totals folded from those months) equal the
covering index's answer (`figures.USE_SUMMARY = False`) and `compute()` asked for each metric alone on the index:
values, counts and the ids behind every bar, for closed years, a running year (partial months at the edges, months
between the two periods) and a range inside a year, for the district and a street; stock (maximum) metrics too.
A closed year's cards read no figure row for summed and averaged metrics."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.core.periods import Period, parse_period
from taizhang.core.testing import make_record
from taizhang.ledger import dashboard, figures, providers
from taizhang.ledger.dashboard_batch import grouped_rows, line_cards, totals_and_months
from taizhang.ledger.figures import LedgerQuery, SubTrees, by_level_rows, by_month_rows, by_unit_rows, compute
from taizhang.ledger.models import MetricDefinition, Record
from taizhang.ledger.tests.test_figure_summary import ledger  # noqa: F401  (the fixture)
from taizhang.org.models import Unit

pytestmark = pytest.mark.django_db
D = datetime.date
METRICS = ["lecture_audience", "lecture_events", "study_completion_rate", "placements", "nm_posts", "nm_reads"]
STOCK = ["nm_followers"]  # a stock: the highest each unit reported
PERIODS = {
    "closed years": ["2024", "2023"],
    "running year": ["2024-01-01..2024-10-15", "2023-01-01..2023-10-15"],
    "inside a year": ["2024-03-10..2024-08-20"],
}
BY = {"unit_id": "unit", "date": "month", "outlet_level": "level"}


@pytest.fixture
def accounts(ledger: list[Record], tree: Any) -> None:  # noqa: F811
    """New-media monthly statistics: reads (summed) and followers (a stock: the highest each unit reported); study
    statistics with a completion rate (averaged, four decimal places)."""
    units = [tree.street_a, tree.community_a1, tree.street_b, tree.bureau]
    for i in range(16):
        day = D(2023 + i % 2, 1 + (i * 7) % 12, 1 + (i * 11) % 28)
        stats = {"nm_posts": 3 + i, "nm_reads": 1000 + 37 * i, "nm_followers": 500 + (i * 53) % 400}
        make_record(units[i % len(units)], "nm_monthly_stats", stats, day=day)
        rate = {"study_learners": 40 + i, "study_completion_rate": Decimal(f"{60 + i}.{(i * 3) % 10}5")}  # averaged
        make_record(units[(i + 1) % len(units)], "study_stats", rate, day=day + datetime.timedelta(days=3))


@contextmanager
def index_only() -> Iterator[None]:
    """Within: the covering index only (the summary's switch off)."""
    figures.USE_SUMMARY = False
    try:
        yield
    finally:
        figures.USE_SUMMARY = True


def _metrics(keys: list[str]) -> list[MetricDefinition]:
    return list(MetricDefinition.objects.filter(key__in=keys).order_by("key"))


def _breakdowns(
    metrics: list[MetricDefinition], periods: list[Period], unit: Unit, dim: str, *, folded: bool = False
) -> dict[Any, Any]:
    """Every metric's breakdown by `dim` for each period, built from the batched rows as the cards build it
    (`folded`: by unit, the summed metrics' rows come added up by the child unit each unit rolls up to)."""
    unit_ids = figures.scope_unit_ids(unit, None)
    tree = SubTrees.of(unit)
    assert tree is not None
    owners = {uid: owner.pk for uid, owner in tree.child_of.items()} if folded else None
    got = grouped_rows(metrics, periods if len(periods) > 1 else periods[0], unit_ids, dim, owners=owners)
    got = got if len(periods) > 1 else [got]
    out = {}
    for at, period in enumerate(periods):
        for m in metrics:
            q = LedgerQuery(m, period, unit_ids)
            rows = got[at].get(m.pk, [])
            if folded and m.aggregation != MetricDefinition.Aggregation.MAX:
                # a row per owner (child or the scope itself) from the summary, besides the partial months' rows
                summary_owners = [r["unit_id"] for r in rows if r["unit_id"] in owners.values()]  # type: ignore[union-attr]
                assert len(summary_owners) <= len(tree.children) + 1
            if dim == "unit_id":
                parts = by_unit_rows(q, unit, tree=tree, rows=rows)
            elif dim == "date":
                parts = by_month_rows(q, rows=rows)
            else:
                parts = by_level_rows(q, rows=rows)
            out[(period.spec, m.key)] = [(r.key, r.value, r.count, r.records) for r in parts]
    return out


@pytest.mark.parametrize("dim", list(BY))
@pytest.mark.parametrize("case", list(PERIODS))
@pytest.mark.parametrize("scope", ["district", "street_a"])
def test_breakdowns_from_the_summary_equal_the_index(
    accounts: None, tree: Any, dim: str, case: str, scope: str
) -> None:
    unit = getattr(tree, scope)
    periods = [parse_period(spec) for spec in PERIODS[case]]
    metrics = _metrics(METRICS + STOCK)
    with_summary = _breakdowns(metrics, periods, unit, dim)
    with index_only():
        from_index = _breakdowns(metrics, periods, unit, dim)
        alone = {
            (p.spec, m.key): [
                (r.key, r.value, r.count, r.records)
                for r in compute(m, period=p, unit=unit, by=BY[dim]).breakdown  # type: ignore[arg-type]
            ]
            for p in periods
            for m in metrics
        }
    assert with_summary == from_index == alone
    assert any(count for rows in with_summary.values() for _k, _v, count, _ids in rows)
    if dim == "unit_id":  # what the cards do: the units' rows added up by child in the summary's reader
        assert _breakdowns(metrics, periods, unit, dim, folded=True) == with_summary


@pytest.mark.parametrize("scope", ["district", "street_a"])
def test_rows_by_unit_come_folded_by_child_from_the_summary(accounts: None, tree: Any, scope: str) -> None:
    """`owners` folds the summed metrics' summary rows by the child each unit rolls up to: fewer rows, the same
    totals per child, and units outside the owners' map are left out."""
    from taizhang.ledger import summary

    unit = getattr(tree, scope)
    subtree = SubTrees.of(unit)
    assert subtree is not None
    owners = {uid: owner.pk for uid, owner in subtree.child_of.items()}
    ids = [m.pk for m in _metrics(["lecture_audience", "nm_reads", "study_completion_rate"])]
    spans = [(D(2023, 1, 1), D(2023, 12, 1)), (D(2024, 1, 1), D(2024, 12, 1))]
    by_unit = list(summary.month_groups(ids, spans, None, "unit_id"))
    folded = list(summary.month_groups(ids, spans, None, "unit_id", owners=owners))
    want: dict[Any, list[Any]] = {}
    for at, r in by_unit:
        if r["unit_id"] in owners:
            got = want.setdefault((at, r["metric_id"], owners[r["unit_id"]]), [Decimal(0), 0])
            got[0] += r["total"]
            got[1] += r["n"]
    assert {(at, r["metric_id"], r["unit_id"]): [r["total"], r["n"]] for at, r in folded} == want
    assert len(folded) < len(by_unit)
    assert {r["unit_id"] for _at, r in folded} <= {u.pk for u in [*subtree.children, subtree.scope]}
    with pytest.raises(ValueError):
        list(summary.month_groups(ids, spans, None, "date", owners=owners))


@pytest.mark.parametrize("case", ["closed years", "running year"])
@pytest.mark.parametrize("scope", ["district", "street_a"])
def test_card_totals_folded_from_months_equal_the_index(accounts: None, tree: Any, case: str, scope: str) -> None:
    unit = getattr(tree, scope)
    periods = [parse_period(spec) for spec in PERIODS[case]]
    reported = _metrics(METRICS + STOCK)
    heads = _metrics(["lecture_audience", "study_completion_rate", "nm_followers", "nm_reads"])
    unit_ids = figures.scope_unit_ids(unit, None)

    def answer() -> tuple[Any, Any]:
        totals, by_month = totals_and_months(reported, heads, periods, unit_ids)
        months = {
            (prev, m.key): [(r.key, r.value, r.count) for r in by_month_rows(q, rows=by_month[prev].get(m.pk, []))]
            for prev, p in ((False, periods[0]), (True, periods[1]))
            for m in heads
            for q in [LedgerQuery(m, p, unit_ids)]
        }
        return totals, months

    with_summary = answer()
    with index_only():
        from_index = answer()
        alone = {
            prev: {m.pk: (got.value, got.count) for m in reported for got in [compute(m, period=p, unit=unit)]}
            for prev, p in ((False, periods[0]), (True, periods[1]))
        }
    assert with_summary == from_index
    assert with_summary[0] == alone
    assert set(with_summary[1]) == {(prev, m.key) for prev in (False, True) for m in heads}
    followers = MetricDefinition.objects.get(key="nm_followers").pk
    assert with_summary[0][False][followers][0] > 0 and with_summary[0][False][followers][1] >= 1
    assert any(value != Decimal(0) for value, _n in with_summary[0][False].values())


def test_a_closed_years_cards_read_no_figure_rows_for_summed_metrics(accounts: None, tree: Any) -> None:
    """The theory tab (summed and averaged metrics only): its cards for a closed year against the year before read
    the monthly summary and no row of ledger_recordfigure (the ids stay the index's query, run when opened)."""
    tab = next(t for t in dashboard.tabs_of(dashboard.lines_with_metrics()) if t.key == "theory")
    assert not any(m.aggregation == MetricDefinition.Aggregation.MAX for i in tab.infos for m in i.metrics)
    scope = dashboard.make_scope(tree.district, parse_period("2024"), user=None, today=D(2025, 3, 1))
    with providers.memo(), CaptureQueriesContext(connection) as ctx:
        cards = line_cards(scope, tab.infos)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "ledger_figuremonth" in sql and "ledger_recordfigure" not in sql
    lectures = next(c for c in cards if c.info.line.key == "lectures")
    assert lectures.headline.current.value > 0
    assert lectures.headline.current.records  # the ids behind it, from the index when read
