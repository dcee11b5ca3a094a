"""Computed figures of a dashboard page in few queries: what providers may share when a page asks many figures.

A dashboard card shows each computed metric for the period and for the same period last year (同比), and a tab
shows a dozen metrics of one app. Answered one by one, that is one aggregate per metric and per period. Two helpers
let a provider answer them together, with the same values (the tests compare them with `compute()` alone):

- `asking(period, compare)`: the dashboard names the periods it is going to ask (inside `providers.memo()`);
  `periods_for(query)` gives a provider the query's period first, then the others. A provider that computes them
  all in one query keeps each answer under its own `providers.memo_key` (`per_period`), so the second period's
  figures cost nothing. Outside `asking` (or for another period, e.g. a month of a chart) only the query's own
  period is computed, as before.
- `one_row(*parts)`: several aggregates without GROUP BY (each one row), of several tables, in one statement
  (`SELECT * FROM (…) CROSS JOIN (…)`), each part's values converted as Django converts its own query's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet, Value

from taizhang.core.periods import Period
from taizhang.ledger.providers import FigureQuery, memo_key, memoized

T = TypeVar("T")

_ASKED: ContextVar[tuple[Period, ...]] = ContextVar("taizhang_dashboard_periods", default=())


@contextmanager
def asking(*periods: Period) -> Iterator[None]:
    """Within this block, a provider asked for one of `periods` may answer all of them at once (`per_period`)."""
    token = _ASKED.set(tuple(dict.fromkeys(periods)))
    try:
        yield
    finally:
        _ASKED.reset(token)


def periods_for(query: FigureQuery) -> list[Period]:
    """The query's period first, then the other periods the page asks (when the query's period is one of them)."""
    asked = _ASKED.get()
    if query.period not in asked:
        return [query.period]
    return [query.period, *(p for p in asked if p != query.period)]


def per_period(name: str, query: FigureQuery, run: Callable[[list[Period]], Sequence[T]]) -> T:
    """`run(periods)` (one answer per period, in order) once for every period the page asks; each answer memoised
    under `memo_key(name, query for that period)`. Returns the answer for `query.period`."""
    periods = periods_for(query)

    def compute() -> T:
        answers = list(run(periods))
        for period, answer in zip(periods[1:], answers[1:], strict=True):
            other = dataclasses.replace(query, period=period)
            memoized(memo_key(name, other), lambda answer=answer: answer)  # type: ignore[misc]
        return answers[0]

    result: T = memoized(memo_key(name, query), compute)
    return result


def any_of(periods: Sequence[Period], field: str) -> Q:
    """`field` within any of `periods` (the WHERE of a query answering several periods)."""
    q = Q()
    for p in periods:
        q |= Q(**{f"{field}__gte": p.start, f"{field}__lte": p.end})
    return q


def within(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def one_row(*parts: tuple[QuerySet[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """Each part (a queryset and its aggregates, as `qs.aggregate(**aggregates)` takes them) as `aggregate` returns
    it, all in one statement. A part whose filter can match nothing (Django's EmptyResultSet) runs alone."""
    if not parts:
        return []
    using = parts[0][0].db
    alone: dict[int, dict[str, Any]] = {}  # parts that ran on their own
    compiled: list[tuple[str, list[Any], Any, list[Any]]] = []  # SQL, parameters, compiler, columns
    for n, (qs, aggregates) in enumerate(parts):
        part = qs.order_by().values(_one=Value(1)).annotate(**aggregates).values_list(*aggregates)
        compiler = part.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            alone[n] = qs.aggregate(**aggregates)
            continue
        columns = [col for col, _sql, _alias in compiler.select]
        compiled.append((sql, list(params), compiler, columns))
    row: list[Any] = []
    if compiled:
        joined = " CROSS JOIN ".join(f"({sql}) AS tz_part{i}" for i, (sql, *_rest) in enumerate(compiled))
        with connections[using].cursor() as cursor:
            # the parts are Django's own compiled SQL with their parameters apart: nothing from the request inlined
            cursor.execute(f"SELECT * FROM {joined}", [p for _sql, params, *_rest in compiled for p in params])  # noqa: S608
            row = list(cursor.fetchone())
    out: list[dict[str, Any]] = []
    at = 0
    queue = iter(compiled)
    for n, (_qs, aggregates) in enumerate(parts):
        if n in alone:
            out.append(alone[n])
            continue
        _sql, _params, compiler, columns = next(queue)
        values = row[at : at + len(columns)]
        at += len(columns)
        converters = compiler.get_converters(columns)
        if converters:
            values = list(next(iter(compiler.apply_converters([values], converters))))
        out.append(dict(zip(aggregates, values, strict=True)))
    return out
