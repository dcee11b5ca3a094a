"""Targets (目标任务) of the summary's unit: completion written among the achievements when on track, and each
target that falls short offered under 存在的问题 with its figures.

The actual comes from ``targets.progress`` (which calls ``compute``); every figure is of kind "target", recomputed
by ``taizhang.targets.provenance.recompute_figure`` (source: kind "target", ``field`` completion / allocation /
actual / expected, target key, year, unit code, period), so ``check-report`` verifies it like any other figure.

Which targets: those of the period's year that the unit owns (下达单位) or has an allocation of (分解目标), for the
unit itself, never a child's. When: a period that starts on 1 January (年度, 上半年, 前三季度, a month of January …):
completion is of the annual target from 1 January to the day it is judged at (``as_of``): the period's end, or
today for a period still running. What counts as short: below 序时进度 at that day (``progress.expected_percent``:
days elapsed, or the target's monthly plan), which is 100% once the year is over. A finished year says so
(“仅完成年度目标任务的62%（目标200场，已完成124场），未完成全年任务”); before the year is over the sentence
says the day and the schedule (“截至6月30日，…完成年度目标任务的30%（…），低于49.6%的序时进度”). Shortfalls are
ordered by how far below schedule they are, at most ``targets.max`` (5); none when every target is on track.
Everything is skipped when the targets app or its tables are not there yet.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.models import LineOfWork
from taizhang.reports import sources
from taizhang.reports.composer import phrases
from taizhang.reports.composer.context import Context
from taizhang.reports.composer.problems import Candidate
from taizhang.reports.document import Figure, Run


def _available() -> bool:
    try:
        from taizhang.targets.models import Allocation, Target
    except ImportError:
        return False
    tables = set(connection.introspection.table_names())
    return Target._meta.db_table in tables and Allocation._meta.db_table in tables


@dataclass
class TargetStatus:
    """One target of the unit judged at `period.end` (the target year from 1 January)."""

    target: Any
    period: Period
    target_value: Decimal
    actual: Any  # targets.progress.Actual
    completion: Decimal  # percent, one decimal place
    expected: Decimal  # 序时进度 at period.end, percent

    @property
    def year_over(self) -> bool:
        return self.period.end >= datetime.date(self.target.year, 12, 31)

    @property
    def short(self) -> bool:
        return self.completion < self.expected

    @property
    def gap(self) -> Decimal:
        """Percentage points below schedule (below 100% once the year is over)."""
        return self.expected - self.completion


def target_source(target: Any, unit: Any, period: Any, actual: Any, target_value: Decimal,
                  completion: Decimal) -> dict[str, Any]:
    """The completion figure's source (the shape taizhang.targets.provenance.recompute_figure reads)."""
    return field_source(target, unit, period, "completion", completion, f"{target.name}完成率", "%",
                        records=list(actual.records), actual=actual.value, target_value=target_value)


def field_source(target: Any, unit: Any, period: Any, field: str, value: Decimal, label: str, measure_word: str,
                 *, records: list[int] | None = None, actual: Decimal | None = None,
                 target_value: Decimal | None = None) -> dict[str, Any]:
    """A target figure's source: `field` is completion (percent), allocation (the unit's annual target), actual
    (done from 1 January to the period's end) or expected (序时进度 at the period's end, percent)."""
    source: dict[str, Any] = {
        "kind": "target",
        "field": field,
        "target": target.key,
        "target_id": target.pk,
        "year": target.year,
        "metric": target.metric.key,
        "label": label,
        "unit": unit.code,
        "unit_name": unit.name,
        "period": sources.period_dict(period.start, period.end),
        "value": str(value),
        "records": list(records or []),
        "display": {"format": "number", "measure_word": measure_word},
    }
    if actual is not None:
        source["actual"] = str(actual)
    if target_value is not None:
        source["target_value"] = str(target_value)
    return source


def as_of(ctx: Context) -> datetime.date | None:
    """The day the unit's targets are judged at: the period's end, or today while the period is running (never
    after 31 December of the period's year); None when targets are not written (option off, a period that does
    not start on 1 January, or one that has not started)."""
    start = ctx.period.start
    if not ctx.options.targets or (start.month, start.day) != (1, 1):
        return None
    today = ctx.options.today or timezone.localdate()
    if today < start:
        return None
    return min(ctx.period.end, today, datetime.date(start.year, 12, 31))


def statuses(ctx: Context) -> list[TargetStatus]:
    """Every target of the period's year the unit owns or has an allocation of, judged at ``as_of`` (computed
    once per composition)."""
    if ctx.target_statuses is not None:
        return ctx.target_statuses
    ctx.target_statuses = []
    day = as_of(ctx)
    if day is None:
        return ctx.target_statuses
    if ctx.targets_available is None:
        ctx.targets_available = _available()
    if not ctx.targets_available:
        return ctx.target_statuses
    from taizhang.targets import progress
    from taizhang.targets.models import Allocation, Target

    year = ctx.period.start.year
    period = progress.year_period(year, day)
    allocated = dict(Allocation.objects.filter(target__year=year, unit=ctx.unit).values_list("target_id", "value"))
    targets = Target.objects.filter(year=year).select_related("metric", "metric__line", "owner", "activity_type")
    for target in targets.order_by("sort_order", "key"):
        if target.owner_id == ctx.unit.pk:
            target_value = target.value
        elif target.pk in allocated:
            target_value = allocated[target.pk]
        else:
            continue
        actual = progress.actual(target, period, ctx.unit)
        completion = progress.percent(actual.value, target_value)
        if completion is None:  # a target of 0: nothing to complete
            continue
        ctx.target_statuses.append(TargetStatus(target, period, target_value, actual, completion,
                                                progress.expected_percent(target, period.end)))
    return ctx.target_statuses


def _templates(ctx: Context) -> dict[str, Any]:
    """The library's ``targets`` wording; a key a staff edit lacks (an edit made before it existed) is shipped."""
    return {**phrases.default_library().get("targets", {}), **(ctx.library.get("targets", {}) or {})}


def _completion(ctx: Context, status: TargetStatus) -> Figure:
    return ctx.source_figure(status.completion, target_source(status.target, ctx.unit, status.period, status.actual,
                                                              status.target_value, status.completion))


def line_targets(ctx: Context, line: LineOfWork) -> list[list[Run]]:
    """The sentences of the line's targets that are on track (“理论宣讲完成年度目标任务的120%。”)."""
    template = str(_templates(ctx).get("done", ""))
    out: list[list[Run]] = []
    for status in statuses(ctx):
        if status.target.metric.line_id != line.pk or status.short:
            continue
        runs = phrases.fill(template, {**ctx.words(), "target": status.target.name,
                                       "completion": _completion(ctx, status)})
        if runs:
            out.append(runs)
    return out


def shortfalls(ctx: Context) -> list[Candidate]:
    """Candidate problems: the unit's targets below schedule, furthest below first, at most ``targets.max``."""
    templates = _templates(ctx)
    short = sorted((s for s in statuses(ctx) if s.short), key=lambda s: (-s.gap, s.target.sort_order, s.target.key))
    out: list[Candidate] = []
    for status in short[: int(templates.get("max", 5))]:
        template = str(templates.get("short" if status.year_over else "lagging", ""))
        runs = phrases.fill(template, _shortfall_values(ctx, status, set(phrases.placeholders(template))))
        if not runs:
            continue
        out.append(Candidate(f"target:{status.target.key}", "target", status.target.metric.line.key, runs,
                             severity=status.gap.quantize(Decimal("0.1"))))
    return out


def _shortfall_values(ctx: Context, status: TargetStatus, wanted: set[str]) -> dict[str, phrases.Value]:
    """The words and figures a shortfall's sentence names (only those: each figure takes an id)."""
    target, unit, period = status.target, ctx.unit, status.period
    measure_word = target.metric.measure_word
    values: dict[str, phrases.Value] = {**ctx.words(), "target": target.name,
                                        "as_of": f"{period.end.month}月{period.end.day}日"}
    if "completion" in wanted:
        values["completion"] = _completion(ctx, status)
    if "target_value" in wanted:
        values["target_value"] = ctx.source_figure(status.target_value, field_source(
            target, unit, period, "allocation", status.target_value, f"{target.name}年度目标", measure_word))
    if "actual" in wanted:
        values["actual"] = ctx.source_figure(status.actual.value, field_source(
            target, unit, period, "actual", status.actual.value, f"{target.name}已完成", measure_word,
            records=list(status.actual.records)))
    if "expected" in wanted:
        values["expected"] = ctx.source_figure(status.expected, field_source(
            target, unit, period, "expected", status.expected, f"{target.name}序时进度", "%"))
    return values
