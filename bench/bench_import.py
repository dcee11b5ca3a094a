"""Benchmark: import of a 10,000-row xlsx (validation + commit) on SQLite. Goal: under 10 s.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--type theory_group_study] [--profile]

Uses a temporary database (taizhang.test_settings with a fresh data directory), migrates it, loads the shipped
taxonomy and a small unit tree, builds the file from the real template and times `importer.import_file`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATA_DIR = tempfile.mkdtemp(prefix="taizhang-bench-")
os.environ["TAIZHANG_DATA_DIR"] = DATA_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "taizhang.test_settings"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--type", default="theory_group_study")
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from taizhang.core.testing import make_tree, make_user
    from taizhang.ledger.excel.importer import import_file
    from taizhang.ledger.excel.testing import fill_template
    from taizhang.ledger.models import ActivityType, Record
    from taizhang.ledger.taxonomy import load_defaults

    call_command("migrate", verbosity=0)
    load_defaults()
    tree = make_tree()
    user = make_user("liaison", tree.district, username="bench")
    atype = ActivityType.objects.select_related("line").get(key=args.type)
    codes = ["SA", "SA1", "SA2", "SB", "SB1", "BE"]
    rows = [
        {
            "单位代码": codes[i % len(codes)],
            "日期": datetime.date(2024, 1 + i % 12, 1 + i % 28),
            "标题": f"第{i + 1}次{atype.name}",
            "内容简介": "围绕年度重点工作开展活动，参与对象为辖区干部群众。",
            "地点": "新时代文明实践站",
            **{f"metric:{link.metric.key}": 10 + i % 90 for link in atype.type_metrics.select_related("metric")},
        }
        for i in range(args.rows)
    ]
    t0 = time.perf_counter()
    data = fill_template(atype, rows, user=user)
    print(f"built {args.rows} rows of “{atype.name}” ({len(data) / 1024 / 1024:.1f} MB) in "
          f"{time.perf_counter() - t0:.1f} s (not timed)")

    marks: dict[str, float] = {}

    def progress(done: int, total: int, message: str) -> None:
        if message.startswith("校验通过"):
            marks["validated"] = time.perf_counter()
            marks["validated_cpu"] = time.process_time()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start, cpu_start = time.perf_counter(), time.process_time()
    outcome = import_file(data, filename="bench.xlsx", acting_user=user, progress=progress)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if not outcome.ok:
        print("import failed:", outcome.errors[:5])
        return 1
    validated = marks.get("validated", start)
    validated_cpu = marks.get("validated_cpu", cpu_start)
    print(f"validate: {validated - start:.2f} s (CPU {validated_cpu - cpu_start:.2f} s)   "
          f"commit: {end - validated:.2f} s (CPU {cpu_start + cpu - validated_cpu:.2f} s)")
    print(f"import of {args.rows} rows: {end - start:.2f} s  (CPU {cpu:.2f} s; {outcome.summary}; records in db: "
          f"{Record.objects.count()})")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"note: load average {load:.1f} on {os.cpu_count()} CPUs: the wall-clock figure is inflated")
    return 0 if end - start < 10 else 2


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
    sys.exit(code)
