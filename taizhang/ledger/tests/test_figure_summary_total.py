"""The whole tree's summary (`FigureMonthTotal`, kept by the same triggers): figures of a viewer of the whole tree
read it and equal the covering index's; it stays exact whatever writes the figures; on PostgreSQL writers append to
it without waiting for each other, and compaction folds a key's rows into one without changing a figure."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from taizhang.core.jobs import HANDLERS, PERIODIC, autodiscover
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_record
from taizhang.ledger import summary
from taizhang.ledger.dashboard_batch import grouped_rows
from taizhang.ledger.figures import compute
from taizhang.ledger.models import FigureMonthTotal, MetricDefinition, Record, RecordFigure
from taizhang.ledger.tests.compare import summary_and_index

pytestmark = pytest.mark.django_db
D = datetime.date
AUDIENCE = "lecture_audience"
PG = "postgresql"


@pytest.fixture
def ledger(taxonomy: None, tree: Any) -> list[Record]:
    units = [tree.district, tree.street_a, tree.street_b, tree.community_a1, tree.bureau]
    return [
        make_record(units[i % len(units)], "lecture_event", {AUDIENCE: 10 + i}, day=D(2024, 1 + i % 12, 1 + i % 28))
        for i in range(30)
    ]


def _keys() -> dict[tuple[Any, ...], tuple[int, int]]:
    """The whole tree's summary per key, its rows added up (keys of no figure left out)."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for r in FigureMonthTotal.rows.values_list("metric_id", "month", "outlet_level", "total_e4", "n"):
        got = sums.setdefault(r[:3], [0, 0])
        got[0] += r[3]
        got[1] += r[4]
    return {k: (t, n) for k, (t, n) in sums.items() if n or t}


def test_a_year_of_the_whole_tree_reads_the_whole_tree_summary(ledger: list[Record], tree: Any) -> None:
    with CaptureQueriesContext(connection) as ctx:
        result = compute(AUDIENCE, period=parse_period("2024"))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "ledger_figuremonthtotal" in sql and "ledger_recordfigure" not in sql, sql
    assert result.value == sum(10 + i for i in range(30)) and result.count == 30
    with CaptureQueriesContext(connection) as ctx:  # a street: its units' rows, not the whole tree's
        compute(AUDIENCE, period=parse_period("2024"), unit=tree.street_a.code)
    assert "ledger_figuremonthtotal" not in " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("by", [None, "month", "unit"])
@pytest.mark.parametrize("spec", ["2024", "2024H1", "2024-02-10..2024-11-20"])
def test_whole_tree_figures_equal_the_index(ledger: list[Record], by: str | None, spec: str) -> None:
    a, b = summary_and_index(AUDIENCE, spec, **({"by": by} if by else {}))
    assert (a.value, a.count, a.records) == (b.value, b.count, b.records)
    assert [(r.key, r.value, r.count) for r in a.breakdown] == [(r.key, r.value, r.count) for r in b.breakdown]


def test_the_dashboards_months_of_the_whole_tree_equal_the_index(ledger: list[Record]) -> None:
    from taizhang.ledger import figures

    metrics = list(MetricDefinition.objects.filter(key=AUDIENCE))
    periods = [parse_period("2024"), parse_period("2023")]

    def by_month() -> list[dict[tuple[int, D], tuple[Any, int]]]:
        """Per period, (metric, month) → (total, n): the index gives days, the summary months' first days."""
        out = []
        for part in grouped_rows(metrics, periods, None, "date"):
            months: dict[tuple[int, D], tuple[Any, int]] = {}
            for metric_id, rows in part.items():
                for r in rows:
                    t, n = months.get((metric_id, r["date"].replace(day=1)), (0, 0))
                    months[metric_id, r["date"].replace(day=1)] = (t + r["total"], n + r["n"])
            out.append(months)
        return out

    with CaptureQueriesContext(connection) as ctx:
        got = by_month()
    assert "ledger_figuremonthtotal" in " ".join(q["sql"] for q in ctx.captured_queries)
    figures.USE_SUMMARY = False
    try:
        assert by_month() == got
    finally:
        figures.USE_SUMMARY = True
    assert sum(n for _t, n in got[0].values()) == 30 and len(got[0]) == 12


def test_every_write_keeps_the_whole_tree_summary_exact(ledger: list[Record], tree: Any) -> None:
    assert summary.verify() == []
    Record.objects.filter(pk=ledger[0].pk).delete()
    fig = RecordFigure.objects.filter(effective=True, metric__key=AUDIENCE).order_by("pk").first()
    assert fig is not None
    RecordFigure.objects.filter(pk=fig.pk).update(date=D(2021, 5, 5))
    RecordFigure.objects.filter(pk__in=[f.pk for f in RecordFigure.objects.order_by("-pk")[:3]]).update(effective=False)
    make_record(tree.street_b, "lecture_event", {AUDIENCE: 5}, day=D(2024, 3, 3))
    assert summary.verify() == []
    assert compute(AUDIENCE, period=parse_period("2021")).value == fig.value


def test_verify_and_the_check_command_catch_a_tampered_total(ledger: list[Record], capsys: Any) -> None:
    from django.core.management.base import CommandError

    row = FigureMonthTotal.rows.order_by("pk").first()
    assert row is not None
    FigureMonthTotal.rows.filter(pk=row.pk).update(total_e4=row.total_e4 + 10000)
    wrong = summary.verify()
    assert [(d[2], d[4] - d[6]) for d in wrong] == [(summary.WHOLE_TREE, 10000)]
    with pytest.raises(CommandError, match="不一致"):
        call_command("figure_summary", "--check")
    assert "全区合计" in capsys.readouterr().err
    call_command("figure_summary", "--rebuild")
    assert summary.verify() == []


def test_dumps_leave_it_out_and_emptying_the_tables_leaves_nothing(ledger: list[Record], capsys: Any) -> None:
    call_command("dumpdata", "ledger.figuremonthtotal")
    assert capsys.readouterr().out.strip() == "[]"
    with connection.cursor() as cur:  # a test flush, in the order it deletes
        cur.execute("DELETE FROM ledger_figuremonthtotal")
        cur.execute("DELETE FROM ledger_recordfigure")
    assert _keys() == {}
    assert summary.verify() == []


def test_compaction_folds_a_keys_rows_and_changes_no_figure(ledger: list[Record], tree: Any) -> None:
    for i in range(4):  # four statements on one key
        make_record(tree.street_a, "lecture_event", {AUDIENCE: 100 + i}, day=D(2024, 1, 5))
    before = _keys()
    figure = compute(AUDIENCE, period=parse_period("2024")).value
    rows = FigureMonthTotal.rows.count()
    removed = summary.compact_totals()
    if connection.vendor == PG:  # appended: one row per statement and key
        assert rows > len(before) and removed == rows - len(before)
    else:  # SQLite keeps one row per key
        assert rows == len(before) and removed == 0
    assert FigureMonthTotal.rows.count() == len(before)
    assert _keys() == before and summary.verify() == []
    assert compute(AUDIENCE, period=parse_period("2024")).value == figure
    assert summary.compact_totals() == 0


def test_compaction_is_a_periodic_job() -> None:
    autodiscover()
    assert PERIODIC["ledger.compact_totals"].minutes == 15
    assert HANDLERS["ledger.compact_totals"] is not None


def test_truncate_empties_it(ledger: list[Record]) -> None:
    if connection.vendor != PG:
        pytest.skip("TRUNCATE is PostgreSQL's")
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE ledger_recordfigure")
    assert not FigureMonthTotal.rows.exists()


def test_two_units_writing_one_metric_and_month_at_once_do_not_wait(
    transactional_db: Any, taxonomy: None, tree: Any
) -> None:
    """On PostgreSQL the whole tree's row of a metric and month is appended to, not updated: a unit's figures written
    while another unit's transaction with figures of the same metric and month is still open do not wait for it (the
    figures are written directly: the actions also append to the audit chain, which takes a lock of its own)."""
    if connection.vendor != PG:
        pytest.skip("concurrent writers need PostgreSQL (TAIZHANG_TEST_DATABASE_URL)")
    a, b = (
        make_record(unit, "lecture_event", {AUDIENCE: 1}, day=D(2024, 4, day)).figures.get(metric__key=AUDIENCE).pk
        for unit, day in ((tree.street_a, 2), (tree.street_b, 9))
    )
    written, release = threading.Event(), threading.Event()
    results: dict[str, str] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                RecordFigure.objects.filter(pk=a).update(value=20)
                written.set()
                release.wait(20)
            results["first"] = "ok"
        finally:
            connection.close()

    def second() -> None:
        try:
            written.wait(20)
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL lock_timeout = '3s'")
                RecordFigure.objects.filter(pk=b).update(value=300)
            results["second"] = "ok"
        except Exception as exc:  # the lock timeout, reported below
            results["second"] = repr(exc)
        finally:
            release.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {"first": "ok", "second": "ok"}
    assert compute(AUDIENCE, period=parse_period("2024-04")).value == 320
    assert summary.verify() == []
