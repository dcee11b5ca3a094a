"""Shared by the monthly summary's tests: a figure computed from the summary and from the covering index alone."""

from __future__ import annotations

from typing import Any

from taizhang.core.periods import parse_period
from taizhang.ledger import figures
from taizhang.ledger.figures import compute


def summary_and_index(metric: str, spec: str, **kw: Any) -> tuple[Any, Any]:
    """`compute(metric)` for the period `spec` twice: through the summary, then with `figures.USE_SUMMARY` off."""
    period = parse_period(spec)
    from_summary = compute(metric, period=period, **kw)
    figures.USE_SUMMARY = False
    try:
        from_index = compute(metric, period=period, **kw)
    finally:
        figures.USE_SUMMARY = True
    return from_summary, from_index
