"""Speed of reading figures and slots out of a long work summary.

    .venv/bin/python bench/bench_extract.py [--repeat 5] [--times 20]

The text is the seed summaries (seeds/*.txt, found through $TAIZHANG_SHARED, /work/shared or
../shared) concatenated --times times (about 310,000 characters at 20). Prints characters and figures
per second for extract(), slots per second for find_slots(), and the time for one 30-page summary
(20,000 characters)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sized
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taizhang.reports.extract import extract
from taizhang.reports.slots import find_slots


def seeds_text() -> str:
    candidates = [Path(os.environ["TAIZHANG_SHARED"])] if os.environ.get("TAIZHANG_SHARED") else []
    candidates += [Path("/work/shared"), ROOT.parent / "shared"]
    for base in candidates:
        files = sorted((base / "seeds").glob("*.txt"))
        if files:
            return "\n".join(f.read_text(encoding="utf-8") for f in files)
    raise SystemExit("seeds not found: set TAIZHANG_SHARED to the folder holding seeds/")


def best_of(repeat: int, run: Callable[[], Sized]) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = len(run())
        times.append(time.perf_counter() - started)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--times", type=int, default=20)
    args = parser.parse_args()

    base = seeds_text()
    text = "\n".join([base] * args.times)
    page = (base * (20000 // len(base) + 1))[:20000]
    print(f"text: seeds x{args.times} = {len(text):,} characters; best of {args.repeat} runs")

    seconds, figures = best_of(args.repeat, lambda: extract(text))
    print(
        f"extract     {seconds:7.3f} s  {len(text) / seconds:12,.0f} chars/s  "
        f"{figures / seconds:10,.0f} figures/s  ({figures:,} figures)"
    )
    seconds, slots = best_of(args.repeat, lambda: find_slots(text))
    print(
        f"find_slots  {seconds:7.3f} s  {len(text) / seconds:12,.0f} chars/s  "
        f"{slots / seconds:10,.0f} slots/s    ({slots:,} slots)"
    )
    page_times = [best_of(1, lambda: extract(page))[0] for _ in range(args.repeat)]
    slot_times = [best_of(1, lambda: find_slots(page))[0] for _ in range(args.repeat)]
    print(
        f"one 30-page summary (20,000 chars): extract {statistics.median(page_times) * 1000:.1f} ms, "
        f"find_slots {statistics.median(slot_times) * 1000:.1f} ms (median)"
    )


if __name__ == "__main__":
    main()
