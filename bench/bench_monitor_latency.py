"""Alert latency with the embedded runner: from a planted burst arriving (an API batch committed, or a feed that
starts carrying it) to the burst alert in the database and on the webhook receiver.

    .venv/bin/python bench/bench_monitor_latency.py                 # SQLite file bench/var/monitor_latency.sqlite3
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_monitor_latency.py
Options: --rounds N (default 5), --tick SECONDS (default 5, the shipped TAIZHANG_MONITOR_TICK), --background N.

The runner (``runner.run_forever``, what ``taizhang monitor run`` does) runs in a thread with the shipped settings.
Each round: background posts (quiet, the district's baseline) have been analysed; then 40 reports of a new
local matter within eight minutes arrive (so one 10-minute bucket holds at least 20, the new-incident threshold).
``api``: pushed as one batch (the ingest API's path); ``feed``: a loopback RSS source polled every minute (its
schedule) starts carrying them, its next poll due 30 s later. Goal: ≤ 60 s.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import threading
import time
from pathlib import Path

from _setup import percentiles, setup_django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


MATTERS = [
    "{t}片区棚户区改造拆迁补偿标准引发居民质疑，安置房迟迟没有交付，补偿款发放进度缓慢。",
    "{t}小学食堂饭菜分量不足价格偏高，家长质疑食材是否新鲜，要求公开承包合同。",
    "{t}路段降雨后严重积水，多辆汽车熄火，早高峰拥堵近一小时，市民投诉排水管网老化。",
    "{t}小区连续三天停水，居民生活受到影响，物业和供水公司互相推诿，业主集体投诉。",
    "{t}工地夜间施工噪音扰民，居民多次拨打热线，希望街道协调施工时间。",
    "{t}农贸市场部分摊位短斤少两，消费者投诉市场监管不到位，要求严查。",
    "{t}图书馆闭馆装修一年仍未完工，读者自习无处可去，学生家长盼早日开放。",
    "{t}公交线路调整后末班车提前，夜班职工出行困难，市民建议恢复原线路。",
    "{t}养老院护理人员不足，家属反映老人照护不周，希望民政部门检查。",
    "{t}河道出现大量死鱼和异味，周边居民担心水质污染，要求环保部门监测。",
]


def planted(n: int, k: int, tag: str, start: datetime.datetime) -> list[dict]:
    core = "万柏林区" + MATTERS[k % len(MATTERS)].format(t=tag)
    return [{"title": f"{core[:16]}（{i}）", "text": f"{core}（{tag}-{i}）",
             "url": f"https://bbs.example.cn/{tag}/{i}", "source": "本地论坛",
             "published_at": (start + datetime.timedelta(seconds=12 * i)).isoformat()} for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tick", type=float, default=5.0)
    ap.add_argument("--background", type=int, default=2000)
    args = ap.parse_args()
    setup_django("monitor_latency.sqlite3")
    from django.core.management import call_command
    from django.utils import timezone

    from taizhang.monitor import actions, state
    from taizhang.monitor.models import (
        Alert,
        AlertChannel,
        Delivery,
        HourlyStat,
        Incident,
        IngestBatch,
        MonitorItem,
        PipelineState,
        Source,
        WatchList,
    )
    from taizhang.monitor.runner import run_forever
    from taizhang.monitor.store import process_batch
    from taizhang.monitor.tests.helpers import LoopbackServer, news_items, rss

    call_command("migrate", verbosity=0)
    for model in (Delivery, Alert, AlertChannel, MonitorItem, Incident, IngestBatch, HourlyStat, PipelineState, Source,
                  WatchList):
        model.objects.all().delete()
    WatchList.objects.create(key="issues", name="民生诉求",
                             expression="(万柏林 OR 万柏林区) AND (拆迁 OR 食堂 OR 积水 OR 停水 OR 噪音 OR 投诉 "
                                        "OR 图书馆 OR 公交 OR 养老 OR 污染)")
    WatchList.objects.create(key="wbl", name="万柏林", purpose="place", expression="万柏林 OR 万柏林区")
    server = LoopbackServer()
    server.routes["/hook"] = (200, {}, b'{"errcode":0}')
    actions.save_channel(acting_user=None, name="值班群", kind="webhook", target=server.url("/hook"), format="wecom",
                         is_internal=True)
    feed_items: list[dict] = []
    server.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss(feed_items))
    state.reset_runner()
    now = timezone.now()
    quiet = news_items(args.background, start=now - datetime.timedelta(hours=8),
                       step_minutes=8 * 60 / args.background)
    for i in range(0, len(quiet), 1000):
        batch, _ = actions.ingest_items(acting_user=None, items=quiet[i:i + 1000], origin=IngestBatch.Origin.CLI,
                                        limit=None)
        process_batch(batch.pk)
    source = Source.objects.create(name="本地论坛订阅", kind="feed", url=server.url("/feed.xml"), is_internal=True,
                                   schedule_minutes=1, adaptive=False)
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, kwargs={"tick_seconds": args.tick, "stop": stop, "echo": False},
                              daemon=True)
    thread.start()
    time.sleep(args.tick + 2)  # the runner's first cycle polls the (empty) feed
    results: dict[str, list[float]] = {"api": [], "feed": []}
    hooks: dict[str, list[float]] = {"api": [], "feed": []}
    for r in range(args.rounds):
        for k, path in enumerate(("api", "feed")):
            tag = f"{path}{r}"
            before = Alert.objects.filter(kind="burst").exclude(incident=None).count()
            hits = server.hits["/hook"]
            # 40 posts in 8 minutes: at least 20 in one 10-minute bucket
            rows = planted(40, 2 * r + k, tag, timezone.now() - datetime.timedelta(minutes=8))
            t0 = time.monotonic()
            if path == "api":
                actions.ingest_items(acting_user=None, items=rows, origin=IngestBatch.Origin.API)
            else:
                feed_items[:] = rows
                Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() + datetime.timedelta(
                    seconds=30))  # mid-schedule: the next poll is due in 30 s, as for a source polled every minute
            while Alert.objects.filter(kind="burst").exclude(incident=None).count() == before:
                time.sleep(0.2)
                if time.monotonic() - t0 > 300:
                    raise SystemExit(f"no alert after 300 s ({tag})")
            results[path].append((time.monotonic() - t0) * 1000)
            while server.hits["/hook"] == hits and time.monotonic() - t0 < 300:
                time.sleep(0.2)
            hooks[path].append((time.monotonic() - t0) * 1000)
            time.sleep(1)
    stop.set()
    thread.join(timeout=30)
    server.close()
    print(f"embedded runner, tick {args.tick:g} s, {args.background:,} background posts, {args.rounds} rounds")
    print(f"API batch → alert row:     {percentiles(results['api'])}")
    print(f"API batch → webhook:       {percentiles(hooks['api'])}")
    print(f"feed (due in 30 s) → alert: {percentiles(results['feed'])}")
    print(f"feed (due in 30 s) → hook:  {percentiles(hooks['feed'])}")


if __name__ == "__main__":
    main()
