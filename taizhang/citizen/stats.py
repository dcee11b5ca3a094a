"""Figures for leaders: intake by channel and category; the six metrics per category, channel, street, handling
unit and month. Every number comes from the providers (citizen/providers.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from taizhang.core.periods import Period, month_periods
from taizhang.ledger.dashboard_prefetch import asking
from taizhang.ledger.figures import SubTrees
from taizhang.ledger.providers import PROVIDERS, FigureQuery, memo
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

from .models import AREA_KINDS, Category, Report
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


NOTHING = "—"  # a rate (or a mean) over no reports: nothing to divide, not 0%


def _fmt(metric: str, v: Decimal, count: int | None = None) -> str:
    """The figure as shown; `count` is how many rows are behind it (the rate's denominator): a rate over none
    is "—"."""
    provider = PROVIDERS[metric]
    if provider.is_rate and not count:
        return NOTHING
    text = str(int(v)) if v == v.to_integral_value() else f"{v.normalize():f}"
    return f"{text}{provider.measure_word}"


def _row(label: str, period: Period, unit_ids: list[int] | None, **filters: Any) -> Row:
    """The row's figures (their values: the ids behind them are not listed)."""
    query = FigureQuery(period=period, unit_ids=unit_ids, filters=filters)
    values = []
    for k in KEYS:
        got = PROVIDERS[k].compute(query)
        values.append(_fmt(k, got.value, got.count))
    return Row(label, values)


def subtree(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def scope_ids(user: Any) -> list[int] | None:
    if user is None:
        return None
    ids = set(unit_ids_for(user, Cap.VIEW))
    if set(Unit.objects.values_list("id", flat=True)) <= ids:
        return None
    return sorted(ids)


def _grouped_rows(
    labelled: list[tuple[str, str]], period: Period, unit_ids: list[int] | None, groups: dict[int, str], **filters: Any
) -> list[Row]:
    """One row per (label, group key): each figure for every group at once (`Provider.grouped`, one GROUP BY unit
    shared by the figures), the same values as `_row` of each group's units. `groups`: unit id → group key."""
    query = FigureQuery(period=period, unit_ids=unit_ids, filters=filters)
    values: dict[str, dict[str, tuple[Decimal, int]]] = {}
    for k in KEYS:
        provider = PROVIDERS[k]
        if provider.grouped is not None:
            answered = provider.grouped(query, groups) if groups else {}
            values[k] = {key: (got.value, got.count) for key, got in answered.items()}
        else:  # one call per group (a provider without a grouped answer)
            members: dict[str, list[int]] = {}
            for uid, key in groups.items():
                members.setdefault(key, []).append(uid)
            values[k] = {}
            for key, ids in members.items():
                got = provider.compute(FigureQuery(period=period, unit_ids=ids, filters=filters))
                values[k][key] = (got.value, got.count)
    return [Row(label, [_fmt(k, *values[k].get(key, (Decimal(0), 0))) for k in KEYS]) for label, key in labelled]


def summary(period: Period, *, user: Any = None) -> dict[str, Any]:
    """The page's tables. Within one `providers.memo()`: the figures of a row share one aggregate; the rows by
    street and by handling unit come from one GROUP BY each, the months from one query (`asking`), so the number
    of queries does not depend on the number of units (docs/scale.md)."""
    with memo():
        return _summary(period, user)


def _summary(period: Period, user: Any) -> dict[str, Any]:
    ids = scope_ids(user)
    allowed = None if ids is None else set(ids)
    header = [PROVIDERS[k].name.removeprefix("随手拍") for k in KEYS]
    tables = [Table("合计", [_row("全部", period, ids)])]
    tables.append(Table("按类别", [_row(c.name, period, ids, category=c.key) for c in Category.objects.all()]))
    tables.append(Table("按渠道", [_row(label, period, ids, channel=key) for key, label in Report.Channel.choices]))
    # by street (the report's area): the unit tree read once, each unit mapped to the street it rolls up to
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    tree = SubTrees.of(root) if root else None
    streets: list[tuple[str, str]] = []
    groups: dict[int, str] = {}
    for street in tree.children if tree else []:
        if street.kind not in AREA_KINDS:  # a department's sections, bureaus: handling units, not areas
            continue
        sub = [i for i in tree.members[street.pk] if allowed is None or i in allowed] if tree else []
        if allowed is not None and not sub:
            continue
        streets.append((street.name, str(street.pk)))
        groups.update(dict.fromkeys(sub, str(street.pk)))
    tables.append(Table("按街道（问题所在片区）", _grouped_rows(streets, period, ids, groups)))
    # by handling unit: the units handling reports received in the period
    handling = (Report.objects.filter(submitted_at__date__range=(period.start, period.end), unit__isnull=False)
                .order_by().values("unit_id"))
    units = [u for u in Unit.objects.filter(pk__in=handling).order_by("path") if allowed is None or u.pk in allowed]
    tables.append(Table("按责任单位", _grouped_rows([(u.name, str(u.pk)) for u in units], period, ids,
                                                   {u.pk: str(u.pk) for u in units}, unit_field="unit")))
    if period.kind != "month" and (period.end - period.start).days > 40:
        months = month_periods(period)
        with asking(*months):  # every month's figures in one query
            tables.append(Table("按月", [_row(m.short_label, m, ids) for m in months]))
    return {"header": header, "tables": tables}
