"""Figures far above the unit's own history, flagged to the reviewer when a record is submitted (never refused:
a large event does happen). Hard limits are `models.rules` (checked in `validation`); this is the soft check.

A figure is flagged when the unit has at least `MIN_HISTORY` approved records of the same activity type with that
metric in the three years before, and the figure exceeds both five times their median and three times their 90th
percentile (and the median by at least `MIN_GAP`, so 3 against a history of 1s is not news).
"""

from __future__ import annotations

import datetime
import statistics
from decimal import Decimal
from typing import Any

from taizhang.ledger.models import MetricDefinition, Record, RecordFigure
from taizhang.ledger.validation import plain

MIN_HISTORY = 5
MIN_GAP = Decimal(10)
HISTORY_DAYS = 3 * 366
HISTORY_LIMIT = 500


def _percentile(values: list[Decimal], q: float) -> Decimal:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def outlier_flags(record: Record) -> list[dict[str, Any]]:
    """Flags (JSON-ready dicts with a Chinese `message`) for the record's figures against the unit's history."""
    flags: list[dict[str, Any]] = []
    since = record.start_date - datetime.timedelta(days=HISTORY_DAYS)
    figures = RecordFigure.objects.filter(record=record).select_related("metric")
    for figure in figures:
        metric = figure.metric
        if metric.kind == MetricDefinition.Kind.PERCENT:
            continue
        history = list(
            RecordFigure.objects.filter(
                unit_id=record.unit_id, metric_id=metric.pk, effective=True,
                record__activity_type_id=record.activity_type_id, date__gte=since, date__lte=record.start_date,
            ).exclude(record_id=record.pk).order_by("-date").values_list("value", flat=True)[:HISTORY_LIMIT]
        )
        if len(history) < MIN_HISTORY:
            continue
        median = Decimal(statistics.median(history))
        p90 = _percentile(history, 0.9)
        value = figure.value
        if value > median * 5 and value > p90 * 3 and value - median >= MIN_GAP:
            flags.append({
                "metric": metric.key,
                "value": str(plain(value)),
                "median": str(plain(median.quantize(Decimal("0.1")))),
                "p90": str(plain(p90)),
                "history": len(history),
                "message": (f"“{metric.name}”为 {plain(value)}{metric.measure_word}，明显高于本单位以往"
                            f"{len(history)}条同类记录（中位数 {plain(median.quantize(Decimal('0.1')))}，"
                            f"九成不超过 {plain(p90)}），请核实"),
            })
    return flags
