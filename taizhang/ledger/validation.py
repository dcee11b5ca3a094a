"""Validating a record's figures against its activity type's metric definitions, and its title and dates
(Chinese messages shared by the form, the Excel import and the API)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from taizhang.ledger.models import ActivityType, ActivityTypeMetric, MetricDefinition

TITLE_MAX = 200
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


def title_problem(title: str) -> str | None:
    """A title longer than the column is refused (never cut silently)."""
    if len(title) > TITLE_MAX:
        return f"标题过长：最多 {TITLE_MAX} 字（现为 {len(title)} 字）"
    return None


def future_date_problem(day: datetime.date, today: datetime.date) -> str | None:
    """A record is what was done: a date after today is refused."""
    if day > today:
        return f"日期 {day.year}年{day.month}月{day.day}日 晚于今天，不能填报尚未开展的活动，请检查年份和月份"
    return None


def impossible_date(raw: Any) -> str | None:
    """"2025-02-30" (well formed, but no such day) → "日期不存在：2025-02-30"; None for anything else."""
    if not isinstance(raw, str):
        return None
    m = _ISO_DATE.match(raw)
    if not m:
        return None
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return f"日期不存在：{raw.strip()}"
    return None


def parse_decimal(raw: Any) -> Decimal | None:
    """A figure from a form, a cell or JSON: number, numeric string (commas, full-width digits), or empty."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError("不是数字")
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = str(raw).strip()
    if not text:
        return None
    import unicodedata

    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("不是数字") from exc
    if not value.is_finite():
        raise ValueError("不是数字")
    return value


def type_metrics(activity_type: ActivityType) -> list[ActivityTypeMetric]:
    cached = getattr(activity_type, "_tz_type_metrics", None)
    if cached is None:
        cached = list(activity_type.type_metrics.select_related("metric").order_by("sort_order", "id"))
        activity_type._tz_type_metrics = cached  # type: ignore[attr-defined]
    return list(cached)


def clean_figures(
    activity_type: ActivityType, raw: Mapping[str, Any], *, require_all: bool
) -> tuple[dict[MetricDefinition, Decimal], dict[str, list[str]]]:
    """Validate raw figures (metric key → value). Returns (clean values, errors by metric key).

    Missing required figures are errors only when `require_all` (at submission); drafts may be incomplete.
    Defaults (e.g. 1 场 for an event) fill in when a figure is left empty.
    """
    links = type_metrics(activity_type)
    allowed = {link.metric.key: link for link in links}
    errors: dict[str, list[str]] = {}
    clean: dict[MetricDefinition, Decimal] = {}
    for key in raw:
        if key not in allowed:
            errors.setdefault(key, []).append(f"活动类型“{activity_type.name}”没有指标“{key}”")
    for key, link in allowed.items():
        metric = link.metric
        try:
            value = parse_decimal(raw.get(key))
        except ValueError:
            errors.setdefault(key, []).append(f"“{metric.name}”应填写数字，收到的是“{raw.get(key)}”")
            continue
        if value is None:
            value = link.default
        if value is None:
            if link.required and require_all:
                errors.setdefault(key, []).append(f"“{metric.name}”为必填项")
            continue
        problem = metric.validate_value(value)
        if problem:
            errors.setdefault(key, []).append(problem)
            continue
        clean[metric] = plain(value)
    return clean, errors


def plain(value: Decimal) -> Decimal:
    """1.0000 → 1, 12.50 → 12.5 (never exponent notation)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return Decimal(format(value.normalize(), "f"))


# ---- checks between figures and bounds by unit kind (data: models.rules, defaults/rules.json) --------------------
class FigureChecks:
    """The active relation rules and bounds, loaded once (an import validating many rows passes one instance)."""

    def __init__(self) -> None:
        from taizhang.ledger.models import FigureBound, FigureRule

        self.rules = list(FigureRule.objects.filter(is_active=True).select_related("left", "right"))
        self.bounds = list(FigureBound.objects.filter(is_active=True).select_related("metric"))

    def problems(self, activity_type: ActivityType, clean: Mapping[MetricDefinition, Decimal],
                 unit_kind: str | None) -> dict[str, list[str]]:
        """Errors by metric key: a relation between two figures of the record broken, or a figure above the
        bound for the reporting unit's kind."""
        values = {m.key: v for m, v in clean.items()}
        errors: dict[str, list[str]] = {}
        for rule in self.rules:
            if rule.activity_type_id is not None and rule.activity_type_id != activity_type.pk:
                continue
            left, right = values.get(rule.left.key), values.get(rule.right.key)
            if left is None or right is None or rule.holds(left, right):
                continue
            text = rule.message or f"应满足：{rule.describe()}"
            errors.setdefault(rule.left.key, []).append(
                f"{text}（{rule.left.name} {plain(left)}，{rule.right.name} {plain(right)}）")
        if unit_kind:
            for bound in self.bounds:
                if unit_kind not in bound.unit_kinds:
                    continue
                if bound.activity_type_id is not None and bound.activity_type_id != activity_type.pk:
                    continue
                value = values.get(bound.metric.key)
                if value is not None and value > bound.max_value:
                    text = bound.message or (
                        f"“{bound.metric.name}”超出该层级单位单条记录的上限 {plain(bound.max_value)}")
                    errors.setdefault(bound.metric.key, []).append(
                        f"{text}，现为 {plain(value)}{bound.metric.measure_word}；如确属实，请联系宣传部调整上限")
        return errors


def check_figures(activity_type: ActivityType, clean: Mapping[MetricDefinition, Decimal], unit: Any,
                  checks: FigureChecks | None = None) -> dict[str, list[str]]:
    """`FigureChecks.problems` for one record of `unit` (loads the checks when none are given)."""
    return (checks or FigureChecks()).problems(activity_type, clean, getattr(unit, "kind", None))
