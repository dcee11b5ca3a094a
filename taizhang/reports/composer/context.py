"""What one composition knows: scope, period, the phrase library, the figures already computed, the next figure id.

Every number goes through :meth:`Context.current` / :meth:`Context.previous` / :meth:`Context.by_unit`, which call
``ledger.figures.compute`` (cached per metric), and becomes a :class:`~taizhang.reports.document.Figure` through
:meth:`Context.figure`, which attaches the source (``reports.sources``)."""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.dashboard_periods import comparison_period
from taizhang.ledger.figures import BreakdownRow, FigureResult, compute
from taizhang.ledger.models import LineOfWork, MetricDefinition
from taizhang.org.models import Unit
from taizhang.reports import sources
from taizhang.reports.document import Figure


def _workers() -> int:
    """Threads for prefetching figures: TAIZHANG_SUMMARY_WORKERS (setting or environment), default up to 4."""
    raw = getattr(settings, "TAIZHANG_SUMMARY_WORKERS", 0)  # validated in settings.py (0 = by CPU count)
    return max(1, int(raw)) if raw else min(4, os.cpu_count() or 1)


Job = tuple[MetricDefinition, Period, Unit, Any]


def _run(jobs: list[Job]) -> list[FigureResult]:
    return run_parallel(jobs, lambda job: compute(job[0], period=job[1], unit=job[2], by=job[3]))


T = TypeVar("T")
R = TypeVar("R")


def run_parallel(jobs: list[T], func: Callable[[T], R]) -> list[R]:
    """func over jobs, in order. In a few threads, each keeping one database connection for its share of the jobs,
    when that is safe (not inside a transaction, whose data other connections cannot see, nor an in-memory
    database); else one after the other."""
    workers = _workers()
    if workers <= 1 or len(jobs) < 4 or connection.in_atomic_block or _in_memory():
        return [func(job) for job in jobs]

    def chunk(start: int) -> list[tuple[int, R]]:
        try:
            return [(i, func(job)) for i, job in enumerate(jobs) if i % workers == start]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(pair for part in pool.map(chunk, range(workers)) for pair in part)
    return [done[i] for i in range(len(jobs))]


def _in_memory() -> bool:
    name = str(connection.settings_dict.get("NAME") or "")
    return connection.vendor == "sqlite" and (name in ("", ":memory:") or "mode=memory" in name)


@dataclass
class ComposeOptions:
    """What the composer includes. The defaults give the full draft; the web form and the CLI can turn parts off."""

    comparisons: bool = True
    ranks: bool = True
    highlights: bool = True
    targets: bool = True
    issuer: str | None = None
    date: datetime.date | None = None
    polish: bool = False  # run the optional local polisher (composer.polish); numbers can never change
    # "Today", for 去年同期 of a period still running (the dashboard's rule: last year up to the same day);
    # None = the local date when composing. A finished period never depends on it.
    today: datetime.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparisons": self.comparisons, "ranks": self.ranks, "highlights": self.highlights,
            "targets": self.targets, "issuer": self.issuer, "date": self.date.isoformat() if self.date else None,
            "polish": self.polish, "today": self.today.isoformat() if self.today else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ComposeOptions:
        data = dict(data or {})
        day, today = data.get("date"), data.get("today")
        return cls(
            comparisons=bool(data.get("comparisons", True)), ranks=bool(data.get("ranks", True)),
            highlights=bool(data.get("highlights", True)), targets=bool(data.get("targets", True)),
            issuer=data.get("issuer") or None, date=datetime.date.fromisoformat(day) if day else None,
            polish=bool(data.get("polish", False)),
            today=datetime.date.fromisoformat(today) if today else None,
        )


@dataclass
class Context:
    unit: Unit
    period: Period
    library: dict[str, Any]
    options: ComposeOptions = field(default_factory=ComposeOptions)
    next_id: int = 0
    _current: dict[str, FigureResult] = field(default_factory=dict)
    _previous: dict[str, FigureResult] = field(default_factory=dict)
    _by_unit: dict[tuple[str, int], FigureResult] = field(default_factory=dict)
    metrics_by_line: dict[int, list[MetricDefinition]] = field(default_factory=dict)
    lines: list[LineOfWork] = field(default_factory=list)
    metrics: dict[str, MetricDefinition] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    targets_available: bool | None = None
    target_statuses: list[Any] | None = None  # composer.targets.statuses, computed once

    def __post_init__(self) -> None:
        # 去年同期 as the dashboard defines it (one definition across the product): the same period last year, or
        # for a period still running, last year from its start up to the same day (year to date).
        self.previous_period = comparison_period(self.period, self.options.today or timezone.localdate())
        self.lines = list(LineOfWork.objects.filter(is_active=True).order_by("sort_order", "key"))
        grouped: dict[int, list[MetricDefinition]] = defaultdict(list)
        for metric in MetricDefinition.objects.filter(is_active=True).select_related("line").order_by(
            "line__sort_order", "sort_order", "key"
        ):
            grouped[metric.line_id].append(metric)
            self.metrics[metric.key] = metric
        self.metrics_by_line = dict(grouped)

    # ---- words ------------------------------------------------------------------------------------------------
    @property
    def is_root(self) -> bool:
        return self.unit.parent_id is None

    @property
    def period_short(self) -> str:
        words = self.library.get("period_words", {})
        return str(words.get(self.period.kind) or self.period.short_label)

    @property
    def area(self) -> str:
        """全区 / 全街道 / 全镇: where "位居…前列" is said; empty for units that have no such word."""
        return str(self.library.get("area", {}).get("root" if self.is_root else self.unit.kind, ""))

    def words(self) -> dict[str, str]:
        """Placeholders every template may use."""
        next_year = self.period.end.year + 1
        kind = self.period.kind
        next_period = {"year": f"{next_year}年", "half": "下半年" if self.period.start.month == 1 else "下一阶段"}.get(
            kind, "下一阶段"
        )
        leaders = self.library.get("leaders", {})
        return {
            "period": self.period.label,
            "period_short": self.period_short,
            "unit": self.unit.name,
            "subject": self.unit.name,
            "leaders": str(leaders.get(self.unit.kind) or leaders.get("default", "")),
            "area": self.area,
            "next_year": str(next_year),
            "next_period": next_period,
        }

    # ---- figures -----------------------------------------------------------------------------------------------
    def new_id(self) -> str:
        self.next_id += 1
        return f"f{self.next_id}"

    def current(self, metric: MetricDefinition) -> FigureResult:
        if metric.key not in self._current:
            self._current[metric.key] = compute(metric, period=self.period, unit=self.unit)
        return self._current[metric.key]

    def previous(self, metric: MetricDefinition) -> FigureResult:
        if metric.key not in self._previous:
            self._previous[metric.key] = compute(metric, period=self.previous_period, unit=self.unit)
        return self._previous[metric.key]

    def prefetch(self, metrics: list[MetricDefinition], *, previous: bool = False, by_unit: Unit | None = None) -> None:
        """Compute many metrics at once (this period, the same period last year, or broken down by the children of
        `by_unit`): in a few threads, each with its own database connection, when the database allows it and no
        transaction is open; else one after the other. The values are the same either way."""
        if by_unit is not None:
            parent = by_unit
            todo = [m for m in dict.fromkeys(metrics) if (m.key, parent.pk) not in self._by_unit]
            jobs: list[Job] = [(m, self.period, parent, "unit") for m in todo]
        else:
            cache, period = (self._previous, self.previous_period) if previous else (self._current, self.period)
            todo = [m for m in dict.fromkeys(metrics) if m.key not in cache]
            jobs = [(m, period, self.unit, None) for m in todo]
        results = _run(jobs)
        for (metric, _period, parent, by), result in zip(jobs, results, strict=True):
            if by is not None:
                self._by_unit[(metric.key, parent.pk)] = result
                if parent.pk == self.unit.pk:  # the same value and records as the plain figure
                    self._current.setdefault(metric.key, result)
            else:
                cache[metric.key] = result

    def by_unit(self, metric: MetricDefinition, parent: Unit) -> FigureResult:
        key = (metric.key, parent.pk)
        if key not in self._by_unit:
            result = compute(metric, period=self.period, unit=parent, by="unit")
            self._by_unit[key] = result
            if parent.pk == self.unit.pk:
                self._current.setdefault(metric.key, result)
        return self._by_unit[key]

    def figure(self, result: FigureResult, display: dict[str, Any] | None = None) -> Figure:
        source = sources.ledger_source(result, display)
        return Figure(self.new_id(), sources.render(result.value, source["display"]), result.value, source)

    def row_figure(self, result: FigureResult, row: BreakdownRow, unit: Unit | None = None,
                   filters: dict[str, str] | None = None) -> Figure:
        """A figure for one breakdown row: the same value compute() gives for that unit or outlet level."""
        scoped = FigureResult(
            metric=result.metric, unit=unit if unit is not None else result.unit, period=result.period,
            value=row.value, records=list(row.records), filters={**result.filters, **(filters or {})},
            provider=result.provider, rows_url=result.rows_url,
        )
        return self.figure(scoped)

    def source_figure(self, value: Decimal, source: dict[str, Any]) -> Figure:
        return Figure(self.new_id(), sources.render(value, source.get("display")), value, source)
