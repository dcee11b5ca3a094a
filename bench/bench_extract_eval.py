"""Accuracy of reading real summaries: figures, metric, outlet level, change vs level, approximate values, slots.

    .venv/bin/python bench/bench_extract_eval.py [--errors]

Scores extract() and find_slots() on taizhang/reports/eval/dev.json (looked at while building) and heldout.json
(annotated first, not tuned on); see taizhang/reports/eval/README.md for how the set was built and labelled.
--errors lists every disagreement with the annotation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taizhang.reports.eval.score import PARTS, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    parser.add_argument("--part", choices=PARTS, action="append", help="only this part (repeatable)")
    args = parser.parse_args()
    results = {part: score(part) for part in args.part or PARTS}
    names = list(next(iter(results.values())).summary())
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{p:>10}" for p in results))
    for name in names:
        print(f"{name:{width}}  " + "  ".join(f"{r.summary()[name]!s:>10}" for r in results.values()))
    if args.errors:
        for part, counts in results.items():
            print(f"\n{part}:")
            for line in counts.errors:
                print("  " + line)


if __name__ == "__main__":
    main()
