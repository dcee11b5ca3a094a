"""The monthly summary (`FigureMonth`, kept by database triggers) stays exact whatever writes the figures — the
actions (create, approve, correct and supersede, delete), the bulk import, raw SQL — and the figures read from it
equal the figures read from the covering index, for whole and partial months, breakdowns, filters and averages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from taizhang.core.periods import Period, parse_period
from taizhang.core.testing import make_record
from taizhang.ledger import actions, figures, summary
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.figures import compute
from taizhang.ledger.models import FigureMonth, Outlet, Record, RecordFigure
from taizhang.ledger.tests.compare import summary_and_index

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ledger(taxonomy: None, tree: Any) -> list[Record]:
    units = [tree.district, tree.street_a, tree.street_b, tree.community_a1, tree.community_b1, tree.bureau]
    made = []
    for i in range(24):
        day = D(2023 + i % 2, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        made.append(make_record(units[i % len(units)], "lecture_event", {"lecture_audience": 10 + i * 3}, day=day))
        stats = {"study_learners": 100 + i, "study_registration_rate": Decimal(f"{50 + i}.{i % 10}5")}
        make_record(units[i % len(units)], "study_stats", stats, day=day)
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 999}, day=D(2024, 5, 5), status="submitted")
    for level, n in (("national", 2), ("provincial", 3)):
        outlet = Outlet.objects.filter(level=level).first()
        assert outlet is not None
        for i in range(n):
            make_record(
                tree.street_b,
                "placement",
                {},
                day=D(2024, 2 + i, 10),
                placement=PlacementInput(outlet=outlet, article_title=f"稿{level}{i}"),
            )
    return made


def _same(a: Any, b: Any) -> None:
    assert (a.value, a.count, a.records) == (b.value, b.count, b.records)
    assert [(r.key, r.value, r.count, r.records) for r in a.breakdown] == [
        (r.key, r.value, r.count, r.records) for r in b.breakdown
    ]


@pytest.mark.parametrize("spec", ["2024", "2023H2", "2023-03-10..2024-02-20", "2024Q2", "2024-05-03..2024-05-20"])
@pytest.mark.parametrize("metric", ["lecture_audience", "lecture_events", "study_learners", "study_registration_rate"])
def test_figures_from_the_summary_equal_the_index(ledger: list[Record], metric: str, spec: str) -> None:
    for kw in ({}, {"unit": "SA"}, {"by": "unit"}, {"by": "month"}, {"unit": "SA", "by": "month"}):
        _same(*summary_and_index(metric, spec, **kw))


def test_levels_and_level_filter_from_the_summary(ledger: list[Record]) -> None:
    a, b = summary_and_index("placements", "2024", by="level")
    _same(a, b)
    assert {r.key: r.value for r in a.breakdown}["provincial"] == 3
    for level in ("national", "provincial", "municipal"):
        _same(*summary_and_index("placements", "2024", outlet_level=level))


def test_a_year_reads_the_summary_not_the_figures(ledger: list[Record]) -> None:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = compute("lecture_audience", period=parse_period("2024"))
    assert result.value > 0
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "ledger_figuremonth" in sql and "ledger_recordfigure" not in sql, sql
    assert result.records and all(isinstance(i, int) for i in result.records)  # ids still exact, from the index


def test_partial_months_come_from_the_figures(ledger: list[Record]) -> None:
    whole, edges = summary.split_months(parse_period("2023-03-10..2024-02-20"))
    assert whole == (D(2023, 4, 1), D(2024, 1, 1))
    assert [(e.start, e.end) for e in edges] == [(D(2023, 3, 10), D(2023, 3, 31)), (D(2024, 2, 1), D(2024, 2, 20))]
    assert summary.split_months(parse_period("2024")) == ((D(2024, 1, 1), D(2024, 12, 1)), [])
    inside = Period(D(2024, 5, 3), D(2024, 5, 20), "x", "range")
    assert summary.split_months(inside) == (None, [inside])
    assert summary.split_months(Period(D(2024, 2, 1), D(2024, 2, 29), "x", "range"))[0] == (D(2024, 2, 1),) * 2


def test_every_action_keeps_the_summary_exact(ledger: list[Record], tree: Any) -> None:
    assert summary.verify() == []
    audience = "lecture_audience"
    before = compute(audience, period=parse_period("2024")).value
    # a correction: the revision replaces the original once approved
    original = next(r for r in ledger if r.start_date.year == 2024)
    old = original.figures.get(metric__key=audience).value
    revision = actions.revise_record(acting_user=None, record=original)
    assert compute(audience, period=parse_period("2024")).value == before  # a draft counts for nothing
    actions.update_record(
        acting_user=None, record=revision, figures={audience: old + 100}, expected_version=revision.version
    )
    actions.submit_record(acting_user=None, record=revision)
    actions.approve_record(acting_user=None, record=Record.objects.get(pk=revision.pk))
    assert compute(audience, period=parse_period("2024")).value == before + 100
    assert summary.verify() == []
    # a draft deleted, a record's figures rewritten, a record deleted by cascade
    draft = make_record(tree.street_a, "lecture_event", {audience: 7}, day=D(2024, 6, 1), status="draft")
    actions.delete_record(acting_user=None, record=draft)
    Record.objects.filter(pk=ledger[2].pk).delete()  # not the corrected one: its revision protects it
    assert summary.verify() == []
    # raw SQL the actions never run: moved in time, in unit, in value, and made not effective
    fig = RecordFigure.objects.filter(effective=True, metric__key=audience).first()
    assert fig is not None
    RecordFigure.objects.filter(pk=fig.pk).update(date=D(2021, 1, 1), unit_id=tree.bureau.pk, value=Decimal("3.1416"))
    last = RecordFigure.objects.filter(effective=True).order_by("pk").last()
    assert last is not None
    RecordFigure.objects.filter(pk=last.pk).update(effective=False)
    assert summary.verify() == []
    _same(*summary_and_index(audience, "2021"))
    assert compute(audience, period=parse_period("2021"), unit=tree.bureau.code).value == Decimal("3.1416")


def test_bulk_writes_and_rebuild(ledger: list[Record]) -> None:
    figs = list(RecordFigure.objects.filter(effective=True).order_by("pk")[:20])
    RecordFigure.objects.filter(pk__in=[f.pk for f in figs]).delete()
    for f in figs:
        f.pk = None
    RecordFigure.objects.bulk_create(figs)  # one statement, many rows
    assert summary.verify() == []
    kept = sorted(
        FigureMonth.rows.filter(n__gt=0).values_list("metric_id", "month", "unit_id", "outlet_level", "total_e4", "n")
    )
    FigureMonth.rows.update(total_e4=0)
    assert summary.verify() != []  # verify sees a broken summary
    assert summary.rebuild() == FigureMonth.rows.count()
    assert summary.verify() == []
    rebuilt = FigureMonth.rows.values_list("metric_id", "month", "unit_id", "outlet_level", "total_e4", "n")
    assert sorted(rebuilt) == kept


def test_the_summary_is_left_out_of_dumps(ledger: list[Record], capsys: Any) -> None:
    assert FigureMonth.rows.exists()
    call_command("dumpdata", "ledger.figuremonth")
    assert capsys.readouterr().out.strip() == "[]"


def test_the_triggers_are_installed() -> None:
    names = summary.installed()
    expected = summary.PG_TRIGGERS if connection.vendor == "postgresql" else summary.SQLITE_TRIGGERS
    assert names == sorted(expected)


def test_emptying_the_tables_leaves_no_summary_behind(ledger: list[Record]) -> None:
    """A test flush empties tables in any order: figures deleted after the summary must not bring rows back."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_figuremonth")
        cur.execute("DELETE FROM ledger_recordfigure")
    assert not FigureMonth.rows.exists()
    assert summary.verify() == []


def test_truncate_empties_the_summary(ledger: list[Record]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred: check them now
        cur.execute("TRUNCATE ledger_recordfigure")
    assert not FigureMonth.rows.exists()


def test_the_command_checks_and_rebuilds(ledger: list[Record]) -> None:
    from django.core.management.base import CommandError

    call_command("figure_summary", "--check")
    FigureMonth.rows.filter(n__gt=0).update(n=0)
    with pytest.raises(CommandError, match="不一致"):
        call_command("figure_summary", "--check")
    call_command("figure_summary", "--rebuild")
    call_command("figure_summary", "--check")
    assert summary.verify() == []


def test_the_dashboards_batched_totals_read_the_summary_and_agree(ledger: list[Record], tree: Any) -> None:
    """The tiles' and cards' totals of many metrics (dashboard_batch.grouped_totals) equal the index alone, for two
    apart periods at once with partial months, for a scope and for the whole tree."""
    from taizhang.ledger.dashboard_batch import grouped_totals
    from taizhang.ledger.models import MetricDefinition

    metrics = list(MetricDefinition.objects.exclude(source="computed"))
    periods = [parse_period("2024-01-01..2024-10-15"), parse_period("2023-01-01..2023-10-15")]
    for unit_ids in (None, sorted(figures.scope_unit_ids(tree.street_a, None) or [])):
        with_summary = grouped_totals(metrics, periods, unit_ids)
        figures.USE_SUMMARY = False
        try:
            from_index = grouped_totals(metrics, periods, unit_ids)
        finally:
            figures.USE_SUMMARY = True
        assert with_summary == from_index
        assert any(count for got in with_summary for _value, count in got.values())
