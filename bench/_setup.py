"""Shared set-up for benchmarks: Django against DATABASE_URL (default: a SQLite file under bench/var/)."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(default_sqlite: str) -> None:
    os.environ.setdefault("TAIZHANG_DATA_DIR", str(ROOT / "bench" / "var"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'var' / default_sqlite}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
    import django

    django.setup()


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {ordered[-1]:7.1f} ms  (n={len(ordered)})"
