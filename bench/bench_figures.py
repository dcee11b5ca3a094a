"""Benchmark of the figures function on a 1,000,000-record ledger over 500 units and two years.

Usage (run by hand):
    .venv/bin/python bench/bench_figures.py                 # SQLite file bench/var/figures.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/bench_figures.py
Options: --records N (default 1,000,000), --units N (default 500), --rebuild, --queries N (default 100),
--baseline (also time the previous implementation in the same run, side by side), --arrival-order (with a build: dates
rise with the record id, as a ledger fills up over time; default: consecutive records 31 days apart, no date order).
The database is built once and reused; --rebuild makes it again. The build (`build_sql`: rows generated inside the
database, indexes and constraints made after the load, see `bulk_load`) takes about 10 minutes for 10,000,000 records
on PostgreSQL and about 35 on SQLite on the shared 2-core machine (docs/scale.md); run it with `nice -n 5` and keep
a 10 M SQLite file apart (DATABASE_URL=sqlite:///…/bench/var/figures10m.sqlite3: about 6 GB).
Prints p50/p95 (and the load average) for district-wide annual values, by-unit and by-month breakdowns, over reported
metrics: "new" (whole months from the monthly summary `ledger_figuremonth`, the rest from the covering index),
"index" (the covering index only: `figures.USE_SUMMARY = False`) and, with --baseline, "baseline"; then checks that
the summary equals the figures row for row, and the busiest metric's value, breakdowns and ids against the baseline.
A build loads the rows without the summary's triggers, then rebuilds the summary in one grouped scan.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _setup import percentiles, setup_django

LOADED_TABLES = ("ledger_record", "ledger_recordfigure")


@contextmanager
def bulk_load(tables: tuple[str, ...] = LOADED_TABLES) -> Iterator[None]:
    """The tables' secondary indexes (and, on PostgreSQL, unique and foreign-key constraints) dropped for the load and
    made again after it, from their own definitions, so the schema ends exactly as migrations left it; meanwhile
    SQLite writes without journal, fsync or foreign-key checks (restored after: WAL, synchronous=NORMAL as settings
    open it) and PostgreSQL commits asynchronously with a larger maintenance_work_mem for the index builds.
    Ends with the statistics production has: ANALYZE (SQLite), VACUUM (ANALYZE) (PostgreSQL)."""
    from django.db import connection

    from taizhang.ledger.maintenance import refresh_statistics

    pg = connection.vendor == "postgresql"
    connection.ensure_connection()
    names = ", ".join(f"'{t}'" for t in tables)
    with connection.cursor() as cur:
        if pg:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                f"WHERE conrelid::regclass::text IN ({names}) AND contype IN ('u', 'f') ORDER BY contype DESC"
            )
            constraints = cur.fetchall()
            cur.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                f"WHERE i.indrelid::regclass::text IN ({names}) AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            )
            indexes = cur.fetchall()
            for table, name, _def, _type in constraints:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _def in indexes:
                cur.execute(f"DROP INDEX {name}")
        else:
            for pragma in ("foreign_keys=OFF", "journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
                cur.execute(f"PRAGMA {pragma}")
            cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}) "
                "AND sql IS NOT NULL"
            )
            indexes = cur.fetchall()
            constraints = []
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    from taizhang.ledger import summary

    summary.uninstall()  # the monthly summary's triggers: rebuilt in one grouped scan after the load instead
    print(f"  dropped {len(indexes)} indexes and {len(constraints)} constraints for the load", flush=True)
    try:
        yield
    finally:
        t0 = time.perf_counter()
        rows = summary.rebuild()
        summary.install()
        print(
            f"  monthly summary rebuilt ({rows:,} rows) and its triggers made again in {time.perf_counter() - t0:.0f} s"
        )
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            for _name, sql in indexes:
                cur.execute(sql)
            for table, name, definition, _type in reversed(constraints):  # unique first: foreign keys may need them
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            if pg:
                cur.execute("RESET synchronous_commit")
            else:
                for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-65536"):
                    cur.execute(f"PRAGMA {pragma}")
        print(f"  indexes and constraints made again in {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        refresh_statistics()
        if pg:
            with connection.cursor() as cur:
                cur.execute("RESET maintenance_work_mem")
        print(f"  {'VACUUM (ANALYZE)' if pg else 'ANALYZE'} in {time.perf_counter() - t0:.0f} s", flush=True)


def build(n_records: int, n_units: int) -> None:
    """The ledger from Python rows (random units, titles 记录N), executemany in batches of 50,000 records."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    t0 = time.perf_counter()
    with bulk_load():
        _build_rows(n_records, n_units)
    print(f"built {n_records:,} records over {n_units} units in {time.perf_counter() - t0:.0f} s", flush=True)


def _build_rows(n_records: int, n_units: int) -> None:
    from django.db import connection, transaction

    from taizhang.ledger.models import ActivityType, Record, RecordFigure
    from taizhang.org.models import Unit

    with transaction.atomic():
        RecordFigure.objects.all().delete()
        Record.objects.all().delete()
        Unit.objects.all().update(parent=None)
        Unit.objects.all().delete()
    rng = random.Random(7)
    root = Unit.objects.create(code="ROOT", name="基准区委宣传部", kind="district", path="", depth=0)
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    streets = []
    for i in range(20):
        s = Unit.objects.create(code=f"S{i:02d}", name=f"街道{i}", kind="street", parent=root, depth=1)
        s.path = f"{root.path}{s.pk}/"
        s.save(update_fields=["path"])
        streets.append(s)
    leaves = []
    for i in range(n_units - 21):
        parent = streets[i % len(streets)]
        u = Unit.objects.create(code=f"C{i:04d}", name=f"社区{i}", kind="community", parent=parent, depth=2)
        u.path = f"{parent.path}{u.pk}/"
        u.save(update_fields=["path"])
        leaves.append(u)
    units = streets + leaves
    types = list(ActivityType.objects.prefetch_related("type_metrics__metric"))
    start = datetime.date(2023, 1, 1)
    batch = 50_000
    rec_sql_cols = (
        "unit_id",
        "activity_type_id",
        "title",
        "start_date",
        "description",
        "location",
        "status",
        "source",
        "created_at",
        "updated_at",
        "version",
        "review_comment",
    )
    now = datetime.datetime.now(datetime.UTC).isoformat()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_record")
        next_id = cur.fetchone()[0] + 1
    rec_table, fig_table = Record._meta.db_table, RecordFigure._meta.db_table
    extra = _not_null_defaults(Record, {"id", *rec_sql_cols})  # columns added since (flags)
    all_cols: tuple[str, ...] = ("id", *rec_sql_cols, *extra)
    ph = "%s"
    for offset in range(0, n_records, batch):
        rec_rows, fig_rows = [], []
        for i in range(offset, min(n_records, offset + batch)):
            rid = next_id + i
            t = types[i % len(types)]
            u = units[rng.randrange(len(units))]
            day = start + datetime.timedelta(days=rng.randrange(730))
            rec_rows.append(
                (rid, u.pk, t.pk, f"记录{i}", day, "", "", "approved", "demo", now, now, 1, "", *extra.values())
            )
            for link in t.type_metrics.all():
                value = link.default if link.default is not None else rng.randrange(1, 300)
                fig_rows.append((rid, link.metric_id, value, 1, u.pk, day, True, ""))
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {rec_table} ({', '.join(all_cols)}) VALUES ({', '.join([ph] * len(all_cols))})",
                rec_rows,
            )
            fcols = (
                "record_id",
                "metric_id",
                "value",
                "metric_version",
                "unit_id",
                "date",
                "effective",
                "outlet_level",
            )
            cur.executemany(
                f"INSERT INTO {fig_table} ({', '.join(fcols)}) VALUES ({', '.join([ph] * len(fcols))})", fig_rows
            )
        print(f"  {min(n_records, offset + batch):,} records", flush=True)


def _not_null_defaults(model: Any, given: set[str]) -> dict[str, Any]:
    """Values for the model's NOT NULL columns the bulk insert does not set (the schema may have grown)."""
    import datetime as dt

    from django.db.models import NOT_PROVIDED

    out: dict[str, Any] = {}
    now = dt.datetime.now(dt.UTC).isoformat()
    for f in model._meta.concrete_fields:
        if f.column in given or f.null or f.primary_key:
            continue
        if f.default is not NOT_PROVIDED and not callable(f.default):
            out[f.column] = f.default
        elif f.get_internal_type() in ("DateTimeField",):
            out[f.column] = now
        elif f.get_internal_type() in ("BooleanField",):
            out[f.column] = False
        elif f.get_internal_type() in ("JSONField",):
            out[f.column] = "[]"
        else:
            out[f.column] = ""
    return out


def build_sql(n_records: int, n_units: int) -> None:
    """The same ledger as `build`, generated inside the database (INSERT … SELECT over a number series, one
    transaction per million records) with the tables' indexes and constraints dropped during the load (`bulk_load`):
    minutes for 10,000,000 records."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    t0 = time.perf_counter()
    with bulk_load():
        _build_sql_rows(n_records, n_units, t0)
    print(f"built {n_records:,} records in {time.perf_counter() - t0:.0f} s", flush=True)


ARRIVAL_ORDER = False  # --arrival-order


def _build_sql_rows(n_records: int, n_units: int, t0: float) -> None:
    from django.db import connection, transaction

    from taizhang.ledger.models import ActivityTypeMetric, Record, RecordFigure
    from taizhang.org.models import Unit

    rec, fig = Record._meta.db_table, RecordFigure._meta.db_table
    pg = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {fig}")
        cur.execute(f"DELETE FROM {rec}")
    print(f"  emptied ({time.perf_counter() - t0:.0f} s)", flush=True)
    build_units(n_units)
    unit_ids = list(Unit.objects.filter(depth__gte=1).order_by("id").values_list("id", flat=True))
    links = list(ActivityTypeMetric.objects.values_list("activity_type_id", "metric_id", "default"))
    type_ids = sorted({t for t, _m, _d in links})
    with connection.cursor() as cur:
        for name in ("bench_units", "bench_types", "bench_links"):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute("CREATE TABLE bench_units (idx INTEGER PRIMARY KEY, unit_id INTEGER)")
        cur.execute("CREATE TABLE bench_types (idx INTEGER PRIMARY KEY, type_id INTEGER)")
        cur.execute("CREATE TABLE bench_links (type_id INTEGER, metric_id INTEGER, dflt NUMERIC)")
        cur.executemany("INSERT INTO bench_units VALUES (%s, %s)", list(enumerate(unit_ids)))
        cur.executemany("INSERT INTO bench_types VALUES (%s, %s)", list(enumerate(type_ids)))
        cur.executemany("INSERT INTO bench_links VALUES (%s, %s, %s)", links)
    given = {"id", "unit_id", "activity_type_id", "title", "start_date", "status", "source"}
    extra = _not_null_defaults(Record, given)
    extra_cols = "".join(f", {c}" for c in extra)
    extra_vals = "".join(", %s" for _ in extra)
    nu, nt = len(unit_ids), len(type_ids)
    x = "s.x::bigint" if pg else "s.x"  # 32-bit integers overflow past 271,000 × 7919 on PostgreSQL
    # Default: consecutive records 31 days apart, so the heap is in no date order (the worst case for PostgreSQL's
    # index-only scans, which check the visibility map of each row's heap page). ARRIVAL_ORDER: dates rise with the
    # record id, a record filed within two weeks of its activity, as a ledger fills up over time.
    offset = (
        f"(CASE WHEN ({x} - 1) * 730 / {n_records} + ({x} * 7919) %% 15 > 729 THEN 729 "
        f"ELSE ({x} - 1) * 730 / {n_records} + ({x} * 7919) %% 15 END)"
        if ARRIVAL_ORDER
        else f"(({x} * 31) %% 730)"
    )
    day = f"DATE '2023-01-01' + {offset}::int" if pg else f"date('2023-01-01', '+' || {offset} || ' days')"
    chunk = 1_000_000
    for lo in range(0, n_records, chunk):
        hi = min(n_records, lo + chunk)
        series = (
            f"generate_series({lo + 1}, {hi}) AS s(x)"
            if pg
            else f"(WITH RECURSIVE q(x) AS (SELECT {lo + 1} UNION ALL SELECT x + 1 FROM q WHERE x < {hi}) "
            "SELECT x FROM q) AS s"
        )
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {rec} (id, unit_id, activity_type_id, title, start_date, status, source{extra_cols}) "
                f"SELECT s.x, u.unit_id, t.type_id, 'r', {day}, 'approved', 'demo'{extra_vals} FROM {series} "
                f"JOIN bench_units u ON u.idx = ({x} * 7919) %% {nu} JOIN bench_types t ON t.idx = {x} %% {nt}",
                list(extra.values()),
            )
            cur.execute(
                f"INSERT INTO {fig} (record_id, metric_id, value, metric_version, unit_id, date, effective, "
                "outlet_level) SELECT r.id, l.metric_id, COALESCE(l.dflt, (r.id * 13) % 299 + 1), 1, r.unit_id, "
                f"r.start_date, {'TRUE' if pg else '1'}, '' FROM {rec} r JOIN bench_links l "
                f"ON l.type_id = r.activity_type_id WHERE r.id > {lo} AND r.id <= {hi}"
            )
        print(f"  {hi:,} records ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as cur:
        for name in ("bench_units", "bench_types", "bench_links"):
            cur.execute(f"DROP TABLE {name}")
    if pg:  # ids were given: the sequences continue after them, as after ordinary inserts
        with connection.cursor() as cur:
            for table in (rec, fig):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )


def build_units(n_units: int) -> None:
    from django.db import transaction

    from taizhang.org.models import Unit

    with transaction.atomic():
        Unit.objects.all().update(parent=None)
        Unit.objects.all().delete()
        root = Unit.objects.create(code="ROOT", name="基准区委宣传部", kind="district", path="", depth=0)
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        streets = []
        for i in range(20):
            st = Unit.objects.create(code=f"S{i:02d}", name=f"街道{i}", kind="street", parent=root, depth=1)
            st.path = f"{root.path}{st.pk}/"
            st.save(update_fields=["path"])
            streets.append(st)
        for i in range(n_units - 21):
            parent = streets[i % len(streets)]
            u = Unit.objects.create(code=f"C{i:04d}", name=f"社区{i}", kind="community", parent=parent, depth=2)
            u.path = f"{parent.path}{u.pk}/"
            u.save(update_fields=["path"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--python-build",
        action="store_true",
        help="build with the older row-by-row Python loader instead of INSERT … SELECT",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also time the previous implementation (every row fetched, ids always materialised)",
    )
    parser.add_argument(
        "--arrival-order",
        action="store_true",
        help="(with a build) dates rise with the record id, as records are filed over time, instead of jumping 31 "
        "days from one record to the next",
    )
    args = parser.parse_args()
    global ARRIVAL_ORDER
    ARRIVAL_ORDER = args.arrival_order
    setup_django("figures.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    from taizhang.core.periods import parse_period
    from taizhang.ledger.figures import compute
    from taizhang.ledger.models import MetricDefinition, Record
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    if args.rebuild or Record.objects.count() < args.records:
        (build if args.python_build else build_sql)(args.records, args.units)
    print(f"database: {connection.vendor}; records: {Record.objects.count():,}")
    metrics = list(  # reported metrics: the ledger's own figures (computed ones are their providers' benchmarks)
        MetricDefinition.objects.filter(aggregation="sum", source=MetricDefinition.Source.REPORTED).values_list(
            "key", flat=True
        )
    )
    streets = list(Unit.objects.filter(depth=1).values_list("code", flat=True))
    rng = random.Random(1)
    specs = ["2023", "2024", "2024H1", "2023Q1-Q3", "2024Q2", "2024-05", "2023-03-01..2023-09-30"]
    from taizhang.ledger import figures
    from taizhang.ledger.maintenance import refresh_statistics

    refresh_statistics()  # what `taizhang setup` leaves: fresh statistics, vacuumed (PostgreSQL)
    # new: whole months from the monthly summary; index: the covering index only (figures.USE_SUMMARY = False, the
    # previous code path); baseline: every row fetched
    runs = [("new", False, True), ("index", False, False)]
    if args.baseline:
        runs.append(("baseline", True, False))
    for label, by, unit_choice in (
        ("district annual", None, False),
        ("district by unit", "unit", False),
        ("district by month", "month", False),
        ("street annual", None, True),
    ):
        for impl, baseline, use_summary in runs:
            figures.BASELINE, figures.USE_SUMMARY = baseline, use_summary
            rng = random.Random(1)
            samples = []
            total_records = 0
            for _ in range(args.queries):
                metric = rng.choice(metrics)
                spec = rng.choice(specs) if label != "district annual" else rng.choice(["2023", "2024"])
                unit = rng.choice(streets) if unit_choice else None
                t = time.perf_counter()
                result = compute(metric, period=parse_period(spec), unit=unit, by=by)  # type: ignore[arg-type]
                samples.append((time.perf_counter() - t) * 1000)
                total_records += result.count
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"{label:<20} {impl:<9} {percentiles(samples)}  avg records/answer {total_records // args.queries:,}"
                f"  load {load}",
                flush=True,
            )
    figures.BASELINE, figures.USE_SUMMARY = False, True
    from taizhang.ledger import summary

    t0 = time.perf_counter()
    wrong = summary.verify()
    assert not wrong, f"the monthly summary differs from the figures: {wrong[:5]}"
    print(f"check: the monthly summary equals the figures, every row ({time.perf_counter() - t0:.0f} s)", flush=True)
    # provenance stays exact: the lazily fetched ids equal the baseline's, for the whole and for every breakdown row
    metric = metrics[0]
    for by in (None, "unit", "month"):
        new = compute(metric, period=parse_period("2024"), by=by)  # type: ignore[arg-type]
        figures.BASELINE = True
        old = compute(metric, period=parse_period("2024"), by=by)  # type: ignore[arg-type]
        figures.BASELINE = False
        assert (new.value, new.records) == (old.value, old.records), f"new and baseline disagree ({by})"
        rows = [(r.key, r.value, r.records) for r in new.breakdown]
        assert rows == [(r.key, r.value, r.records) for r in old.breakdown], f"breakdowns disagree ({by})"
        print(
            f"check: {metric} 2024 by {by} = {new.value} from {new.count:,} records, {len(rows)} rows: same values "
            "and ids as the baseline",
            flush=True,
        )


if __name__ == "__main__":
    main()
