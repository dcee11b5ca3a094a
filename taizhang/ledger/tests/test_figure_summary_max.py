"""The monthly summary's maximum (`FigureMonth.max_e4`, kept by the triggers) stays exact whatever removes or lowers
the figure holding it, and maximum (stock) metrics read from it equal the covering index's answer: value, count and
the record ids, for closed and running years, ranges with partial months, a district, a street and the dashboard."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_record
from taizhang.ledger import actions, figures, summary
from taizhang.ledger.figures import compute
from taizhang.ledger.models import FigureMonth, MetricDefinition, Record, RecordFigure
from taizhang.ledger.tests.compare import summary_and_index

pytestmark = pytest.mark.django_db
D = datetime.date
LEARNERS = "civ_units_total"  # aggregation MAX (a stock figure): each unit's highest value, summed
TODAY = datetime.date.today()


def _stats(unit: Any, learners: int, day: D, **kw: Any) -> Record:
    return make_record(unit, "civ_stats", {LEARNERS: learners}, day=day, **kw)


def _max(unit: Any, month: D) -> int | None:
    row = FigureMonth.rows.get(metric_id=MetricDefinition.objects.get(key=LEARNERS).pk, unit_id=unit.pk, month=month)
    return row.max_e4


@pytest.fixture
def stock(taxonomy: None, tree: Any) -> list[Record]:
    units = [tree.district, tree.street_a, tree.street_b, tree.community_a1, tree.community_b1, tree.bureau]
    made = []
    for year in (2023, 2024, TODAY.year):
        for i in range(18):
            day = D(year, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
            if day > TODAY:
                day = TODAY.replace(day=1)
            made.append(_stats(units[i % len(units)], 100 + (i * 37) % 50, day))
    return made


def test_max_after_inserts_deletes_and_updates(taxonomy: None, tree: Any) -> None:
    sa, may = tree.street_a, D(2024, 5, 1)
    first = _stats(sa, 120, D(2024, 5, 3))
    assert _max(sa, may) == 1_200_000
    top = _stats(sa, 300, D(2024, 5, 9))
    _stats(sa, 80, D(2024, 5, 20))
    _stats(sa, 300, D(2024, 5, 21))  # a tie: removing one of the two keeps 300
    assert _max(sa, may) == 3_000_000
    RecordFigure.objects.filter(record=top).delete()
    assert _max(sa, may) == 3_000_000
    RecordFigure.objects.filter(record__in=Record.objects.filter(figures__value=300)).delete()
    assert _max(sa, may) == 1_200_000  # the max figure deleted: the highest one left
    RecordFigure.objects.filter(record=first, metric__key=LEARNERS).update(value=Decimal("7.5"))
    assert _max(sa, may) == 800_000  # the max figure updated down: recomputed
    RecordFigure.objects.filter(record=first, metric__key=LEARNERS).update(value=Decimal("999.1234"))
    assert _max(sa, may) == 9_991_234  # updated up
    RecordFigure.objects.filter(metric__key=LEARNERS, unit_id=sa.pk).delete()
    assert _max(sa, may) is None  # n = 0: no max
    assert summary.verify() == []


def test_values_swapped_in_one_statement(taxonomy: None, tree: Any) -> None:
    """One UPDATE that moves neither the key's sum nor its count may still raise or lower its max."""
    sa, may = tree.street_a, D(2024, 5, 1)
    a, b, _c = (_stats(sa, v, D(2024, 5, 2 + i)) for i, v in enumerate((10, 50, 55)))
    metric = MetricDefinition.objects.get(key=LEARNERS)
    with connection.cursor() as cur:  # 10 -> 60 and 50 -> 0: the sum stays, the max goes from 55 to 60
        cur.execute(
            "UPDATE ledger_recordfigure SET value = CASE WHEN record_id = %s THEN 60 ELSE 0 END "
            "WHERE metric_id = %s AND record_id IN (%s, %s)",
            [a.pk, metric.pk, a.pk, b.pk],
        )
    assert _max(sa, may) == 600_000
    with connection.cursor() as cur:  # back: 60 -> 10 and 0 -> 50, the max falls back to 55
        cur.execute(
            "UPDATE ledger_recordfigure SET value = CASE WHEN record_id = %s THEN 10 ELSE 50 END "
            "WHERE metric_id = %s AND record_id IN (%s, %s)",
            [a.pk, metric.pk, a.pk, b.pk],
        )
    assert _max(sa, may) == 550_000
    assert summary.verify() == []


def test_a_superseded_record_gives_up_its_max(taxonomy: None, tree: Any) -> None:
    sa, may = tree.street_a, D(2024, 5, 1)
    _stats(sa, 100, D(2024, 5, 2))
    original = _stats(sa, 400, D(2024, 5, 4))
    assert _max(sa, may) == 4_000_000
    revision = actions.revise_record(acting_user=None, record=original)
    actions.update_record(acting_user=None, record=revision, figures={LEARNERS: 150}, expected_version=revision.version)
    actions.submit_record(acting_user=None, record=revision)
    actions.approve_record(acting_user=None, record=Record.objects.get(pk=revision.pk))
    assert _max(sa, may) == 1_500_000  # the original is no longer effective: its 400 is gone
    assert compute(LEARNERS, period=parse_period("2024"), unit="SA").value == 150
    assert summary.verify() == []


def test_bulk_writes_keep_the_max(stock: list[Record]) -> None:
    figs = list(RecordFigure.objects.filter(effective=True, metric__key=LEARNERS).order_by("-value")[:15])
    RecordFigure.objects.filter(pk__in=[f.pk for f in figs]).delete()  # the highest figures, one statement
    assert summary.verify() == []
    for f in figs:
        f.pk = None
    RecordFigure.objects.bulk_create(figs)  # a bulk import: one statement, many rows
    assert summary.verify() == []
    RecordFigure.objects.filter(metric__key=LEARNERS).update(effective=False)  # all at once: no max left
    assert not FigureMonth.rows.filter(metric_id=figs[0].metric_id, max_e4__isnull=False).exists()
    assert summary.verify() == []


def test_verify_catches_a_tampered_max_and_rebuild_restores_it(stock: list[Record]) -> None:
    assert summary.verify() == []
    row = FigureMonth.rows.filter(n__gt=0, max_e4__isnull=False).first()
    assert row is not None
    right = int(row.max_e4 or 0)
    FigureMonth.rows.filter(pk=row.pk).update(max_e4=right + 1)
    wrong = summary.verify()
    assert len(wrong) == 1 and (wrong[0].kept_max, wrong[0].real_max) == (right + 1, right)
    assert wrong[0][4:] == (row.total_e4, row.n, row.total_e4, row.n)  # sums agree: only the max differs
    summary.rebuild()
    assert summary.verify() == []
    assert FigureMonth.rows.get(metric_id=row.metric_id, month=row.month, unit_id=row.unit_id).max_e4 == right


def test_the_check_command_names_a_max_only_difference(stock: list[Record], capsys: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    row = FigureMonth.rows.filter(n__gt=0, max_e4__isnull=False).first()
    assert row is not None
    right = int(row.max_e4 or 0)
    FigureMonth.rows.filter(pk=row.pk).update(max_e4=right + 10000)
    with pytest.raises(CommandError, match="不一致（1 行）"):
        call_command("figure_summary", "--check")
    err = capsys.readouterr().err
    assert f"最大 {(right + 10000) / 10000}" in err and f"最大 {right / 10000}" in err


@pytest.mark.parametrize(
    "spec", ["2023", "2024", str(TODAY.year), "2023-03-10..2024-02-20", "2024Q2", "2024-05-03..2024-05-20"]
)
def test_stock_figures_from_the_summary_equal_the_index(stock: list[Record], spec: str) -> None:
    for kw in (
        {},
        {"unit": "D"},
        {"unit": "SA"},
        {"by": "unit"},
        {"by": "month"},
        {"by": "level"},
        {"unit": "SA", "by": "month"},
        {"unit": "D", "by": "unit"},
    ):
        a, b = summary_and_index(LEARNERS, spec, **kw)
        assert (a.value, a.count, a.records) == (b.value, b.count, b.records), kw
        assert [(r.key, r.value, r.count, r.records) for r in a.breakdown] == [
            (r.key, r.value, r.count, r.records) for r in b.breakdown
        ], kw
    if spec in ("2023", "2024"):
        assert a.value > 0


def test_a_stock_year_reads_the_summary_not_the_figures(stock: list[Record]) -> None:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = compute(LEARNERS, period=parse_period("2024"), unit="D")
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "ledger_figuremonth" in sql and "ledger_recordfigure" not in sql, sql
    assert result.value > 0 and result.count == len(result.records)  # one record per unit, from the index


def test_the_dashboards_stock_rows_read_the_summary_and_agree(stock: list[Record], tree: Any) -> None:
    from taizhang.ledger.dashboard_batch import grouped_rows, grouped_totals

    metrics = list(MetricDefinition.objects.filter(aggregation="max", source="reported"))
    periods = [parse_period(f"{TODAY.year}-01-01..{TODAY.isoformat()}"), parse_period("2024-02-10..2024-11-20")]
    for unit_ids in (None, sorted(figures.scope_unit_ids(tree.street_a, None) or [])):
        got = []
        for use in (True, False):
            figures.USE_SUMMARY = use
            try:
                got.append(
                    (
                        grouped_totals(metrics, periods, unit_ids),
                        *(_norm(grouped_rows(metrics, periods, unit_ids, dim)) for dim in ("unit_id", "date")),
                    )
                )
            finally:
                figures.USE_SUMMARY = True
        assert got[0][0] == got[1][0]
        assert any(count for per in got[0][0] for _value, count in per.values())
        for dim_at in (1, 2):  # rows may split differently (months vs days): the folded values agree
            assert got[0][dim_at] == got[1][dim_at]


def test_stock_totals_of_whole_months_are_added_up_in_the_summary_reader(
    stock: list[Record], tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closed years (whole months, nothing to merge by unit): the dashboard's stock totals come from
    `summary.max_totals` (each unit's highest value added up as integers, no row per unit) and equal the index's."""
    from taizhang.ledger import summary
    from taizhang.ledger.dashboard_batch import grouped_totals

    metrics = list(MetricDefinition.objects.filter(aggregation="max", source="reported"))
    periods = [parse_period("2024"), parse_period("2023")]
    calls: list[int] = []
    real = summary.max_totals

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(summary, "max_totals", spy)
    for unit_ids in (None, sorted(figures.scope_unit_ids(tree.street_a, None) or [])):
        with_summary = grouped_totals(metrics, periods, unit_ids)
        figures.USE_SUMMARY = False
        try:
            from_index = grouped_totals(metrics, periods, unit_ids)
        finally:
            figures.USE_SUMMARY = True
        assert with_summary == from_index
        assert all(per[m.pk][1] for per in with_summary for m in metrics if m.key == LEARNERS)
    assert len(calls) == 2


def _norm(outs: list[dict[int, list[dict[str, Any]]]]) -> list[dict[Any, Any]]:
    """Rows by (metric, unit, key) folded as the cards fold them: highest value and count per unit and key."""
    folded: list[dict[Any, Any]] = []
    for per in outs:
        got: dict[Any, Any] = {}
        for pk, rows in per.items():
            for r in rows:
                key: Any = r.get("date") or r.get("unit_id")
                if isinstance(key, datetime.date):
                    key = (key.year, key.month)
                elif isinstance(key, str):
                    key = tuple(int(x) for x in key[:7].split("-"))
                at = (pk, r["unit_id"], key)
                mx, n = got.get(at, (None, 0))
                value = figures._dec(r["mx"])
                got[at] = (value if mx is None or value > mx else mx, n + int(r["n"]))
        folded.append(got)
    return folded
