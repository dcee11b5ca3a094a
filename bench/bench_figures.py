"""Benchmark of the figures function on a 1,000,000-record ledger over 500 units and two years.

Usage (run by hand):
    .venv/bin/python bench/bench_figures.py                 # SQLite file bench/var/figures.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/bench_figures.py
Options: --records N (default 1,000,000), --units N (default 500), --rebuild, --queries N (default 100).
The database is built once (about 1–3 minutes) and reused; --rebuild makes it again.
Prints p50/p95 for district-wide annual values, by-unit and by-month breakdowns.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from _setup import percentiles, setup_django


def build(n_records: int, n_units: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from taizhang.ledger.models import ActivityType, Record, RecordFigure
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    with transaction.atomic():
        RecordFigure.objects.all().delete()
        Record.objects.all().delete()
        Unit.objects.all().update(parent=None)
        Unit.objects.all().delete()
    rng = random.Random(7)
    t0 = time.perf_counter()
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
    ph = "%s"
    for offset in range(0, n_records, batch):
        rec_rows, fig_rows = [], []
        for i in range(offset, min(n_records, offset + batch)):
            rid = next_id + i
            t = types[i % len(types)]
            u = units[rng.randrange(len(units))]
            day = start + datetime.timedelta(days=rng.randrange(730))
            rec_rows.append((rid, u.pk, t.pk, f"记录{i}", day, "", "", "approved", "demo", now, now, 1, ""))
            for link in t.type_metrics.all():
                value = link.default if link.default is not None else rng.randrange(1, 300)
                fig_rows.append((rid, link.metric_id, value, 1, u.pk, day, True, ""))
        with transaction.atomic(), connection.cursor() as cur:
            cols = ("id", *rec_sql_cols)
            cur.executemany(
                f"INSERT INTO {rec_table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})", rec_rows
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
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("ANALYZE")
        else:
            cur.execute(f"ANALYZE {fig_table}")
            cur.execute(f"ANALYZE {rec_table}")
    print(f"built {n_records:,} records over {len(units) + 1} units in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup_django("figures.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    from taizhang.core.periods import parse_period
    from taizhang.ledger.figures import compute
    from taizhang.ledger.models import MetricDefinition, Record
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    if args.rebuild or Record.objects.count() < args.records:
        build(args.records, args.units)
    print(f"database: {connection.vendor}; records: {Record.objects.count():,}")
    metrics = list(MetricDefinition.objects.filter(aggregation="sum").values_list("key", flat=True))
    streets = list(Unit.objects.filter(depth=1).values_list("code", flat=True))
    rng = random.Random(1)
    specs = ["2023", "2024", "2024H1", "2023Q1-Q3", "2024Q2", "2024-05", "2023-03-01..2023-09-30"]
    for label, by, unit_choice in (
        ("district annual", None, False),
        ("district by unit", "unit", False),
        ("district by month", "month", False),
        ("street annual", None, True),
    ):
        samples = []
        total_records = 0
        for _ in range(args.queries):
            metric = rng.choice(metrics)
            spec = rng.choice(specs) if label != "district annual" else rng.choice(["2023", "2024"])
            unit = rng.choice(streets) if unit_choice else None
            t = time.perf_counter()
            result = compute(metric, period=parse_period(spec), unit=unit, by=by)  # type: ignore[arg-type]
            samples.append((time.perf_counter() - t) * 1000)
            total_records += len(result.records)
        print(f"{label:<20} {percentiles(samples)}  avg records/answer {total_records // args.queries:,}")


if __name__ == "__main__":
    main()
