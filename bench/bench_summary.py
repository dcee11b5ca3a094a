"""Benchmark: compose the annual district summary from a 1,000,000-record ledger (goal: under 3 s).

Usage (run by hand):
    .venv/bin/python bench/bench_summary.py                  # SQLite bench/var/figures.sqlite3 (built if needed)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/bench_summary.py
Options: --period SPEC (default 2024), --unit CODE (default ROOT), --repeat N (default 3), --records N,
--units N, --rebuild (the ledger is built by bench_figures.build, 1M records over 500 units and 2023–2024).
Prints the time to compose (cold, then warm p50), the number of compute() calls and figures, the time to write the
.docx and the time to check it again (check-report with recomputation).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--period", default="2024")
    parser.add_argument("--unit", default="ROOT")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup_django("figures.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    from taizhang.core.periods import parse_period
    from taizhang.ledger.models import Record
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    if args.rebuild or Record.objects.count() < args.records:
        from bench_figures import build

        build(args.records, args.units)
    from taizhang.reports.checker import check_docx
    from taizhang.reports.composer import compose, context
    from taizhang.reports.docwriter import write_docx

    calls = {"n": 0}
    real_compute = context.compute

    def counting(*a: object, **k: object) -> object:
        calls["n"] += 1
        return real_compute(*a, **k)  # type: ignore[arg-type]

    context.compute = counting  # type: ignore[assignment]
    unit = Unit.objects.get(code=args.unit)
    period = parse_period(args.period)
    print(f"database: {connection.vendor}; records: {Record.objects.count():,}; scope {unit.name}; {period.label}")
    samples = []
    result = None
    for run in range(args.repeat + 1):
        calls["n"] = 0
        started = time.perf_counter()
        result = compose(unit, period)
        elapsed = time.perf_counter() - started
        label = "cold" if run == 0 else f"warm {run}"
        print(f"compose {label:<7} {elapsed:6.2f} s   compute() in the composer: {calls['n']}")
        if run:
            samples.append(elapsed)
    assert result is not None
    doc = result.document
    figures = list(doc.figures())
    records = sum(len(f.source.get("records") or []) for f in figures)
    print(f"compose p50 {statistics.median(samples):.2f} s over {len(samples)} warm runs; {len(figures)} figures "
          f"citing {records:,} record ids; {len(result.lines)} lines of work")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.docx"
        started = time.perf_counter()
        write_docx(doc, path)
        print(f"write .docx        {time.perf_counter() - started:6.2f} s   ({path.stat().st_size / 1e6:.1f} MB)")
        started = time.perf_counter()
        report = check_docx(path)
        print(f"check-report       {time.perf_counter() - started:6.2f} s   ok={report.ok} figures={report.figures}")


if __name__ == "__main__":
    main()
