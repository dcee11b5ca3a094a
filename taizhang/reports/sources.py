"""What a figure's ``source`` says, how its text is written from its value, and how it is recomputed.

Every figure a summary, a filled template, a bulletin or a brief writes carries a ``source`` dict. The summary
kinds are built here and recomputed here, so the composer, template fill and the checker agree on them:

- ``ledger``: ``compute(metric, period, unit, outlet_level=…, activity_type=…)`` — FigureResult.source() plus
  ``kind``, ``unit_name`` and ``display``. A source without ``kind`` but with ``metric`` is read the same way.
- ``change``: year-on-year change in percent, ``change_ratio(current, previous)`` of two ledger figures
  (``previous_period``); the text is the absolute value ("增长21%" / "下降5.3%": the sign is in the words).
- ``rank``: the unit's place among ``peers`` (sibling unit codes) by the metric, from
  ``compute(by="unit")`` on ``parent``; ``breakdown`` keeps each peer's value and record ids.
- ``record``: one figure of one approved record (the largest event, the most-read post): the record's
  current, effective figure.
- ``sum``: figures added up (``parts``: each a source of any kind, recomputed and added). No shipped composer
  writes one yet; it is the shape a computed total must take, so the checker can see what was added (a part and
  the total it is within must never both be: ``checker.part_issues``).
- other kinds (``target`` / ``assessment``, ``monitor``, and any an app adds): recomputed by the function
  registered for the kind (``register_recompute(kind, fn)``, a registry keyed by source kind). The shipped kinds
  are pre-registered by dotted path (``RECOMPUTE_PATHS``: resolved on first use, so no app imports another at
  start-up); a Django system check (``taizhang.reports.E001``) refuses to start when a kind a document can cite
  (``CITABLE_KINDS``, extended by ``declare_citable``) has no recompute function that imports.

``display`` says how the text is written from the value: ``{"format": "number", "measure_word": "场"}``
(format_number: 1.21万人次), ``{"format": "plain", "measure_word": "", "divisor": "10000"}`` (digits only, as a
template slot "X万人次" needs), ``{"format": "percent_abs"}``, ``{"format": "chinese"}`` (ranks: 第二) and
``{"format": "share"}`` (a fraction as a whole percent: 0.354 → 35%).
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taizhang.reports.numbers import chinese_numeral, format_number

LEDGER_KINDS = frozenset({"ledger", "change", "rank", "record", "sum"})

RecomputeFn = Callable[[dict[str, Any], dict[Any, Any]], Any]
"""fn(source, cache) → Decimal (or a number), a `Recomputed`, or None (cannot recompute); may raise TaizhangError.
`cache` is a dict shared by the figures of one check (e.g. a brief rebuilt once for all its figures)."""

RECOMPUTE_PATHS: dict[str, str] = {
    "target": "taizhang.targets.provenance:recompute_figure",
    "assessment": "taizhang.targets.provenance:recompute_figure",
    "monitor": "taizhang.monitor.brief:recompute_figure",
}
"""Kinds recomputed by another app, by dotted path ("module:function"; a one-argument function(source) is
accepted too). `register_recompute` replaces an entry."""

_RECOMPUTERS: dict[str, RecomputeFn] = {}
CITABLE_KINDS: set[str] = {*LEDGER_KINDS, *RECOMPUTE_PATHS}
"""Every source kind a document (summary, filled template, bulletin, brief) can cite: each needs a recompute
function (checked at start-up)."""


def register_recompute(kind: str, fn: RecomputeFn | str) -> None:
    """Register how figures of source `kind` are recomputed (call it in your AppConfig.ready())."""
    CITABLE_KINDS.add(kind)
    if isinstance(fn, str):
        RECOMPUTE_PATHS[kind] = fn
        _RECOMPUTERS.pop(kind, None)
    else:
        _RECOMPUTERS[kind] = fn


def declare_citable(kind: str) -> None:
    """Declare that documents may cite `kind` (the start-up check then requires a recompute function for it)."""
    CITABLE_KINDS.add(kind)


def recompute_function(kind: str) -> RecomputeFn | None:
    """The recompute function of `kind` (None for ledger kinds and unknown kinds); ImportError/AttributeError
    when a registered path does not resolve."""
    if kind in _RECOMPUTERS:
        return _RECOMPUTERS[kind]
    path = RECOMPUTE_PATHS.get(kind)
    if path is None:
        return None
    module_name, _, attr = path.partition(":")
    func = getattr(importlib.import_module(module_name), attr or "recompute_figure")
    if len(inspect.signature(func).parameters) >= 2:
        fn: RecomputeFn = func
    else:  # the older one-argument form, recompute_figure(source)

        def fn(source: dict[str, Any], cache: dict[Any, Any]) -> Any:
            return func(source)

    _RECOMPUTERS[kind] = fn
    return fn


def missing_recompute() -> dict[str, str]:
    """Citable kinds without a working recompute function: kind → why (what the system check reports)."""
    missing: dict[str, str] = {}
    for kind in sorted(CITABLE_KINDS - LEDGER_KINDS):
        try:
            if recompute_function(kind) is None:
                missing[kind] = "没有注册重新计算函数"
        except (ImportError, AttributeError) as exc:
            missing[kind] = f"{RECOMPUTE_PATHS.get(kind)} 无法导入：{exc}"
    return missing


@dataclass(frozen=True)
class Recomputed:
    """A fresh value for a source, or None with the reason it cannot be recomputed."""

    value: Decimal | None
    note: str = ""
    records: tuple[int, ...] | None = None


# ---- text from value ---------------------------------------------------------------------------------------------
def number_display(measure_word: str) -> dict[str, Any]:
    return {"format": "number", "measure_word": measure_word}


def render(value: Decimal, display: Mapping[str, Any] | None) -> str:
    """The figure's text for `value` as its `display` asks (see the module docstring)."""
    spec = dict(display or {})
    fmt = spec.get("format", "number")
    measure_word = str(spec.get("measure_word", ""))
    if fmt == "percent_abs":
        return format_number(abs(value), "%")
    if fmt == "chinese":
        return chinese_numeral(int(value)) + measure_word
    if fmt == "share":  # a fraction written as a whole percent (0.354 → 35%), as briefs write shares
        return f"{value:.0%}"
    divisor = Decimal(str(spec.get("divisor") or 1))
    scaled = value / divisor
    if fmt == "plain":
        return plain_digits(scaled) + measure_word
    return format_number(scaled, measure_word)


def plain_digits(value: Decimal, places: int = 2) -> str:
    """Digits only (never 万/亿), at most `places` decimals, trailing zeros trimmed."""
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# ---- building sources --------------------------------------------------------------------------------------------
def period_dict(start: datetime.date, end: datetime.date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def ledger_source(result: Any, display: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The source of a ledger FigureResult: its own ``source()`` plus kind, the unit's name and the display."""
    source = result.source()
    source["kind"] = "ledger"
    source["unit_name"] = result.unit.name if result.unit is not None else "全部单位"
    if result.unit is not None and result.unit.label != result.unit.name:
        source["unit_label"] = result.unit.label
    source["display"] = dict(display) if display is not None else number_display(result.metric.measure_word)
    return source


def change_source(current: Any, previous: Any, ratio: Decimal) -> dict[str, Any]:
    return {
        "kind": "change",
        "metric": current.metric.key,
        "label": f"{current.metric.name}同比变化",
        "unit": current.unit.code if current.unit else None,
        "unit_name": current.unit.name if current.unit else "全部单位",
        "period": period_dict(current.period.start, current.period.end),
        "previous_period": period_dict(previous.period.start, previous.period.end),
        "filters": dict(current.filters),
        "value": str(ratio),
        "current": str(current.value),
        "previous": str(previous.value),
        "records": list(current.records),
        "previous_records": list(previous.records),
        "display": {"format": "percent_abs"},
    }


def rank_source(result: Any, unit: Any, peers: list[str], rank: int) -> dict[str, Any]:
    """`result` is compute(by="unit") on the unit's parent; `peers` the sibling codes ranked."""
    rows = [row for row in result.breakdown if row.key in peers]
    own = next((row for row in rows if row.key == unit.code), None)
    return {
        "kind": "rank",
        "metric": result.metric.key,
        "label": f"{result.metric.name}排名",
        "unit": unit.code,
        "unit_name": unit.name,
        "parent": result.unit.code if result.unit else None,
        "peers": list(peers),
        "period": period_dict(result.period.start, result.period.end),
        "filters": dict(result.filters),
        "value": str(rank),
        "records": list(own.records) if own else [],
        "breakdown": [{"key": r.key, "value": str(r.value), "records": list(r.records)} for r in rows],
        "display": {"format": "chinese"},
    }


def record_source(record_id: int, metric: Any, value: Decimal, title: str, unit: Any, day: datetime.date,
                  display: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "record",
        "record": record_id,
        "metric": metric.key,
        "label": f"{metric.name}（单条记录）",
        "unit": unit.code,
        "unit_name": unit.name,
        "period": period_dict(day, day),
        "value": str(value),
        "records": [record_id],
        "quote": title,
        "display": dict(display) if display is not None else number_display(metric.measure_word),
    }


def sum_source(parts: list[Mapping[str, Any]], label: str, display: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A figure that adds up other figures (their sources, of any kind): value, records and scope from them."""
    value = sum((Decimal(str(p.get("value") or 0)) for p in parts), Decimal(0))
    first = parts[0] if parts else {}
    return {
        "kind": "sum",
        "label": label,
        "parts": [dict(p) for p in parts],
        "unit": first.get("unit"),
        "unit_name": first.get("unit_name", ""),
        "period": dict(first.get("period") or {}),
        "value": str(value),
        "records": sorted({int(r) for p in parts for r in (p.get("records") or [])}),
        "display": dict(display) if display is not None else dict(first.get("display") or number_display("")),
    }


# ---- recomputing -------------------------------------------------------------------------------------------------
def _period(data: Any) -> Any:
    from taizhang.core.periods import Period

    start = datetime.date.fromisoformat(str(data["start"]))
    end = datetime.date.fromisoformat(str(data["end"]))
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


ComputeKey = tuple[str, Any, str, str, Any, Any, Any, tuple[tuple[str, Any], ...]]


def _key(source: Mapping[str, Any], period_key: str = "period", by: str | None = None,
         unit_key: str = "unit") -> ComputeKey:
    filters = dict(source.get("filters") or {})
    period = source[period_key]
    # a computed metric's own filters (platform, kind, level …) go to its provider unchanged
    extra = tuple(sorted((k, v) for k, v in filters.items() if k not in ("outlet_level", "activity_type")))
    return (str(source["metric"]), source.get(unit_key), str(period["start"]), str(period["end"]),
            filters.get("outlet_level") or None, filters.get("activity_type") or None, by, extra)


def _compute_key(key: ComputeKey) -> Any:
    from taizhang.ledger.figures import compute

    metric, unit, start, end, level, atype, by, extra = key
    return compute(metric, period=_period({"start": start, "end": end}), unit=unit, outlet_level=level,
                   activity_type=atype, by=by, filters=dict(extra) or None)


def _compute(source: Mapping[str, Any], period_key: str = "period", cache: dict[Any, Any] | None = None,
             **extra: Any) -> Any:
    key = _key(source, period_key, extra.get("by"))
    if cache is not None and key in cache:
        return cache[key]
    result = _compute_key(key)
    if cache is not None:
        cache[key] = result
    return result


def compute_keys(source: Mapping[str, Any]) -> list[ComputeKey]:
    """The compute() calls recomputing `source` needs (none for kinds recomputed elsewhere)."""
    kind = str(source.get("kind") or ("ledger" if source.get("metric") else ""))
    try:
        if kind == "ledger":
            return [_key(source)]
        if kind == "change":
            return [_key(source), _key(source, "previous_period")]
        if kind == "rank":
            return [_key(source, by="unit", unit_key="parent")]
        if kind == "sum":
            return [k for part in source.get("parts") or [] for k in compute_keys(part)]
    except (KeyError, TypeError):
        return []
    return []


@dataclass(frozen=True)
class _Row:
    """A unit's value and records from its parent's by-unit breakdown: what compute(unit=that unit) returns."""

    value: Decimal
    records: list[int]


def prefetch(all_sources: list[Mapping[str, Any]], cache: dict[Any, Any]) -> None:
    """Fill `cache` with every compute() the sources need, several at a time (composer.context.run_parallel).

    Figures of sibling units (a bulletin's or a compilation's per-unit figures) are answered by one
    compute(by="unit") on their parent: each breakdown row is, by definition, compute() for that child's subtree."""
    from taizhang.core.errors import TaizhangError
    from taizhang.org.models import Unit
    from taizhang.reports.composer.context import run_parallel

    keys = list(dict.fromkeys(k for s in all_sources for k in compute_keys(s) if k not in cache))
    plain = [k for k in keys if k[6] is None and k[1]]
    parents = dict(Unit.objects.filter(code__in={k[1] for k in plain}).values_list("code", "parent__code"))
    by_parent: dict[ComputeKey, list[ComputeKey]] = {}
    for key in plain:
        parent = parents.get(key[1])
        if parent:
            by_parent.setdefault((key[0], parent, *key[2:6], "unit", key[7]), []).append(key)
    grouped = {k: v for k, v in by_parent.items() if len(v) > 1}  # worth it only for two siblings or more
    derived = {child for children in grouped.values() for child in children}
    # The parent's own figure is the whole of its breakdown: no separate compute() for it either.
    wholes = {(*k[:6], None, k[7]): k for k in grouped}
    derived.update(w for w in wholes if w in keys)
    jobs = list(dict.fromkeys([*grouped, *(k for k in keys if k not in derived)]))
    try:
        results = dict(zip(jobs, run_parallel(jobs, _compute_key), strict=True))
    except TaizhangError:  # an unknown metric or unit: recompute() reports it figure by figure
        return
    cache.update(results)
    for whole, parent_key in wholes.items():
        if whole in keys:
            cache[whole] = _Row(results[parent_key].value, list(results[parent_key].records))
    for parent_key, children in grouped.items():
        rows = {row.key: row for row in results[parent_key].breakdown}
        for child in children:
            row = rows.get(child[1])
            if row is not None:
                cache[child] = _Row(row.value, list(row.records))


def _rank_of(values: Mapping[str, Decimal], code: str) -> int | None:
    if code not in values:
        return None
    mine = values[code]
    return 1 + sum(1 for v in values.values() if v > mine)


def _recompute_ledger(source: Mapping[str, Any], cache: dict[Any, Any] | None) -> Recomputed:
    from taizhang.ledger.figures import change_ratio

    kind = source.get("kind") or "ledger"
    if kind == "ledger":
        result = _compute(source, cache=cache)
        return Recomputed(result.value, records=tuple(result.records))
    if kind == "change":
        current, previous = _compute(source, cache=cache), _compute(source, "previous_period", cache=cache)
        ratio = change_ratio(current.value, previous.value)
        if ratio is None:
            return Recomputed(None, "去年同期为零，无法计算增减幅度")
        return Recomputed(ratio, records=tuple(current.records))
    if kind == "rank":
        parent = dict(source)
        parent["unit"] = source.get("parent")
        result = _compute(parent, cache=cache, by="unit")
        peers = set(source.get("peers") or [])
        values = {row.key: row.value for row in result.breakdown if row.key in peers}
        rank = _rank_of(values, str(source.get("unit")))
        if rank is None:
            return Recomputed(None, "该单位已不在同级单位中")
        return Recomputed(Decimal(rank))
    # kind == "record"
    from taizhang.ledger.models import RecordFigure

    row = (
        RecordFigure.objects.filter(record_id=int(source.get("record") or 0), metric__key=str(source.get("metric")),
                                    effective=True)
        .values_list("value", flat=True)
        .first()
    )
    if row is None:
        return Recomputed(None, "该记录已不是有效的已审核记录", records=())
    return Recomputed(Decimal(row), records=(int(source.get("record") or 0),))


def recompute(source: Mapping[str, Any], cache: dict[Any, Any] | None = None) -> Recomputed:
    """A fresh value for `source` from the ledger (or the targets / monitoring modules).

    `cache` (any dict, kept by the caller) shares compute() results between figures of one check."""
    from taizhang.core.errors import TaizhangError

    kind = str(source.get("kind") or ("ledger" if source.get("metric") else ""))
    if kind not in LEDGER_KINDS:
        try:
            func = recompute_function(kind)
        except (ImportError, AttributeError):
            return Recomputed(None, "无法重新计算：提供该数据的模块未启用")
        if func is None:
            return Recomputed(None, f"无法重新计算：未知的来源类型“{kind or '空'}”")
        try:
            value = func(dict(source), cache if cache is not None else {})
        except TaizhangError as exc:
            return Recomputed(None, f"无法重新计算：{exc.message}")
        if value is None:
            return Recomputed(None, "无法重新计算")
        if isinstance(value, Recomputed):
            return value
        return Recomputed(value if isinstance(value, Decimal) else Decimal(str(value)))
    if kind not in LEDGER_KINDS:
        return Recomputed(None, f"无法重新计算：未知的来源类型“{kind or '空'}”")
    if kind == "sum":
        return _recompute_sum(source, cache)
    if kind == "ledger" and "units" in source and source.get("provider"):
        return _recompute_units(source)
    try:
        return _recompute_ledger(source, cache)
    except (TaizhangError, KeyError, ValueError, TypeError) as exc:
        return Recomputed(None, f"无法重新计算：{exc}")


def _recompute_sum(source: Mapping[str, Any], cache: dict[Any, Any] | None) -> Recomputed:
    parts = [p for p in source.get("parts") or [] if isinstance(p, Mapping)]
    if not parts:
        return Recomputed(None, "无法重新计算：合计数没有记录相加的各项")
    total = Decimal(0)
    records: set[int] = set()
    for part in parts:
        fresh = recompute(part, cache)
        if fresh.value is None:
            name = part.get("label") or part.get("metric") or "一项"
            return Recomputed(None, f"无法重新计算合计数中的“{name}”：{fresh.note}")
        total += fresh.value
        records.update(fresh.records or ())
    return Recomputed(total, records=tuple(sorted(records)))


def _recompute_units(source: Mapping[str, Any]) -> Recomputed:
    """A computed metric's figure over a list of unit ids (`units`, as an app's own document writes it: the 随手拍
    bulletin's streets; None for all units), asked of its provider for those units: `compute` reads one unit code
    and would answer for the whole district."""
    from taizhang.core.errors import TaizhangError
    from taizhang.ledger import providers

    provider = providers.get(str(source.get("metric") or ""))
    if provider is None:
        return Recomputed(None, "无法重新计算：提供该数据的模块未启用")
    try:
        got = provider.compute(providers.FigureQuery(
            period=_period(source["period"]),
            unit_ids=None if source["units"] is None else [int(u) for u in source["units"]],
            filters=dict(source.get("filters") or {})))
    except TaizhangError as exc:
        return Recomputed(None, f"无法重新计算：{exc.message}")
    except (KeyError, ValueError, TypeError) as exc:
        return Recomputed(None, f"无法重新计算：来源数据不完整（{exc}）")
    return Recomputed(Decimal(got.value))
