"""Case figures computed by hand on a few cases."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from taizhang.cases import actions, providers
from taizhang.cases.models import Case
from taizhang.cases.tests.helpers import case_in
from taizhang.core.jobs import HANDLERS, PERIODIC, autodiscover
from taizhang.core.periods import parse_period
from taizhang.ledger.providers import FigureQuery, get
from taizhang.org.models import Unit

D = datetime.date


def _q(unit_ids: list[int] | None = None, **filters: Any) -> FigureQuery:
    return FigureQuery(period=parse_period("2026"), unit_ids=unit_ids, filters=filters)


def test_providers_registered_and_periodic_job() -> None:
    for key in ("cases_received", "case_closure_rate", "case_ontime_rate", "case_satisfaction_rate", "case_avg_days"):
        provider = get(key)
        assert provider is not None and provider.source == "cases.case" and provider.rows_url == "cases:case_list"
    autodiscover()
    assert PERIODIC["cases.escalate"].minutes == 10
    assert "cases.escalate" in HANDLERS


def test_case_figures_by_hand(tree: Any, notices: Any, clock: Any) -> None:
    clock.set(D(2026, 9, 21))  # Monday
    a1 = tree.community_a1
    # 1: closed on time (handled 09-22, deadline 09-24) and satisfied; 2 working days dispatch → close (09-23)
    c1 = case_in(Case.State.DISPATCHED, a1)
    clock.set(D(2026, 9, 22))
    actions.handle_case(acting_user=None, case=c1, reply="ok")
    clock.set(D(2026, 9, 23))
    actions.close_case(acting_user=None, case=c1)
    actions.rate_case(acting_user=None, case=c1, rating="satisfied")
    # 2: closed late (deadline 09-24; handled 10-08), unsatisfied; 09-23 → 10-08: 09-24, 09-28, 29, 30, 10-08 = 5
    clock.set(D(2026, 9, 21))
    c2 = case_in(Case.State.DISPATCHED, a1)
    clock.set(D(2026, 10, 8))
    actions.handle_case(acting_user=None, case=c2, reply="ok")
    actions.close_case(acting_user=None, case=c2)
    actions.rate_case(acting_user=None, case=c2, rating="basically_satisfied")
    # 3: still open; 4: cancelled (left out); 5: another unit, general kind, closed
    clock.set(D(2026, 9, 21))
    c3 = case_in(Case.State.ACCEPTED, a1)
    case_in(Case.State.CANCELLED, a1)
    c5 = case_in(Case.State.CLOSED, tree.community_b1, kind="general")
    c5.refresh_from_db()

    mine = [a1.pk]
    assert providers.received(_q(mine)).value == 3
    assert sorted(providers.received(_q(mine)).ids) == sorted([c1.pk, c2.pk, c3.pk])
    assert providers.closure_rate(_q(mine)).value == Decimal("66.7")
    assert providers.ontime_rate(_q(mine)).value == Decimal("50.0")
    assert sorted(providers.ontime_rate(_q(mine)).ids) == sorted([c1.pk, c2.pk])
    assert providers.satisfaction_rate(_q(mine)).value == Decimal("100.0")
    # dispatch 09-21 → close 09-23 = 2 working days; dispatch 09-21 → close 10-08: 22, 23, 24, 28, 29, 30, 10-08 = 7
    assert providers.avg_days(_q(mine)).value == Decimal("4.5")
    # whole tree: 4 cases, 3 closed
    assert providers.closure_rate(_q()).value == Decimal("75.0")
    # by kind
    assert providers.received(_q(kind="general")).ids == [c5.pk]
    assert providers.received(_q(kind="test_citizen")).value == 3
    # another year: nothing
    empty = FigureQuery(period=parse_period("2025"), unit_ids=None)
    assert providers.closure_rate(empty).value == 0
    assert providers.avg_days(empty).value == 0


def test_grouped_answers_equal_each_unit_alone(taxonomy: Any, tree: Any, notices: Any, clock: Any) -> None:
    """The figures by unit come from one GROUP BY unit with conditional counts; each group's value and ids equal
    the figure of that group's units computed alone, and the scope's figure is the sum of its units' counts."""
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from taizhang.ledger.figures import compute
    from taizhang.ledger.providers import memo

    rng = random.Random(7)
    units = [tree.community_a1, tree.community_a2, tree.street_a, tree.community_b1, tree.bureau]
    for i in range(40):
        state = rng.choice([Case.State.CLOSED, Case.State.CLOSED, Case.State.ACCEPTED, Case.State.CANCELLED])
        case = case_in(state, units[i % len(units)])
        if state == Case.State.CLOSED:
            Case.objects.filter(pk=case.pk).update(
                closed_on_time=rng.choice([True, False]),
                satisfaction=rng.choice([None, "satisfied", "unsatisfied", "basically_satisfied"]),
            )
    period = parse_period("2026")
    for kind in ("received", "closure", "ontime", "satisfaction"):
        provider = get(
            {
                "received": "cases_received",
                "closure": "case_closure_rate",
                "ontime": "case_ontime_rate",
                "satisfaction": "case_satisfaction_rate",
            }[kind]
        )
        assert provider is not None and provider.grouped is not None
        groups = {
            u.pk: code
            for code, street in (("SA", tree.street_a), ("SB", tree.street_b), ("BE", tree.bureau))
            for u in Unit.objects.filter(path__startswith=street.path)
        }
        answered = provider.grouped(FigureQuery(period=period, unit_ids=None), groups)
        for code in ("SA", "SB", "BE"):
            ids = sorted(uid for uid, key in groups.items() if key == code)
            alone = provider.compute(FigureQuery(period=period, unit_ids=ids))
            got = answered.get(code)
            if got is None:  # a group without rows may be left out: its figure is 0
                assert (alone.value, alone.count) == (0, 0)
            else:
                assert (got.value, sorted(got.ids)) == (alone.value, sorted(alone.ids)), (kind, code)
        whole = provider.compute(FigureQuery(period=period, unit_ids=None))
        assert whole.count == sum(a.count for a in answered.values())
    # compute() by unit equals each street alone, and inside a page of figures the four figures, in total and by
    # unit, cost one query of the cases table
    with memo(), CaptureQueriesContext(connection) as ctx:
        by_unit = {
            m: compute(m, period=period, unit="D", by="unit")
            for m in ("cases_received", "case_closure_rate", "case_ontime_rate", "case_satisfaction_rate")
        }
    assert len([q for q in ctx.captured_queries if '"cases_case"' in q["sql"]]) == 1
    for m, result in by_unit.items():
        for row in result.breakdown:
            single = compute(m, period=period, unit=row.key)
            assert (row.value, row.records) == (single.value, single.records), (m, row.key)


def test_periods_asked_together_equal_each_alone(taxonomy: Any, tree: Any, notices: Any, clock: Any) -> None:
    """A dashboard card asks this period and last year's (`ledger.dashboard_prefetch.asking`): the cohorts' counts
    (in total and by street) and the closed cases' dates come from one query for both, with the values and ids of
    each period asked alone, also when the periods overlap."""
    import random

    from taizhang.ledger.dashboard_prefetch import asking
    from taizhang.ledger.providers import memo

    rng = random.Random(11)
    units = [tree.community_a1, tree.community_a2, tree.street_a, tree.community_b1, tree.bureau]
    for i in range(30):
        state = rng.choice([Case.State.CLOSED, Case.State.CLOSED, Case.State.ACCEPTED, Case.State.CANCELLED])
        case = case_in(state, units[i % len(units)])
        if state == Case.State.CLOSED:
            Case.objects.filter(pk=case.pk).update(
                closed_on_time=rng.choice([True, False]),
                satisfaction=rng.choice([None, "satisfied", "unsatisfied", "basically_satisfied"]),
            )
    created = sorted({c.date() for c in Case.objects.values_list("created_at", flat=True)})
    assert created
    day = created[0]
    groups = {u.pk: ("SA" if u.path.startswith(tree.street_a.path) else "X") for u in Unit.objects.all()}
    keys = ("cases_received", "case_closure_rate", "case_ontime_rate", "case_satisfaction_rate", "case_avg_days")
    for specs in ((str(day.year), str(day.year - 1)), (str(day.year), f"{day.year}-01-01..{day.isoformat()}")):
        periods = [parse_period(s) for s in specs]

        def answers(together: bool, periods: list[Any] = periods) -> list[Any]:
            out = []
            for key in keys:
                provider = get(key)
                assert provider is not None
                for p in periods:
                    q = FigureQuery(period=p, unit_ids=None)
                    got = provider.compute(q)
                    out.append((key, p.spec, got.value, sorted(got.ids)))
                    if provider.grouped is not None:
                        by = provider.grouped(q, groups)
                        out.append(sorted((k, v.value, sorted(v.ids)) for k, v in by.items()))
            return out

        alone = answers(False)
        with memo(), asking(*periods):
            assert answers(True) == alone, specs
    assert any(v for *_k, v, _ids in (a for a in alone if isinstance(a, tuple)) if v)
