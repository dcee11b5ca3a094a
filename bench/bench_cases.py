"""Cases (工单) at scale: 100,000 cases — dispatch through the actions, the overdue escalation sweep, and the case
figure 办结率 by unit for a year (goal: p95 under 200 ms; --baseline times the previous eager way in the same run).

    .venv/bin/python bench/bench_cases.py                       # SQLite file bench/var/cases.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_cases .venv/bin/python bench/bench_cases.py
Options: --cases N (default 100,000), --dispatch N (cases dispatched through the actions and timed, default 2,000;
the rest are written in bulk with the same shape), --runs N (figure repetitions, default 20), --rebuild, --plan
(print the query plan of the cohort's GROUP BY unit: EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
The database is migrated and analysed first (as `taizhang setup` does; on PostgreSQL VACUUM (ANALYZE) of the cases
table, which index-only scans need after a bulk load).

The tree: a district, 10 streets, 10 communities each; a liaison in every community and a reviewer in every street
(so every dispatch and escalation notifies real people). Cases are spread over 2026 and the units; 30 % are
still running with a deadline in the past (the sweep escalates them), the rest handled, closed or cancelled.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time
from typing import Any

from _setup import percentiles, setup_django

YEAR = 2026
STATES = (
    ["closed"] * 50 + ["handled"] * 10 + ["accepted"] * 15 + ["dispatched"] * 15 + ["cancelled"] * 5 + ["sent_back"] * 5
)


def build_tree() -> tuple[Any, list[Any], Any]:
    from taizhang.core.testing import make_user
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    root = Unit.objects.filter(code="BCR").first()
    if root is None:
        root = org_actions.create_unit(acting_user=None, code="BCR", name="基准区委宣传部", kind=Unit.Kind.DISTRICT)
        for s in range(10):
            street = org_actions.create_unit(
                acting_user=None, code=f"BCS{s}", name=f"基准街道{s}", kind=Unit.Kind.STREET, parent=root
            )
            make_user("reviewer", street, username=f"bc_rev{s}")
            for c in range(10):
                unit = org_actions.create_unit(
                    acting_user=None,
                    code=f"BCS{s}C{c}",
                    name=f"基准社区{s}-{c}",
                    kind=Unit.Kind.COMMUNITY,
                    parent=street,
                )
                make_user("liaison", unit, username=f"bc_li{s}_{c}")
        make_user("staff", root, username="bc_staff")
    leaves = list(Unit.objects.filter(code__startswith="BCS", kind=Unit.Kind.COMMUNITY).order_by("code"))
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="bc_staff")
    return root, leaves, staff


def build(n_cases: int, n_dispatch: int) -> None:
    from django.contrib.contenttypes.models import ContentType  # noqa: F401
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from taizhang.cases import actions
    from taizhang.cases.models import Case, CaseEvent
    from taizhang.core.models import Notification

    call_command("migrate", verbosity=0)
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    with transaction.atomic():
        CaseEvent.objects.all().delete()
        Case.objects.all().delete()
        Notification.objects.filter(event__startswith="case.").delete()
    _root, leaves, staff = build_tree()
    rng = random.Random(11)
    today = datetime.date(YEAR, 12, 6)

    # 1. dispatch through the actions (what staff do), timed
    saved = actions._now
    actions._now = lambda: timezone.make_aware(datetime.datetime(YEAR, 11, 20, 10, 0))
    t0 = time.perf_counter()
    for i in range(n_dispatch):
        actions.dispatch_case(
            acting_user=staff,
            kind="general",
            unit=leaves[i % len(leaves)],
            title=f"基准工单{i}",
            description="基准测试",
            sla_days=3,
        )
    elapsed = time.perf_counter() - t0
    actions._now = saved
    per = elapsed * 1000 / max(1, n_dispatch)
    print(
        f"dispatch_case × {n_dispatch}: {elapsed:.1f} s, {per:.2f} ms each "
        f"(→ {per * n_cases / 1000:.0f} s for {n_cases:,} one by one)"
    )

    # 2. the rest in bulk, same shape
    t0 = time.perf_counter()
    rows = []
    for i in range(n_dispatch, n_cases):
        created = timezone.make_aware(datetime.datetime(YEAR, 1, 1, 9)) + datetime.timedelta(
            minutes=rng.randrange(0, 330 * 24 * 60)
        )
        state = rng.choice(STATES)
        deadline = created.date() + datetime.timedelta(days=rng.randrange(3, 20))
        closed = created + datetime.timedelta(days=rng.randrange(1, 25)) if state == "closed" else None
        rows.append(
            Case(
                kind=rng.choice(["general", "incident"]),
                unit=leaves[rng.randrange(len(leaves))],
                title=f"基准工单{i}",
                state=state,
                deadline=deadline,
                sla_days=5,
                created_at=created,
                dispatched_at=created,
                handled_at=closed,
                closed_at=closed,
                closed_on_time=(closed.date() <= deadline) if closed else None,
                satisfaction=rng.choice([None, "satisfied", "basically_satisfied", "unsatisfied"]) if closed else None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=5000)
    print(f"bulk insert of {len(rows):,} cases: {time.perf_counter() - t0:.1f} s")
    running = Case.objects.filter(state__in=Case.RUNNING_STATES, deadline__lt=today).count()
    print(f"running cases past their deadline on {today}: {running:,}")


def bench(runs: int, sweep: bool = True, baseline: bool = False) -> None:
    from django.db import connection
    from django.utils import timezone

    from taizhang.cases.escalation import escalate_overdue
    from taizhang.cases.models import Case
    from taizhang.core.periods import parse_period
    from taizhang.ledger.figures import compute

    now = timezone.make_aware(datetime.datetime(YEAR, 12, 6, 9, 0))
    if sweep:
        Case.objects.update(escalation_level=0)
        t0 = time.perf_counter()
        steps = escalate_overdue(now)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = escalate_overdue(now)
        second = time.perf_counter() - t0
        print(
            f"escalation sweep: {steps:,} escalation steps in {first:.1f} s; second run (idempotent): {again} "
            f"steps in {second * 1000:.0f} ms"
        )

    period = parse_period(str(YEAR))
    from taizhang.ledger import figures, providers

    runs_of = [("new", False), ("baseline", True)] if baseline else [("new", False)]
    for label, old in runs_of:
        # baseline: every provider call lists its ids with the value, one call per street (the previous way)
        figures.BASELINE = old
        samples = []
        cpu = []
        result = None
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            result = compute("case_closure_rate", period=period, unit="BCR", by="unit")
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        assert result is not None
        print(
            f"办结率 by unit for {YEAR} ({connection.vendor}, {label}): {result.value}% over {result.count:,} cases, "
            f"{len(result.breakdown)} units — {percentiles(samples)}"
        )
        print(f"  CPU time of this process (SQLite: all the work; PostgreSQL: without the server): {percentiles(cpu)}")
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            compute("case_closure_rate", period=period, unit="BCS0")
            samples.append((time.perf_counter() - t0) * 1000)
        print(f"办结率 of one street for {YEAR} ({label}): {percentiles(samples)}")
        if not old:
            # as in a dashboard request (providers.memo): the scope's figure and its figure by street share the
            # one GROUP BY unit of the cohort
            samples = []
            for _ in range(runs):
                t0 = time.perf_counter()
                with providers.memo():
                    compute("case_closure_rate", period=period, unit="BCR", by="unit")
                samples.append((time.perf_counter() - t0) * 1000)
            print(f"办结率 by unit for {YEAR} inside providers.memo() ({label}): {percentiles(samples)}")
    figures.BASELINE = False
    # provenance stays exact: the lazily listed ids and the values equal the eager ones
    new = compute("case_closure_rate", period=period, unit="BCR", by="unit")
    figures.BASELINE = True
    eager = compute("case_closure_rate", period=period, unit="BCR", by="unit")
    figures.BASELINE = False
    assert (new.value, new.records) == (eager.value, eager.records)
    assert [(r.key, r.value, r.records) for r in new.breakdown] == [
        (r.key, r.value, r.records) for r in eager.breakdown
    ]
    print(f"check: 办结率 {new.value}% and its {len(new.records):,} case ids, and every street's, equal the eager ones")


def analyse() -> None:
    """What `taizhang setup` does for the statistics, and on PostgreSQL a VACUUM of the cases table (after a bulk
    load its visibility map is empty and an index-only scan reads the table anyway)."""
    from django.db import connection

    from taizhang.ledger.maintenance import refresh_statistics

    refresh_statistics()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cases_case")


def plan() -> None:
    from django.db import connection

    from taizhang.cases import providers as case_providers
    from taizhang.core.periods import parse_period
    from taizhang.ledger.providers import FigureQuery
    from taizhang.org.models import Unit

    street = Unit.objects.get(code="BCS0")
    subtree = list(Unit.objects.filter(path__startswith=street.path).values_list("id", flat=True))
    for label, unit_ids in (("district", None), ("street", subtree)):
        q = FigureQuery(period=parse_period(str(YEAR)), unit_ids=unit_ids)
        qs = case_providers.cohort(q).values("unit_id").annotate(**case_providers._aggregates())
        sql, params = qs.query.sql_with_params()
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        with connection.cursor() as cursor:
            cursor.execute(explain + sql, params)
            for row in cursor.fetchall():
                print(f"plan ({label}): {row[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--dispatch", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true", help="只测统计数字")
    parser.add_argument("--plan", action="store_true", help="print the query plan of the cohort's GROUP BY unit")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also time the previous way (ids listed with every value, one call per street)",
    )
    args = parser.parse_args()
    setup_django("cases.sqlite3")
    from taizhang.cases.models import Case

    try:
        count = Case.objects.count()
    except Exception:
        count = 0
    if args.rebuild or count < args.cases:
        build(args.cases, args.dispatch)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the schema (and indexes) the code expects
    analyse()
    if args.plan:
        plan()
    bench(args.runs, sweep=not args.skip_sweep, baseline=args.baseline)


if __name__ == "__main__":
    main()
