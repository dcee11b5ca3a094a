"""Completion of targets (目标任务完成率), once the targets app has targets for the period's year.

The actual comes from ``targets.progress`` (which calls ``compute``); the figure is of kind "target", recomputed by
``taizhang.targets.provenance.recompute_figure`` (source: kind "target", field "completion", target key, year,
unit code, period). Everything is skipped when the targets app or its tables are not
there yet, or the period does not start on 1 January (completion is of the annual target, to date).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from taizhang.ledger.models import LineOfWork
from taizhang.reports import sources
from taizhang.reports.composer import phrases
from taizhang.reports.composer.context import Context
from taizhang.reports.composer.problems import Candidate
from taizhang.reports.document import Run


def _available() -> bool:
    try:
        from taizhang.targets.models import Allocation, Target
    except ImportError:
        return False
    tables = set(connection.introspection.table_names())
    return Target._meta.db_table in tables and Allocation._meta.db_table in tables


def target_source(target: Any, unit: Any, period: Any, actual: Any, target_value: Decimal,
                  completion: Decimal) -> dict[str, Any]:
    # The shape taizhang.targets.provenance.recompute_figure reads (its module docstring).
    return {
        "kind": "target",
        "field": "completion",
        "target": target.key,
        "target_id": target.pk,
        "year": target.year,
        "metric": target.metric.key,
        "label": f"{target.name}完成率",
        "unit": unit.code,
        "unit_name": unit.name,
        "period": sources.period_dict(period.start, period.end),
        "value": str(completion),
        "actual": str(actual.value),
        "target_value": str(target_value),
        "records": list(actual.records),
        "display": {"format": "number", "measure_word": "%"},
    }


def line_targets(ctx: Context, line: LineOfWork) -> tuple[list[list[Run]], list[Candidate]]:
    if not ctx.options.targets or (ctx.period.start.month, ctx.period.start.day) != (1, 1):
        return [], []
    if ctx.targets_available is None:
        ctx.targets_available = _available()
    if not ctx.targets_available:
        return [], []
    from taizhang.targets import progress
    from taizhang.targets.models import Allocation, Target

    year = ctx.period.start.year
    sentences: list[list[Run]] = []
    problems: list[Candidate] = []
    templates = ctx.library.get("targets", {})
    for target in Target.objects.filter(year=year, metric__line=line).select_related("metric", "owner",
                                                                                     "activity_type"):
        if target.owner_id == ctx.unit.pk:
            target_value = target.value
        else:
            allocation = Allocation.objects.filter(target=target, unit=ctx.unit).first()
            if allocation is None:
                continue
            target_value = allocation.value
        period = progress.year_period(year, min(ctx.period.end, datetime.date(year, 12, 31)))
        actual = progress.actual(target, period, ctx.unit)
        completion = progress.percent(actual.value, target_value)
        if completion is None:
            continue
        figure = ctx.source_figure(completion, target_source(target, ctx.unit, period, actual, target_value,
                                                             completion))
        expected = progress.expected_percent(target, period.end)
        behind = completion < expected
        runs = phrases.fill(str(templates.get("lagging" if behind else "done", "")),
                            {**ctx.words(), "target": target.name, "completion": figure})
        if runs is None:
            continue
        if behind:
            problems.append(Candidate(f"target:{target.key}", "target", line.key, runs,
                                      severity=(expected - completion).quantize(Decimal("0.1"))))
        else:
            sentences.append(runs)
    return sentences, problems
