"""Computed metrics: figures that live in an app's own tables (cases, volunteer hours, inspections).

A metric is either *reported* (summed from ledger records: `ledger.figures.compute` as before) or *computed* by a
provider that an app registers here, in its `AppConfig.ready()`. `ledger.figures.compute` treats both alike for
its callers (dashboards, targets, assessment, summaries, check-report): a provider returns the value with the ids
of the rows behind it, and the provenance names the provider's source so the rows can be opened and recomputed.

A provider answers for one set of units and one period; `compute` calls it again for each child unit or month
when a breakdown is asked for, so a provider never has to group by itself (rates cannot be summed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from taizhang.core.periods import Period


@dataclass(frozen=True)
class FigureQuery:
    period: Period
    unit_ids: list[int] | None  # None = the whole tree, no restriction
    filters: dict[str, Any] = field(default_factory=dict)  # provider-specific, e.g. {"kind": "citizen_report"}


class Provided:
    """A provider's answer: the value and the primary keys of the rows behind it (`Provider.source` model).

    `ids` may be given at once (`Provided(value, ids)`) or lazily: `Provided(value, count=n, loader=fn)` where the
    value and the count come from one aggregate query and `fn()` runs the query that lists the ids, only when
    someone reads `ids` (opens the records, pins the figure in a document). So a dashboard of provider figures
    costs one aggregate per figure, whatever the number of rows behind it; the provenance stays exact."""

    __slots__ = ("_count", "_ids", "_loader", "value")

    def __init__(
        self,
        value: Decimal,
        ids: Iterable[int] | None = None,
        *,
        count: int | None = None,
        loader: Callable[[], Iterable[int]] | None = None,
    ) -> None:
        self.value = value
        self._ids: list[int] | None = list(ids) if ids is not None else None
        self._loader = loader
        if self._ids is None and loader is None:
            self._ids = []
        self._count = len(self._ids) if self._ids is not None else count

    @property
    def ids(self) -> list[int]:
        if self._ids is None:
            assert self._loader is not None
            self._ids = [int(i) for i in self._loader()]
            self._count = len(self._ids)
        return self._ids

    @property
    def count(self) -> int:
        """How many rows are behind the value (without listing them when the provider counted them)."""
        if self._count is None:
            return len(self.ids)
        return self._count

    @property
    def loaded(self) -> bool:
        return self._ids is not None

    @property
    def loader(self) -> Callable[[], list[int]] | None:
        """A function giving the sorted ids (None when they are already here)."""
        if self._ids is not None or self._loader is None:
            return None
        fn = self._loader
        return lambda: sorted(int(i) for i in fn())

    def __repr__(self) -> str:
        return f"Provided({self.value!r}, count={self._count})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Provided):
            return NotImplemented
        return self.value == other.value and sorted(self.ids) == sorted(other.ids)

    __hash__ = None  # type: ignore[assignment]


def lazy(value: Decimal, count: int, loader: Callable[[], Iterable[int]]) -> Provided:
    """A Provided whose ids are listed only when read; nothing to list when `count` is 0."""
    if not count:
        return Provided(value, [])
    return Provided(value, count=count, loader=loader)


GroupedFn = Callable[[FigureQuery, dict[int, str]], dict[str, Provided]]


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
    grouped: GroupedFn | None = None
    """Optional: the figure for several groups of units in one query (`by="unit"` on a district: one GROUP BY
    instead of one call per street). Called with the query of the whole scope and `groups` (unit id → group key);
    returns {group key: Provided} with the same value as `compute` for that group's units. Units absent from
    `groups` are left out; a group without rows may be absent from the answer (its value is 0)."""


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


def sum_groups(rows: Iterable[tuple[Any, ...]], groups: dict[int, str]) -> dict[str, list[int]]:
    """Rows of (unit_id, n1, n2, …) from a GROUP BY unit summed per group key: {key: [n1, n2, …]}."""
    out: dict[str, list[int]] = {}
    for unit_id, *parts in rows:
        key = groups.get(unit_id)
        if key is None:
            continue
        held = out.setdefault(key, [0] * len(parts))
        for i, part in enumerate(parts):
            held[i] += int(part or 0)
    return out


_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("taizhang_provider_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Within this block providers share work through `memoized` (one page of figures: the dashboard's cards ask
    several metrics of one app for the same scope and period, e.g. 受理量, 办结率 and 满意率 from one aggregate).
    Nothing is kept after the block, so a figure is never older than the request that shows it. Re-entrant: inside
    another block it shares that block's store (`figures.compute` opens one around each computed figure, so the
    scope's value and its breakdown by unit come from one aggregate even outside a request)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memo_key(name: str, q: FigureQuery) -> tuple[Any, ...]:
    unit_ids = None if q.unit_ids is None else tuple(q.unit_ids)
    return (name, q.period.start, q.period.end, unit_ids, tuple(sorted((k, str(v)) for k, v in q.filters.items())))


def memoized(key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
    """fn() once per key inside a `memo()` block; outside one, simply fn()."""
    store = _MEMO.get()
    if store is None:
        return fn()
    if key not in store:
        store[key] = fn()
    return store[key]
