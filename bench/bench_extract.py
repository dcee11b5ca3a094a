"""Speed of reading figures and slots out of a long work summary.

    .venv/bin/python bench/bench_extract.py [--repeat 5] [--times 20] [--aliases] [--code DIR] [--source eval]

The text is the seed summaries (seeds/*.txt, found through $TAIZHANG_SHARED, /work/shared or
../shared) concatenated --times times (about 310,000 characters at 20). Prints characters and figures
per second for extract(), slots per second for find_slots(), and the time for one 30-page summary
(20,000 characters). --aliases also maps each figure to a metric (the shipped taxonomy), as the import page
does; --code DIR times the taizhang package found in DIR (an older commit exported with git archive); --source eval
times the sentences of the evaluation set's development parts instead (reports/eval: dev, heldout, heldout2), a text
dense with figures (the seeds hide theirs)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sized
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seeds_text() -> str:
    candidates = [Path(os.environ["TAIZHANG_SHARED"])] if os.environ.get("TAIZHANG_SHARED") else []
    candidates += [Path("/work/shared"), ROOT.parent / "shared"]
    for base in candidates:
        files = sorted((base / "seeds").glob("*.txt"))
        if files:
            return "\n".join(f.read_text(encoding="utf-8") for f in files)
    raise SystemExit("seeds not found: set TAIZHANG_SHARED to the folder holding seeds/")


def eval_text() -> str:
    parts = ("dev", "heldout", "heldout2")  # not heldout3: run once, by bench_extract_eval.py
    folder = ROOT / "taizhang" / "reports" / "eval"
    return "\n".join(
        item["text"] for part in parts for item in json.loads((folder / f"{part}.json").read_text("utf-8"))["items"]
    )


#: the best processor time of the last best_of(): steadier than the clock on a shared, loaded machine
LAST_CPU: list[float] = [0.0]


def best_of(repeat: int, run: Callable[[], Sized]) -> tuple[float, int]:
    times = []
    cpu = []
    count = 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        count = len(run())
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    LAST_CPU[0] = min(cpu)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--aliases", action="store_true", help="map metrics too (the shipped taxonomy)")
    parser.add_argument("--code", type=Path, help="folder holding an older taizhang package to time instead")
    parser.add_argument("--source", choices=("seeds", "eval"), default="seeds", help="the text to read")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code or ROOT))
    from taizhang.reports.extract import extract, load_metric_aliases
    from taizhang.reports.slots import find_slots

    aliases = load_metric_aliases() if args.aliases else None

    base = seeds_text() if args.source == "seeds" else eval_text()
    text = "\n".join([base] * args.times)
    page = (base * (20000 // len(base) + 1))[:20000]
    print(f"code: {sys.modules['taizhang.reports.extract'].__file__}; aliases: {bool(aliases)}")
    print(f"text: {args.source} x{args.times} = {len(text):,} characters; best of {args.repeat} runs")

    seconds, figures = best_of(args.repeat, lambda: extract(text, aliases))
    print(
        f"extract     {seconds:7.3f} s  {len(text) / seconds:12,.0f} chars/s  "
        f"{figures / seconds:10,.0f} figures/s  ({figures:,} figures; processor time {LAST_CPU[0]:.3f} s)"
    )
    seconds, slots = best_of(args.repeat, lambda: find_slots(text))
    print(
        f"find_slots  {seconds:7.3f} s  {len(text) / seconds:12,.0f} chars/s  "
        f"{slots / seconds:10,.0f} slots/s    ({slots:,} slots)"
    )
    page_times = [best_of(1, lambda: extract(page, aliases))[0] for _ in range(args.repeat)]
    slot_times = [best_of(1, lambda: find_slots(page))[0] for _ in range(args.repeat)]
    print(
        f"one 30-page summary (20,000 chars): extract {statistics.median(page_times) * 1000:.1f} ms, "
        f"find_slots {statistics.median(slot_times) * 1000:.1f} ms (median)"
    )


if __name__ == "__main__":
    main()
