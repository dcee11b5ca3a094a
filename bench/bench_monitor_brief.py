"""The daily brief (每日舆情) over a day of 1,000,000 items: build_daily (queries and composition), the .docx and
HTML, and generate_daily_brief (all of it plus storing the Brief). Goal: ≤ 10 s.

    .venv/bin/python bench/bench_monitor_brief.py                 # SQLite file bench/var/monitor_brief.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_monitor .venv/bin/python bench/bench_monitor_brief.py
Options: --items N (default 1,000,000), --incidents N (default 2,000), --rebuild, --runs N (default 5).

The day is written once and reused: N item rows (short public posts; 25 % in incidents, 8 % reprints) with the
aggregates the storage step keeps for them — 24 HourlyStat rows and IncidentHourly rows for every incident-hour —
plus incidents, alerts, responses and proposals. Items and aggregates are written directly (the pipeline itself is
measured by bench_monitor_store.py); the brief reads only the aggregates, so its cost does not grow with the items.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import time

from _setup import percentiles, setup_django

DAY = datetime.date(2024, 5, 1)


def build(n_items: int, n_incidents: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from taizhang.monitor.models import (
        Alert,
        Brief,
        HourlyStat,
        Incident,
        IncidentHourly,
        MonitorItem,
        PipelineState,
        Response,
    )
    from taizhang.org.models import Unit

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        for model in (Brief, Response, Alert, IncidentHourly, MonitorItem, Incident, HourlyStat, PipelineState):
            model.objects.all().delete()
    rng = random.Random(7)
    unit = Unit.objects.filter(parent__isnull=True).first()
    if unit is None:
        unit = Unit.objects.create(code="BENCH", name="基准区委宣传部", kind="district", path="", depth=0)
        unit.path = f"/{unit.pk}/"
        unit.save(update_fields=["path"])
    start = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time.min))
    hours = [start + datetime.timedelta(hours=h) for h in range(24)]
    t0 = time.perf_counter()
    incidents = []
    for i in range(n_incidents):
        first = hours[rng.randrange(20)]
        incidents.append(Incident(
            label=f"事件{i}·拆迁·补偿", key_terms=["拆迁", "补偿", f"词{i}"], first_seen=first,
            last_seen=first + datetime.timedelta(hours=3), items_count=0, grade=rng.choice(["general"] * 8 + ["major",
                                                                                                          "severe"]),
            status=rng.choice(["new", "new", "assigned", "responded"]),
            assigned_unit=unit if i % 3 == 0 else None,
            deadline=start + datetime.timedelta(hours=30) if i % 3 == 0 else None,
        ))
    Incident.objects.bulk_create(incidents, batch_size=1000)
    incidents = list(Incident.objects.order_by("pk"))
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(incidents))]  # a few large incidents, many small ones
    ops = connection.ops
    cols = ["key", "url", "url_hash", "title", "text", "source_name", "published_at", "fetched_at", "at",
            "fingerprint", "duplicate_kind", "sentiment", "label", "matches", "terms", "incident_id", "level", "reach",
            "seq"]
    sql = (f"INSERT INTO monitor_monitoritem ({', '.join(cols)}) "
           f"VALUES ({', '.join(['%s'] * len(cols))})")
    hourly = {h: {"items": 0, "duplicates": 0, "matched": 0, "positive": 0, "negative": 0, "neutral": 0} for h in hours}
    inc_hourly: dict[tuple[int, datetime.datetime], dict[str, int]] = {}
    inc_counts: dict[int, int] = {}
    labels = ["pos", "neg", "neu"]
    empty = json.dumps([])
    rows = []
    chosen_incidents = rng.choices(incidents, weights=weights, k=n_items // 4)
    for n in range(n_items):
        hour = hours[min(23, int(rng.triangular(0, 24, 15)))]
        at = hour + datetime.timedelta(seconds=rng.randrange(3600))
        label = rng.choices(labels, weights=[3, 2, 5])[0]
        dup = rng.random() < 0.08
        inc = chosen_incidents[n // 4] if n % 4 == 0 and n // 4 < len(chosen_incidents) else None
        agg = hourly[hour]
        agg["items"] += 1
        agg["duplicates"] += dup
        agg[{"pos": "positive", "neg": "negative"}.get(label, "neutral")] += 1
        if inc is not None:
            agg["matched"] += 1
            key = (inc.pk, hour)
            row = inc_hourly.setdefault(key, {"items": 0, "duplicates": 0, "positive": 0, "negative": 0, "neutral": 0})
            row["items"] += 1
            row["duplicates"] += dup
            row[{"pos": "positive", "neg": "negative"}.get(label, "neutral")] += 1
            inc_counts[inc.pk] = inc_counts.get(inc.pk, 0) + 1
        stamp = ops.adapt_datetimefield_value(at)
        rows.append((f"b{n:x}", f"https://bench.example.cn/{n}", f"{n:032x}", f"网帖{n}",
                     f"万柏林区网帖正文第{n}条，内容从略。",
                     "某论坛", stamp, stamp, stamp, f"{n:032x}", "near" if dup else "", 0.5, label,
                     empty if inc is None else json.dumps(["chai"]), empty, inc.pk if inc else None, "other", 1, 1))
        if len(rows) >= 20_000:
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, rows)
            rows = []
    if rows:
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
    with transaction.atomic():
        HourlyStat.objects.bulk_create([
            HourlyStat(hour=h, by_level={"other": v["items"]}, by_source={"某论坛": v["items"]}, **v)
            for h, v in hourly.items()
        ])
        IncidentHourly.objects.bulk_create([IncidentHourly(incident_id=i, hour=h, **v)
                                            for (i, h), v in inc_hourly.items()], batch_size=2000)
        for inc in incidents:
            n = inc_counts.get(inc.pk, 0)
            Incident.objects.filter(pk=inc.pk).update(items_count=n, negative_share=0.2, peak_per_hour=n // 3)
        Alert.objects.bulk_create([Alert(kind=rng.choice(["burst", "grade_up", "overdue"]), grade="major",
                                         title=f"预警{i}", dedupe_key=f"bench-{i}", incident=incidents[i],
                                         created_at=hours[rng.randrange(24)]) for i in range(200)])
        Response.objects.bulk_create([Response(incident=incidents[i * 3], unit=unit, published_text="情况说明",
                                               where="政务微信公众号", published_at=hours[10 + i % 12])
                                      for i in range(60)])
        PipelineState.objects.create(key="bench-brief", version=n_items)
    print(f"built {n_items:,} items, {len(incidents):,} incidents, {len(inc_hourly):,} incident-hours "
          f"in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--incidents", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    setup_django("monitor_brief.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from taizhang.monitor import actions, brief
    from taizhang.monitor.models import MonitorItem, PipelineState

    marker = PipelineState.objects.filter(key="bench-brief").first()
    if args.rebuild or marker is None or marker.version != args.items:
        build(args.items, args.incidents)
    n = MonitorItem.objects.count()
    compose, render, total = [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        doc = brief.build_daily(DAY)
        t1 = time.perf_counter()
        brief.render(doc)
        t2 = time.perf_counter()
        actions.generate_daily_brief(acting_user=None, day=DAY)
        t3 = time.perf_counter()
        compose.append((t1 - t0) * 1000)
        render.append((t2 - t1) * 1000)
        total.append((t3 - t2) * 1000)
    print(f"database: {connection.vendor}; day of {n:,} items; total in the brief: {doc.figure_map()['total'].text}")
    print(f"build_daily (aggregate queries + text): {percentiles(compose)}")
    print(f"docx + html:                            {percentiles(render)}")
    print(f"generate_daily_brief (all, stored):     {percentiles(total)}")


if __name__ == "__main__":
    main()
