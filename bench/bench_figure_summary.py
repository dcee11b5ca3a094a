"""What the monthly summary's triggers cost a write: the bulk import path (`ledger.actions.create_records_bulk`,
approved records with two figures each) and single approvals, with the triggers installed and without, alternating
in one process on one database.

Usage (run by hand):
    .venv/bin/python bench/bench_figure_summary.py [--records 5000] [--rounds 3]   # SQLite: bench/var/summary.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_sum .venv/bin/python bench/bench_figure_summary.py
Each round imports the same records twice (triggers on and off; which goes first alternates) in a transaction it
rolls back, and approves 200 submitted records one by one the same way; prints the median per record. Ends by
checking the summary equals the figures after a committed import with the triggers on.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time
from decimal import Decimal
from typing import Any

from _setup import setup_django


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django("summary.sqlite3")
    from django.core.management import call_command
    from django.db import connection, transaction

    from taizhang.ledger import actions, summary
    from taizhang.ledger.models import ActivityType, MetricDefinition, Record
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    root = Unit.objects.filter(parent__isnull=True).first() or Unit.objects.create(
        code="ROOT", name="基准区委宣传部", kind="district", path="", depth=0
    )
    if not root.path:
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
    atype = ActivityType.objects.get(key="lecture_event")
    metrics = {m.key: m for m in MetricDefinition.objects.filter(key__in=["lecture_events", "lecture_audience"])}
    rng = random.Random(3)

    def items(n: int) -> list[Any]:
        return [
            actions.RecordInput(
                unit=root,
                activity_type=atype,
                title=f"宣讲{i}",
                start_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(366)),
                figures={
                    metrics["lecture_events"]: Decimal(1),
                    metrics["lecture_audience"]: Decimal(rng.randrange(300)),
                },
            )
            for i in range(n)
        ]

    def timed(triggers: bool, work: Any) -> float:
        (summary.install if triggers else summary.uninstall)()
        t = time.perf_counter()
        try:
            with transaction.atomic():
                work()
                elapsed = time.perf_counter() - t
                raise _Rollback
        except _Rollback:
            pass
        summary.install()
        return elapsed

    def approvals() -> None:
        made = actions.create_records_bulk(items(200), acting_user=None, source="demo", status="submitted")
        t = time.perf_counter()
        for rec in made:
            actions.approve_record(acting_user=None, record=rec)
        approvals.elapsed = time.perf_counter() - t  # type: ignore[attr-defined]

    results: dict[str, list[float]] = {"import on": [], "import off": [], "approve on": [], "approve off": []}
    for r in range(-1, args.rounds):  # round -1 warms up (first-use imports and caches), not recorded
        batch = items(args.records)
        for on in (True, False) if r % 2 == 0 else (False, True):  # alternate which goes first
            label = "on" if on else "off"
            if r < 0:
                timed(on, approvals)
                continue
            results[f"import {label}"].append(
                timed(
                    on,
                    lambda batch=batch: actions.create_records_bulk(
                        batch, acting_user=None, source="demo", status="approved"
                    ),
                )
                / args.records
            )
            timed(on, approvals)
            results[f"approve {label}"].append(approvals.elapsed / 200)  # type: ignore[attr-defined]
    print(f"database: {connection.vendor}; {args.records:,} records per import, {args.rounds} rounds")
    for key, values in results.items():
        print(f"{key:<12} median {statistics.median(values) * 1e6:8.0f} µs per record")
    for what in ("import", "approve"):
        on, off = statistics.median(results[f"{what} on"]), statistics.median(results[f"{what} off"])
        print(f"{what}: the triggers add {(on / off - 1) * 100:+.0f} % per record")
    with transaction.atomic():
        actions.create_records_bulk(items(500), acting_user=None, source="demo", status="approved")
    assert summary.verify() == [], "the summary differs from the figures"
    print(f"check: the summary equals the figures ({Record.objects.count():,} records)")


if __name__ == "__main__":
    main()
