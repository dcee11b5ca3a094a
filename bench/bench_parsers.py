"""Adversarial inputs of the largest accepted size (500,000 characters, the API's limit) through the summary
parsers: figure extraction, slot finding and the editor's unsourced-number check. Run by hand:

    .venv/bin/python bench/bench_parsers.py [--size 500000]

Prints seconds per parser and input; every one must stay linear (a few hundred ms at most), where the old
patterns took from seconds (8,000 × 共) to half a minute (100,000 digits).
"""

from __future__ import annotations

import argparse
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
django.setup()

from taizhang.reports.editing import unsourced_numbers
from taizhang.reports.extract import extract
from taizhang.reports.slots import find_slots


def inputs(size: int) -> dict[str, str]:
    return {
        "共 × n": "共" * size,
        "不少于 × n/3": "不少于" * (size // 3),
        "digits": "1" * size,
        "digits + letter": "1" * (size - 1) + "a",
        "==. × n/3": "==." * (size // 3),
        "= × n": "=" * size,
        "共1 × n/2": "共1" * (size // 2),
        "1余 × n/2": "1余" * (size // 2),
        "real sentence × k": ("全年累计开展宣讲活动1,200余场，覆盖群众3.5万人次。" * (size // 28))[:size],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=500_000)
    args = parser.parse_args()
    print(f"{'input':22} {'extract':>9} {'slots':>9} {'unsourced':>10}  (seconds, {args.size:,} characters)")
    for name, text in inputs(args.size).items():
        row = []
        for fn in (extract, find_slots, unsourced_numbers):
            start = time.perf_counter()
            fn(text)
            row.append(time.perf_counter() - start)
        print(f"{name:22} {row[0]:9.3f} {row[1]:9.3f} {row[2]:10.3f}")


if __name__ == "__main__":
    main()
