"""Celery with 2 workers vs 1: polling K feeds (fetch + feedparser, in parallel across workers) and analysing their
batches (serialised by the PipelineState lock, whichever worker runs them).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_monitor .venv/bin/python bench/bench_monitor_celery.py
Options: --feeds K (default 16), --items M per feed (default 500), --workers 1,2, --repeat N (default 3), --broker URL
(default TAIZHANG_BROKER_URL or redis://127.0.0.1:6379/15).

Each worker is a subprocess (``celery worker --pool=solo`` on a queue of its own run). The feeds are served on
loopback; the per-host politeness gap is set to 0 for the run (all feeds share one host, and a 5 s gap would
measure the politeness, not the workers). Each worker first analyses a one-item batch on a queue of its own
(not timed), so start-up and model loading are left out. Runs alternate 1, 2, 1, 2 …; reported per worker count
(median of the runs): time until every poll has produced its batch, and until every batch is analysed and stored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _setup import ROOT, setup_django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=16)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--broker", default=os.environ.get("TAIZHANG_BROKER_URL") or "redis://127.0.0.1:6379/15")
    args = ap.parse_args()
    setup_django("monitor_celery.sqlite3")
    from bench_pipeline import WATCHLISTS, build_stream
    from celery import Celery
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from taizhang.monitor import actions
    from taizhang.monitor.models import (
        Alert,
        Delivery,
        HourlyStat,
        Incident,
        IngestBatch,
        MonitorItem,
        PipelineState,
        Source,
        WatchList,
    )
    from taizhang.monitor.tests.helpers import LoopbackServer, rss

    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        print("note: SQLite — the scale-out path is PostgreSQL; set DATABASE_URL")
    items, _ = build_stream(args.feeds * args.items, 0.05)
    server = LoopbackServer()
    for f in range(args.feeds):
        chunk = items[f * args.items:(f + 1) * args.items]
        server.routes[f"/feed/{f}.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss([
            {"title": it.text[:20], "text": it.text, "url": f"https://bench.example.cn/{it.id}",
             "published_at": it.published_at.isoformat() if it.published_at else None} for it in chunk]))
    client = Celery(broker=args.broker)
    results: dict[int, list[tuple[float, float, int]]] = {}
    plan = [int(x) for x in args.workers.split(",")] * args.repeat
    for n_workers in plan:
        for model in (Delivery, Alert, MonitorItem, Incident, IngestBatch, HourlyStat, PipelineState, Source,
                      WatchList):
            model.objects.all().delete()
        for key, name, expression in WATCHLISTS:
            WatchList.objects.create(key=key, name=name, expression=expression)
        sources = [Source.objects.create(name=f"订阅{f}", kind="feed", url=server.url(f"/feed/{f}.xml"),
                                         is_internal=True, timeout_seconds=60, max_bytes=50_000_000)
                   for f in range(args.feeds)]
        queue = f"tzm-bench-{uuid.uuid4().hex[:8]}"
        base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "taizhang.settings",
                    "DATABASE_URL": os.environ.get("DATABASE_URL",
                                                   f"sqlite:///{settings.DATABASES['default']['NAME']}"),
                    "TAIZHANG_BROKER_URL": args.broker, "TAIZHANG_MONITOR_HOST_INTERVAL": "0", "TZM_QUEUE": queue,
                    "TAIZHANG_DATA_DIR": str(ROOT / "bench" / "var"), "TAIZHANG_DEV_RELAXED": "1"}
        logs = [open(Path(ROOT / "bench" / "var" / f"celery-worker-{i}.log"), "w")  # noqa: SIM115
                for i in range(n_workers)]
        procs = [subprocess.Popen([sys.executable, "-m", "taizhang.monitor.tests.celery_worker"], cwd=ROOT,
                                  env={**base_env, "TZM_OWN_QUEUE": f"{queue}-w{i}"}, stdout=log,
                                  stderr=subprocess.STDOUT) for i, log in enumerate(logs)]
        # warm-up (not timed): each worker analyses a one-item batch on its own queue — Django, the dictionary,
        # the sentiment model and the pipeline state are loaded before the clock starts
        warm = []
        for i in range(n_workers):
            batch, _ = actions.ingest_items(acting_user=None, items=[{"title": "预热", "text": f"预热文本{i}",
                                                                      "published_at": "2024-05-01T07:00:00+08:00"}],
                                            origin=IngestBatch.Origin.CLI)
            warm.append(batch.pk)
            client.send_task("taizhang.monitor.process_batch", args=[batch.pk], queue=f"{queue}-w{i}")
        while IngestBatch.objects.filter(pk__in=warm).exclude(status="done").exists():
            time.sleep(0.2)
        t0 = time.perf_counter()
        for s in sources:
            client.send_task("taizhang.monitor.poll_source", args=[s.pk], queue=queue)
        polled = None
        while True:
            batches = IngestBatch.objects.exclude(pk__in=warm).count()
            if polled is None and batches >= args.feeds:
                polled = time.perf_counter() - t0
            if batches >= args.feeds and not IngestBatch.objects.exclude(status="done").exists():
                break
            if time.perf_counter() - t0 > 1800:
                raise SystemExit("not finished in 30 minutes")
            time.sleep(0.1)
        total = time.perf_counter() - t0
        stored = MonitorItem.objects.count() - len(warm)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
        results.setdefault(n_workers, []).append((polled or total, total, stored))
    server.close()
    print(f"database {connection.vendor}, broker {args.broker.split('@')[-1]}, {args.feeds} feeds × {args.items} "
          f"items, {args.repeat} runs each (median)")
    for n_workers, runs in results.items():
        polled = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        stored = runs[0][2]
        print(f"{n_workers} worker(s): all polled in {polled:.1f} s, all analysed in {total:.1f} s "
              f"({stored:,} items, {stored / total:,.0f} items/s); runs: "
              + ", ".join(f"{r[1]:.1f}" for r in runs))

if __name__ == "__main__":
    main()
