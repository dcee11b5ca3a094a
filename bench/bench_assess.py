"""Benchmark of the assessment run and the progress dashboard on a 1,000,000-record ledger over 500 units.

Usage (run by hand):
    .venv/bin/python bench/bench_assess.py                  # SQLite file bench/var/assess.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_assess .venv/bin/python bench/bench_assess.py
Options: --records N (default 1,000,000 over 2024–2025), --units N (default 500 peer units: direct children of the
root, 200 streets/towns and 300 bureaus, ranked in two groups), --rebuild, -n N (repetitions, default 5).
The database is built once (1–3 minutes) and reused; --rebuild makes it again.

The ledger: a fifth of the records are placements (with outlet level, headline/front-page/long flags, story keys
shared by a few percent of pieces, and joint credits on about 5 %), the rest spread over every activity type.
The scheme: placement scoring (levels, multipliers, story dedupe, joint split), three metric items with caps,
a target-completion item, bonus and deduction items, line weights, secondary tie keys.

Prints:
- assess: scoring.assess over the year 2025 and over one month (computation only), p50/p95;
- run: actions.run_assessment for the year (computation + storing 500 results with their items and record ids);
- progress page: the /targets/progress/ page (4 targets × 500 allocations, charts) for a staff user of the root and
  for a unit's liaison, through the Django test client, p50/p95 and SQL queries.
Goal: the yearly assessment run under 5 s.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time
from decimal import Decimal
from typing import Any

from _setup import percentiles, setup_django

YEAR = 2025


def build(n_records: int, n_units: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from taizhang.ledger.models import ActivityType, Outlet, Placement, PlacementCredit, Record, RecordFigure
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    with transaction.atomic():
        for table in ("targets_assessmentitemresult", "targets_assessmentresult", "targets_bulletin",
                      "targets_assessmentrun", "targets_adjustment", "targets_schemeitem", "targets_schemeversion",
                      "targets_scheme", "targets_allocation", "targets_target"):
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {table}")
        PlacementCredit.objects.all().delete()
        Placement.objects.all().delete()
        RecordFigure.objects.all().delete()
        Record.objects.all().delete()
        Unit.objects.all().update(parent=None)
        Unit.objects.all().delete()
    rng = random.Random(11)
    t0 = time.perf_counter()
    root = Unit.objects.create(code="ROOT", name="基准区委宣传部", short_name="全区", kind="district", path="",
                               depth=0)
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    units = []
    for i in range(n_units):
        kind = "street" if i < n_units * 2 // 5 else "bureau"
        u = Unit.objects.create(code=f"U{i:04d}", name=f"{'街道' if kind == 'street' else '部门'}{i}", kind=kind,
                                parent=root, depth=1, sort_order=i, population=rng.randrange(2000, 120000))
        u.path = f"{root.path}{u.pk}/"
        u.save(update_fields=["path"])
        units.append(u)
    outlets = {level: list(Outlet.objects.filter(level=level)[:20]) for level in ("national", "provincial")}
    for level, name in (("municipal", "基准市日报"), ("district", "基准区融媒")):
        outlets[level] = [Outlet.objects.get_or_create(name=name, defaults={"level": level, "kind": "newspaper"})[0]]
    placement_type = ActivityType.objects.get(key="placement")
    others = list(ActivityType.objects.exclude(kind="placement").prefetch_related("type_metrics__metric"))
    placement_metric = placement_type.type_metrics.get().metric_id
    start = datetime.date(YEAR - 1, 1, 1)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_record")
        next_id = cur.fetchone()[0] + 1
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_placement")
        next_pid = cur.fetchone()[0] + 1
    ph = "%s"

    def insert(cur: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})", rows)

    batch = 50_000
    pid = next_pid
    for offset in range(0, n_records, batch):
        recs, figs, places, credits = [], [], [], []
        for i in range(offset, min(n_records, offset + batch)):
            rid = next_id + i
            u = units[rng.randrange(len(units))]
            day = start + datetime.timedelta(days=rng.randrange(730))
            if i % 5 == 0:
                level = rng.choices(["national", "provincial", "municipal", "district"], [4, 18, 70, 8])[0]
                recs.append((rid, u.pk, placement_type.pk, f"用稿{i}", day, "", "", "approved", "demo", now, now, 1,
                             ""))
                figs.append((rid, placement_metric, 1, 1, u.pk, day, True, level))
                story = f"s{rng.randrange(n_records // 40)}" if rng.random() < 0.06 else ""
                places.append((pid, rid, rng.choice(outlets[level]).pk, level, f"稿件{i}", "", "",
                               rng.random() < 0.08, rng.random() < 0.1, rng.random() < 0.2, 1200, story))
                credits.append((pid, u.pk, Decimal(1)))
                if rng.random() < 0.05:
                    other = units[rng.randrange(len(units))]
                    if other.pk != u.pk:
                        credits.append((pid, other.pk, Decimal("0.5")))
                pid += 1
                continue
            t = others[i % len(others)]
            recs.append((rid, u.pk, t.pk, f"记录{i}", day, "", "", "approved", "demo", now, now, 1, ""))
            for link in t.type_metrics.all():
                value = link.default if link.default is not None else rng.randrange(1, 300)
                figs.append((rid, link.metric_id, value, 1, u.pk, day, True, ""))
        with transaction.atomic(), connection.cursor() as cur:
            insert(cur, Record._meta.db_table, ("id", "unit_id", "activity_type_id", "title", "start_date",
                                                "description", "location", "status", "source", "created_at",
                                                "updated_at", "version", "review_comment"), recs)
            insert(cur, RecordFigure._meta.db_table, ("record_id", "metric_id", "value", "metric_version", "unit_id",
                                                      "date", "effective", "outlet_level"), figs)
            insert(cur, Placement._meta.db_table, ("id", "record_id", "outlet_id", "outlet_level", "article_title",
                                                   "url", "page", "is_headline", "is_front_page", "is_long",
                                                   "word_count", "story_key"), places)
            insert(cur, PlacementCredit._meta.db_table, ("placement_id", "unit_id", "share"), credits)
        print(f"  {min(n_records, offset + batch):,} records", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"built {n_records:,} records over {n_units + 1} units in {time.perf_counter() - t0:.0f} s")


def setup_assessment() -> Any:
    """Targets for YEAR allocated to every unit, the scheme, adjustments, users (idempotent)."""
    from taizhang.ledger.models import LineOfWork, MetricDefinition
    from taizhang.org.models import Unit
    from taizhang.targets import actions
    from taizhang.targets.models import Scheme, Target

    found = Scheme.objects.filter(key="bench").first()
    if found is not None:
        return found
    root = Unit.objects.get(parent__isnull=True)
    peers = list(Unit.objects.filter(parent=root).order_by("sort_order"))
    for key, name, metric, levels, value, method in (
        ("prov", "省级以上媒体用稿", "placements", ["national", "provincial"], 22000, "equal"),
        ("all", "媒体用稿总量", "placements", [], 100000, "population"),
        ("lectures", "理论宣讲", "lecture_events", [], 30000, "last_year"),
        ("practice", "文明实践活动", "practice_activities", [], 30000, "equal"),
    ):
        t = actions.create_target(acting_user=None, year=YEAR, key=key, name=name, owner=root,
                                  metric=MetricDefinition.objects.get(key=metric), value=value, outlet_levels=levels)
        split = actions.split_target(t, peers, method)
        actions.save_allocations(acting_user=None, target=t, expected_version=t.version, values=split, method=method)
    lines = {line.key: line for line in LineOfWork.objects.all()}
    scheme = actions.create_scheme(
        acting_user=None, key="bench", name="基准考核", subject="宣传工作", owner=root,
        items=[
            {"key": "placement", "name": "用稿", "kind": "placement", "line": lines["news_external"], "rule": {
                "points": {"national": "20", "provincial": "10", "municipal": "5", "district": "1"},
                "headline_multiplier": "2", "front_page_multiplier": "1.5", "long_multiplier": "1.2",
                "multiplier_mode": "max", "dedupe": "story_key_highest_level", "split_joint": True, "cap": "2000"}},
            {"key": "lectures", "name": "宣讲", "kind": "metric", "line": lines["lectures"],
             "rule": {"metric": "lecture_events", "points_per": "0.5", "cap": "200"}},
            {"key": "practice", "name": "文明实践", "kind": "metric", "line": lines["practice"],
             "rule": {"metric": "practice_activities", "points_per": "0.2"}},
            {"key": "hours", "name": "志愿服务时长", "kind": "metric", "line": lines["volunteers"],
             "rule": {"metric": "vol_hours", "points_per": "0.001", "cap": "50"}},
            {"key": "target", "name": "用稿任务", "kind": "target_completion", "line": lines["news_external"],
             "rule": {"target": "prov", "points": "30", "max_ratio": "1.2"}},
            {"key": "bonus", "name": "加分", "kind": "bonus", "rule": {"max": "10"}},
            {"key": "minus", "name": "减分", "kind": "deduction", "rule": {"max": "10"}},
        ],
        ranking={"groups": [{"key": "streets", "name": "街道", "kinds": ["street"]},
                            {"key": "bureaus", "name": "部门", "kinds": ["bureau"]}],
                 "tie_rule": "secondary", "tie_keys": ["placements:national", "item:lectures"],
                 "weights": {"news_external": "1.5", "lectures": "1"}},
    )
    rng = random.Random(3)
    for i in range(200):
        actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="bonus" if i % 3 else "minus",
                                   unit=rng.choice(peers), date=datetime.date(YEAR, rng.randrange(1, 13), 10),
                                   points=rng.choice([1, 2, 3]), reason="基准", approve=True,
                                   evidence_url="https://example.com/e")
    assert Target.objects.filter(year=YEAR).count() == 4
    return scheme


def users() -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    root = Unit.objects.get(parent__isnull=True)
    unit = Unit.objects.filter(parent=root).order_by("sort_order").first()
    model = get_user_model()
    staff, _ = model.objects.get_or_create(username="bench_assess_staff")
    liaison, _ = model.objects.get_or_create(username="bench_assess_liaison")
    org_actions.grant_role(acting_user=None, user=staff, unit=root, role="staff")
    org_actions.grant_role(acting_user=None, user=liaison, unit=unit, role="liaison")
    return staff, liaison


def timed(fn: Any, n: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    setup_django("assess.sqlite3")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from taizhang.core.periods import parse_period
    from taizhang.ledger.models import Placement, Record
    from taizhang.targets import actions, scoring

    call_command("migrate", verbosity=0)
    if args.rebuild or Record.objects.count() < args.records:
        build(args.records, args.units)
    scheme = setup_assessment()
    print(f"database: {connection.vendor}; records: {Record.objects.count():,}; placements: "
          f"{Placement.objects.count():,}; peer units: {args.units}")
    version = scheme.current
    year, month = parse_period(str(YEAR)), parse_period(f"{YEAR}-06")
    samples, result = timed(lambda: scoring.assess(version, year), args.n)
    records = sum(len(i.records) for u in result.units for i in u.items)
    print(f"assess {YEAR} (compute)    {percentiles(samples)}  units {len(result.units)}, record ids kept {records:,}")
    samples, _ = timed(lambda: scoring.assess(version, month), args.n)
    print(f"assess {YEAR}-06 (compute) {percentiles(samples)}")
    samples, run = timed(lambda: actions.run_assessment(acting_user=None, scheme=scheme, period=year), args.n)
    print(f"run {YEAR} (compute+store) {percentiles(samples)}  (run #{run.pk}, {run.results.count()} results)")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    staff, liaison = users()
    for label, user in (("progress page, staff", staff), ("progress page, liaison", liaison)):
        client = Client()
        client.force_login(user)
        url = f"/targets/progress/?year={YEAR}&as_of={YEAR}-10-31"
        count = [0]

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any, n: list[int] = count) -> Any:
            n[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        samples, _ = timed(lambda c=client, u=url: c.get(u), args.n)
        print(f"{label:<24} {percentiles(samples)}  queries {count[0]}, {len(response.content) // 1024} kB")


if __name__ == "__main__":
    main()
