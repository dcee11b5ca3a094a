"""Breakdowns answered from one grouped query equal the figures asked one by one, with the same record ids
(the provenance a document pins), for sum, max (stock) and avg metrics, district and street scopes, a viewer's scope,
periods that do not start on the first of a month, and against the previous implementation (figures.BASELINE)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.periods import Period, parse_period
from taizhang.core.testing import make_record, make_user
from taizhang.ledger import figures
from taizhang.ledger.figures import FigureResult, compute

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ledger(taxonomy: None, tree: Any) -> dict[str, list[int]]:
    """Approved records over the tree (the district itself, streets, communities, the bureau) across 2023–2024, and
    records that must never count: a draft, a submitted and a returned one."""
    made: dict[str, list[int]] = {"counted": [], "not": []}
    units = [
        tree.district,
        tree.street_a,
        tree.street_b,
        tree.community_a1,
        tree.community_a2,
        tree.community_b1,
        tree.bureau,
    ]
    for i in range(28):
        unit = units[i % len(units)]
        day = D(2023 + i % 2, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        rec = make_record(unit, "lecture_event", {"lecture_audience": 10 + i * 3}, day=day)
        made["counted"].append(rec.pk)
        stats = {"study_learners": 100 + (i * 37) % 90, "study_registration_rate": Decimal(f"{50 + i}.{i % 10}5")}
        make_record(unit, "study_stats", stats, day=day)
    for status in ("draft", "submitted", "returned"):
        rec = make_record(
            tree.community_a1, "lecture_event", {"lecture_audience": 999}, day=D(2024, 5, 5), status=status
        )
        made["not"].append(rec.pk)
    return made


METRICS = ["lecture_audience", "lecture_events", "study_learners", "study_registration_rate"]
PERIODS = ["2024", "2023H2", "2023-03-10..2024-02-20", "2024Q2"]


def _key(result: FigureResult) -> tuple[Decimal, list[int], int]:
    return result.value, result.records, result.count


def _month(key: str, period: Period) -> Period:
    y, m = (int(p) for p in key.split("-"))
    start = max(D(y, m, 1), period.start)
    end = min(D(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1), period.end)
    return Period(start, end, f"{start}..{end}", "range")


def test_by_unit_rows_equal_each_subtree_asked_alone(ledger: dict[str, list[int]]) -> None:
    checked = 0
    for metric in METRICS:
        for spec in PERIODS:
            for scope in (None, "SA"):
                period = parse_period(spec)
                grouped = compute(metric, period=period, unit=scope, by="unit")
                assert _key(grouped) == _key(compute(metric, period=period, unit=scope)), (metric, spec, scope)
                assert grouped.breakdown, "a breakdown row per child unit"
                for row in grouped.breakdown:
                    if not row.label.endswith("（本级）"):
                        one = compute(metric, period=period, unit=row.key)
                        assert (row.value, row.records, row.count) == _key(one), (metric, spec, scope, row.key)
                        checked += bool(row.count)
    assert checked >= 30, "most rows hold records"


def test_by_month_rows_equal_each_month_asked_alone(ledger: dict[str, list[int]]) -> None:
    checked = 0
    for metric in METRICS:
        for spec in PERIODS:
            period = parse_period(spec)
            grouped = compute(metric, period=period, by="month")
            assert _key(grouped) == _key(compute(metric, period=period)), (metric, spec)
            assert len(grouped.breakdown) == len(list(period.months()))
            for row in grouped.breakdown:
                one = compute(metric, period=_month(row.key, period))
                assert (row.value, row.records, row.count) == _key(one), (metric, spec, row.key)
                checked += bool(row.count)
    assert checked >= 30, "most rows hold records"


def test_the_districts_own_row_holds_its_own_records(ledger: dict[str, list[int]], tree: Any) -> None:
    result = compute("lecture_audience", period=parse_period("2023-01-01..2024-12-31"), by="unit")
    own = [row for row in result.breakdown if row.key == "D"]
    assert len(own) == 1 and own[0].label.endswith("（本级）")
    from taizhang.ledger.models import Record

    expected = sorted(
        Record.objects.filter(unit=tree.district, status="approved", activity_type__key="lecture_event").values_list(
            "pk", flat=True
        )
    )
    assert own[0].records == expected and own[0].count == 4
    assert sum(row.value for row in result.breakdown) == result.value
    assert sorted(i for row in result.breakdown for i in row.records) == result.records


def test_grouped_answers_equal_the_previous_implementation(ledger: dict[str, list[int]]) -> None:
    period = parse_period("2023-02-15..2024-11-30")
    for metric in METRICS:
        for by in (None, "unit", "month"):
            new = compute(metric, period=period, by=by)
            figures.BASELINE = True
            try:
                old = compute(metric, period=period, by=by)
            finally:
                figures.BASELINE = False
            assert _key(new) == _key(old), (metric, by)
            assert [(r.key, r.value, r.records) for r in new.breakdown] == [
                (r.key, r.value, r.records) for r in old.breakdown
            ], (metric, by)


def test_provenance_pins_the_ids_of_every_counted_record_and_no_other(ledger: dict[str, list[int]]) -> None:
    result = compute("lecture_audience", period=parse_period("2023-01-01..2024-12-31"), by="unit")
    assert not result.loaded, "the ids are fetched only when read"
    source = result.source()
    assert source["records"] == sorted(ledger["counted"])
    assert source["count"] == len(ledger["counted"]) == result.count
    assert not set(source["records"]) & set(ledger["not"])


def test_a_viewers_breakdown_keeps_to_the_units_they_see(ledger: dict[str, list[int]], tree: Any) -> None:
    viewer = make_user("viewer", tree.street_a)
    period = parse_period("2023-01-01..2024-12-31")
    grouped = compute("lecture_audience", period=period, by="unit", user=viewer)
    assert _key(grouped) == _key(compute("lecture_audience", period=period, unit="SA"))
    rows = {row.key: row for row in grouped.breakdown}
    assert rows["SB"].count == 0 and rows["SB"].records == [] and rows["BE"].value == 0
    assert rows["SA"].records == compute("lecture_audience", period=period, unit="SA").records


def test_sqlite_reads_a_districts_units_in_index_order(ledger: dict[str, list[int]]) -> None:
    """On SQLite the district's GROUP BY unit names every unit, so it reads ledger_fig_unit_cover unit by unit
    instead of sorting every row of the metric-year through a temporary B-tree (4× slower at 10 M records)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from taizhang.ledger.figures import LedgerQuery
    from taizhang.ledger.models import MetricDefinition

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner only")
    q = LedgerQuery(MetricDefinition.objects.get(key="lecture_audience"), parse_period("2024"), None)
    with CaptureQueriesContext(connection) as ctx:
        rows = q.index_grouped("unit_id")  # the path of maximum metrics and of the period's partial months
    assert sum(r["n"] for r in rows) == compute("lecture_audience", period=parse_period("2024")).count > 0
    sql = next(s["sql"] for s in ctx.captured_queries if "GROUP BY" in s["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "ledger_fig_unit_cover" in plan and "TEMP B-TREE" not in plan, plan


def test_a_computed_figure_and_its_breakdown_share_the_providers_query(
    taxonomy: None, tree: Any, monkeypatch: Any
) -> None:
    """Outside a request's memo, compute(by="unit") of a provider metric still asks the provider's aggregate once:
    the scope's value and the grouped breakdown read the same memoized rows."""
    from taizhang.ledger import providers
    from taizhang.ledger.taxonomy import sync_computed_metrics

    rows = [(tree.community_a1.pk, 1), (tree.community_a2.pk, 2), (tree.community_b1.pk, 3), (tree.bureau.pk, 4)]
    fetched: list[int] = []

    def per_unit(q: providers.FigureQuery) -> list[tuple[int, int]]:
        def run() -> list[tuple[int, int]]:
            fetched.append(1)
            return [r for r in rows if q.unit_ids is None or r[0] in q.unit_ids]

        return providers.memoized(providers.memo_key("test_units", q), run)

    def whole(q: providers.FigureQuery) -> providers.Provided:
        got = per_unit(q)
        return providers.Provided(Decimal(len(got)), [i for _u, i in got])

    def grouped(q: providers.FigureQuery, groups: dict[int, str]) -> dict[str, providers.Provided]:
        out: dict[str, list[int]] = {}
        for unit_id, i in per_unit(q):
            if unit_id in groups:
                out.setdefault(groups[unit_id], []).append(i)
        return {key: providers.Provided(Decimal(len(ids)), ids) for key, ids in out.items()}

    monkeypatch.setitem(
        providers.PROVIDERS,
        "test_unit_rows",
        providers.Provider(
            metric="test_unit_rows",
            name="测试行数",
            measure_word="件",
            line="civility",
            source="test.row",
            compute=whole,
            grouped=grouped,
        ),
    )
    sync_computed_metrics()
    result = compute("test_unit_rows", period=parse_period("2024"), by="unit")
    assert result.value == 4 and result.records == [1, 2, 3, 4]
    assert {row.key: row.records for row in result.breakdown} == {"SA": [1, 2], "SB": [3], "BE": [4]}
    assert len(fetched) == 1, "one aggregate for the value and the breakdown"
    with providers.memo():
        compute("test_unit_rows", period=parse_period("2024"), by="unit")
        compute("test_unit_rows", period=parse_period("2024"))
    assert len(fetched) == 2, "an outer memo (a request) is shared by the computes inside it"
