"""Throughput of monitoring analysis *with storage*: ingest → process_batch (the whole pipeline plus the storage
steps: items, incidents, hourly aggregates, alerts, proposals) on SQLite or PostgreSQL.

    .venv/bin/python bench/bench_monitor_store.py                        # SQLite file bench/var/monitor_store.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_monitor .venv/bin/python bench/bench_monitor_store.py
Options: --posts N (default 20,000), --batch N (default 1,000), --scope matched|all.

Posts come from bench_pipeline.build_stream (THUCNews and weibo2018 sentences, 5 % planted near duplicates, 48 hours),
with its 12 watch lists. The monitoring tables are emptied first; each batch is stored as an IngestBatch (as the API
or a poll would) and analysed by process_batch in its own transaction, one after the other, like the embedded runner.
Reported: posts/s end to end, and the split between the pipeline's steps and the storage.
"""

from __future__ import annotations

import argparse
import os
import time

from _setup import setup_django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--scope", default="matched", choices=["matched", "all"])
    args = ap.parse_args()
    setup_django("monitor_store.sqlite3")
    from bench_pipeline import WATCHLISTS, build_stream
    from django.core.management import call_command
    from django.db import connection

    from taizhang.monitor import actions, state
    from taizhang.monitor.models import (
        Alert,
        Delivery,
        HourlyStat,
        Incident,
        IngestBatch,
        MonitorItem,
        PipelineState,
        WatchList,
    )
    from taizhang.monitor.store import process_batch

    call_command("migrate", verbosity=0)
    for model in (Delivery, Alert, MonitorItem, Incident, IngestBatch, HourlyStat, PipelineState, WatchList):
        model.objects.all().delete()
    if args.scope == "matched":
        for key, name, expression in WATCHLISTS:
            WatchList.objects.create(key=key, name=name, expression=expression)
    items, _truth = build_stream(args.posts, 0.05)
    raw = [{"title": "", "text": it.text, "url": f"https://bench.example.cn/{it.id}",
            "published_at": it.published_at.isoformat() if it.published_at else None, "source": it.source}
           for it in items]
    state.reset_runner()
    runner = state.get_runner()
    # warm up: load the segmenter, the sentiment model and an empty state (not timed)
    # (dated like the stream: the dedup window is measured back from the newest item seen)
    warm = actions.ingest_items(acting_user=None, items=[{"title": "预热", "text": "预热文本，不计时。",
                                                          "published_at": raw[0]["published_at"]}],
                                origin=IngestBatch.Origin.CLI)[0]
    process_batch(warm.pk)
    model = runner.ctx.sentiment_model if runner.ctx else None
    runner.ctx.timings.clear() if runner.ctx else None
    ingest_s = process_s = 0.0
    stored = dup = 0
    started = time.perf_counter()
    for start in range(0, len(raw), args.batch):
        t0 = time.perf_counter()
        batch, _ = actions.ingest_items(acting_user=None, items=raw[start:start + args.batch],
                                        origin=IngestBatch.Origin.CLI, limit=None)
        t1 = time.perf_counter()
        out = process_batch(batch.pk)
        t2 = time.perf_counter()
        ingest_s += t1 - t0
        process_s += t2 - t1
        stored += out.stored
        dup += out.duplicates
        assert out.status == "done", out.error
    total = time.perf_counter() - started
    timings = runner.ctx.timings if runner.ctx else {}
    pipeline_s = sum(timings.values())
    print(f"database: {connection.vendor} ({os.environ.get('DATABASE_URL', '').split('@')[-1]})")
    print(f"sentiment model: {type(model).__module__}.{type(model).__name__}")
    incidents = Incident.objects.count()
    print(f"posts {len(raw):,} in batches of {args.batch:,}, scope {args.scope}: stored {stored:,}, "
          f"duplicates {dup:,}, incidents {incidents:,}, alerts {Alert.objects.count():,}")
    print(f"end to end: {total:.1f} s = {len(raw) / total:,.0f} posts/s "
          f"(ingest {ingest_s:.1f} s, analyse+store {process_s:.1f} s)")
    print(f"  pipeline steps {pipeline_s:.1f} s: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"  storage and state {process_s - pipeline_s:.1f} s")


if __name__ == "__main__":
    main()
