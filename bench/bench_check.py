"""Benchmark: check-report on a 30-page document (every figure recomputed against a 1,000,000-record ledger).

Usage (run by hand, after bench_summary.py or bench_figures.py built the ledger):
    .venv/bin/python bench/bench_check.py                    # SQLite bench/var/figures.sqlite3
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_check.py
Options: --pages N (default 30), --period SPEC (default 2024), --repeat N (default 3).
The document is the district's annual summary followed by its streets' summaries (figures renumbered per part)
until it holds about N pages of text (22 lines × 28 characters a page). Prints the time to read and check it
with recomputation (cold, then warm p50) and without (provenance and edits only).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _setup import setup_django

CHARS_PER_PAGE = 22 * 28


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--period", default="2024")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django("figures.sqlite3")
    from django.db import connection

    from taizhang.core.periods import parse_period
    from taizhang.ledger.models import Record
    from taizhang.org.models import Unit
    from taizhang.reports.checker import check_docx
    from taizhang.reports.composer import compose
    from taizhang.reports.document import Document, Figure, Paragraph
    from taizhang.reports.docwriter import write_docx

    if Record.objects.count() == 0:
        raise SystemExit("empty ledger: run bench/bench_summary.py (or bench_figures.py) first")
    period = parse_period(args.period)
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    assert root is not None
    scopes = [root, *Unit.objects.filter(parent=root).order_by("sort_order", "code")]
    blocks: list[Paragraph] = []
    started = time.perf_counter()
    for part, unit in enumerate(scopes):
        doc = compose(unit, period).document
        renamed: dict[str, Figure] = {}
        for block in doc.blocks:
            assert isinstance(block, Paragraph)
            runs = []
            for run in block.runs:
                if isinstance(run, Figure):
                    run = renamed.setdefault(run.id, Figure(f"p{part}_{run.id}", run.text, run.value, run.source))
                runs.append(run)
            blocks.append(Paragraph(block.style, runs))
        if sum(len(b.text) for b in blocks) >= args.pages * CHARS_PER_PAGE:
            break
    title = f"{period.label}{root.name}及各单位工作总结汇编"
    big = Document(title=title, blocks=list(blocks), issuer=root.name, date=period.end)
    chars = sum(len(b.text) for b in blocks)
    figures = len(list(big.figures()))
    print(f"database: {connection.vendor}; records: {Record.objects.count():,}")
    print(f"document: {len(blocks)} paragraphs, {chars:,} characters (~{chars / CHARS_PER_PAGE:.0f} pages), "
          f"{figures} figures; composed in {time.perf_counter() - started:.1f} s")
    from taizhang.reports import sources

    calls = {"n": 0}
    real = sources._compute_key

    def counting(key: sources.ComputeKey) -> object:
        calls["n"] += 1
        return real(key)

    sources._compute_key = counting  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.docx"
        write_docx(big, path)
        samples = []
        for run in range(args.repeat + 1):
            calls["n"] = 0
            started = time.perf_counter()
            report = check_docx(path)
            elapsed = time.perf_counter() - started
            print(f"check-report {'cold' if run == 0 else f'warm {run}':<7} {elapsed:6.2f} s  ok={report.ok} "
                  f"figures={report.figures} verified={report.verified} numbers without source={report.numbers} "
                  f"compute() calls={calls['n']}")
            if run:
                samples.append(elapsed)
        started = time.perf_counter()
        report = check_docx(path, recompute=False)
        print(f"check-report p50 {statistics.median(samples):.2f} s; without recomputing "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
