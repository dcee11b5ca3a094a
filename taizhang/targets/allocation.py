"""Splitting a total among units by weights (equal, population, last year's share), exactly.

Largest remainder method in steps of `step` (1 for whole-number metrics, 0.01 otherwise): the parts always add
up to the total, each part is within one step of its exact share, and ties go to the earlier unit, so the same
input gives the same split every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypeVar

K = TypeVar("K")


def split(total: Decimal, weights: Sequence[tuple[K, Decimal]], step: Decimal = Decimal(1)) -> dict[K, Decimal]:
    """`total` split in proportion to the weights. All weights zero (or none given) → an equal split."""
    if not weights:
        return {}
    if total < 0:
        raise ValueError("total must not be negative")
    if any(w < 0 for _k, w in weights):
        raise ValueError("weights must not be negative")
    if sum((w for _k, w in weights), Decimal(0)) == 0:
        weights = [(k, Decimal(1)) for k, _w in weights]
    weight_sum = sum((w for _k, w in weights), Decimal(0))
    units_total = (total / step).to_integral_value(ROUND_FLOOR)
    leftover_total = total - units_total * step  # below one step: given to the first part, kept exact
    exact = [(k, units_total * w / weight_sum) for k, w in weights]
    floors = [(k, e.to_integral_value(ROUND_FLOOR)) for k, e in exact]
    remaining = int(units_total - sum((f for _k, f in floors), Decimal(0)))
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[i][1]), i))
    extra = set(order[:remaining])
    out: dict[K, Decimal] = {}
    for i, (k, f) in enumerate(floors):
        out[k] = (f + (1 if i in extra else 0)) * step
    if leftover_total:
        first = weights[0][0]
        out[first] += leftover_total
    return out


def equal_weights(keys: Sequence[K]) -> list[tuple[K, Decimal]]:
    return [(k, Decimal(1)) for k in keys]


def step_for(value_type: str) -> Decimal:
    return Decimal(1) if value_type == "integer" else Decimal("0.01")


def check_sum(total: Decimal, parts: Sequence[Decimal], *, allow_over: bool) -> str | None:
    """The Chinese error when the parts do not add up to the total (None when they do)."""
    got = sum(parts, Decimal(0))
    if got == total:
        return None
    if got < total:
        return f"分解合计 {_fmt(got)} 少于年度目标 {_fmt(total)}，还差 {_fmt(total - got)}"
    if allow_over:
        return None
    return (f"分解合计 {_fmt(got)} 超过年度目标 {_fmt(total)}（多出 {_fmt(got - total)}）；"
            "如需超额分解请勾选“允许超额分解”")


def _fmt(value: Any) -> str:
    d = Decimal(value)
    return str(int(d)) if d == d.to_integral_value() else f"{d.normalize():f}"
