"""Computed metrics: figures that live in an app's own tables (cases, volunteer hours, inspections).

A metric is either *reported* (summed from ledger records: `ledger.figures.compute` as before) or *computed* by a
provider that an app registers here, in its `AppConfig.ready()`. `ledger.figures.compute` treats both alike for
its callers (dashboards, targets, assessment, summaries, check-report): a provider returns the value with the ids
of the rows behind it, and the provenance names the provider's source so the rows can be opened and recomputed.

A provider answers for one set of units and one period; `compute` calls it again for each child unit or month
when a breakdown is asked for, so a provider never has to group by itself (rates cannot be summed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from taizhang.core.periods import Period


@dataclass(frozen=True)
class FigureQuery:
    period: Period
    unit_ids: list[int] | None  # None = the whole tree, no restriction
    filters: dict[str, Any] = field(default_factory=dict)  # provider-specific, e.g. {"kind": "citizen_report"}


@dataclass
class Provided:
    value: Decimal
    ids: list[int]  # primary keys of the provider's rows (`Provider.source` model) behind the value


@dataclass(frozen=True)
class Provider:
    metric: str  # metric key, unique across the taxonomy, e.g. "case_closure_rate"
    name: str  # Chinese name shown to users: 办结率
    measure_word: str  # "%", "件", "小时", "人"
    line: str  # line-of-work key from the taxonomy (TAXONOMY.md), e.g. "civility"
    source: str  # "app_label.model" of the rows the ids point to, e.g. "cases.case"
    compute: Callable[[FigureQuery], Provided]
    rows_url: str = ""  # URL name of a page listing rows by `?ids=1,2,3` (scoped to the viewer)
    description: str = ""  # how the figure is computed, in Chinese, shown beside its source
    is_rate: bool = False  # a percentage: never summed across units or periods


PROVIDERS: dict[str, Provider] = {}


def register(*providers: Provider) -> None:
    for provider in providers:
        PROVIDERS[provider.metric] = provider


def get(metric: str) -> Provider | None:
    return PROVIDERS.get(metric)


def rate(numerator: int, denominator: int) -> Decimal:
    """A percentage with one decimal place (0 when there is nothing to divide)."""
    if not denominator:
        return Decimal(0)
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


ComputeFn = Callable[[FigureQuery], Provided]
