"""Figures for leaders: intake by channel and category; the six metrics per category, channel, street, handling
unit and month. Every number comes from the providers (citizen/providers.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from taizhang.core.periods import Period, month_periods
from taizhang.ledger.providers import PROVIDERS, FigureQuery
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

from .models import Category, Report
from .providers import METRICS

KEYS = [m[0] for m in METRICS]


def default_period_spec(today: datetime.date | None = None) -> str:
    """The last complete month (the bulletin's month)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last_month = first - datetime.timedelta(days=1)
    return f"{last_month:%Y-%m}"


def value(metric: str, period: Period, unit_ids: list[int] | None = None, **filters: Any) -> tuple[Decimal, list[int]]:
    provided = PROVIDERS[metric].compute(FigureQuery(period=period, unit_ids=unit_ids, filters=filters))
    return provided.value, provided.ids


@dataclass
class Row:
    label: str
    values: list[str] = field(default_factory=list)


@dataclass
class Table:
    title: str
    rows: list[Row]


def _fmt(metric: str, v: Decimal) -> str:
    word = PROVIDERS[metric].measure_word
    text = str(int(v)) if v == v.to_integral_value() else f"{v.normalize():f}"
    return f"{text}{word}"


def _row(label: str, period: Period, unit_ids: list[int] | None, **filters: Any) -> Row:
    return Row(label, [_fmt(k, value(k, period, unit_ids, **filters)[0]) for k in KEYS])


def subtree(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def scope_ids(user: Any) -> list[int] | None:
    if user is None:
        return None
    ids = set(unit_ids_for(user, Cap.VIEW))
    if set(Unit.objects.values_list("id", flat=True)) <= ids:
        return None
    return sorted(ids)


def summary(period: Period, *, user: Any = None) -> dict[str, Any]:
    ids = scope_ids(user)
    header = [PROVIDERS[k].name.removeprefix("随手拍") for k in KEYS]
    tables = [Table("合计", [_row("全部", period, ids)])]
    tables.append(Table("按类别", [_row(c.name, period, ids, category=c.key) for c in Category.objects.all()]))
    tables.append(Table("按渠道", [_row(label, period, ids, channel=key) for key, label in Report.Channel.choices]))
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    streets = list(Unit.objects.filter(parent=root).order_by("sort_order", "code")) if root else []
    rows = []
    for street in streets:
        sub = subtree(street)
        if ids is not None:
            sub = [i for i in sub if i in ids]
            if not sub:
                continue
        rows.append(_row(street.name, period, sub))
    tables.append(Table("按街道（问题所在片区）", rows))
    unit_ids = (Report.objects.filter(submitted_at__date__range=(period.start, period.end), unit__isnull=False)
                .values_list("unit_id", flat=True).distinct())
    units = Unit.objects.filter(pk__in=list(unit_ids)).order_by("path")
    tables.append(Table("按责任单位", [_row(u.name, period, [u.pk], unit_field="unit") for u in units
                                     if ids is None or u.pk in ids]))
    if period.kind != "month" and (period.end - period.start).days > 40:
        tables.append(Table("按月", [_row(m.short_label, m, ids) for m in month_periods(period)]))
    return {"header": header, "tables": tables}
