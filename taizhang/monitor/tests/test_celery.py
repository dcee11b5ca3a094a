"""The scale-out path end to end: a real Celery worker (subprocess) on Redis or RabbitMQ with PostgreSQL.

Runs when TAIZHANG_TEST_DATABASE_URL points at PostgreSQL (CI sets it) and the broker answers; otherwise skipped
with the reason. The test database must be visible to the worker, so the test commits (transaction=True) and the
worker connects to the same test database by name.
"""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from taizhang.monitor import actions
from taizhang.monitor.models import Alert, Brief, Delivery, IngestBatch, MonitorItem, Source, WatchList
from taizhang.monitor.tests.helpers import news_items, rss
from taizhang.monitor.tests.test_store import planted

REPO = Path(__file__).resolve().parents[3]
BROKERS = {
    "redis": "redis://127.0.0.1:6379/15",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}
pytestmark = [pytest.mark.celery, pytest.mark.postgres]


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5672), timeout=2):
            return True
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    raise AssertionError(f"{what}: not within {timeout:g} s (worker exit code {proc.poll()})\n{tail}")


@pytest.fixture(params=list(BROKERS))
def worker(request, transactional_db, tmp_path):
    if not os.environ.get("TAIZHANG_TEST_DATABASE_URL"):
        pytest.skip("需要 PostgreSQL：设置 TAIZHANG_TEST_DATABASE_URL（CI 中已设置）")
    if connection.vendor != "postgresql":
        pytest.skip("TAIZHANG_TEST_DATABASE_URL 不是 PostgreSQL")
    broker = BROKERS[request.param]
    if not _reachable(broker):
        pytest.skip(f"消息队列 {broker} 不可达")
    db_url = urlsplit(os.environ["TAIZHANG_TEST_DATABASE_URL"])
    test_db = urlunsplit(db_url._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    queue = f"tzm-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "taizhang.settings", "DATABASE_URL": test_db,
        "TAIZHANG_BROKER_URL": broker, "TAIZHANG_DATA_DIR": str(tmp_path),
        "TAIZHANG_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TAIZHANG_MONITOR_SENTIMENT": "lexicon", "TAIZHANG_MONITOR_HOST_INTERVAL": "0", "TZM_QUEUE": queue,
        "TAIZHANG_JOBS_EAGER": "0", "TAIZHANG_DEV_RELAXED": "1",
    }
    env.pop("TAIZHANG_TEST_DATABASE_URL", None)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen([sys.executable, "-m", "taizhang.monitor.tests.celery_worker"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    from celery import Celery

    client = Celery(broker=broker)
    client.conf.broker_connection_retry_on_startup = True
    yield client, queue, proc, tmp_path / "worker.log"
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    log.close()
    client.close()


def test_celery_poll_process_alert_brief(worker, server):
    client, queue, proc, log = worker
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    now = timezone.now()
    feed = news_items(20, start=now - datetime.timedelta(hours=4), step_minutes=10) + planted(
        40, "西山路", now - datetime.timedelta(minutes=5), minutes=0.1)
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(feed))
    server.routes["/hook"] = (200, {}, b'{"errcode":0}')
    source = Source.objects.create(name="订阅", kind="feed", url=server.url("/feed.xml"), is_internal=True)
    channel = actions.save_channel(acting_user=None, name="值班群", kind="webhook", target=server.url("/hook"),
                                   format="wecom")
    # the loopback test server is a private address: a security administrator's decision
    actions.set_internal_address(acting_user=None, target=channel, internal=True, reason="测试用本机接收端")
    client.send_task("taizhang.monitor.poll_source", args=[source.pk], queue=queue)
    _wait(lambda: MonitorItem.objects.count() == 60, 120, "poll_source → process_batch stored the items", proc, log)
    _wait(lambda: Alert.objects.filter(kind="burst").exclude(incident=None).exists(), 30, "burst alert", proc, log)
    _wait(lambda: Delivery.objects.filter(status="sent").exists() and server.hits["/hook"] >= 1, 60,
          "send_alert delivered to the webhook", proc, log)
    # a pushed batch (the ingest API path) analysed by the worker
    batch, _ = actions.ingest_items(acting_user=None, items=news_items(10, seed=3, prefix="https://p.example.cn/"),
                                    origin=IngestBatch.Origin.API)
    client.send_task("taizhang.monitor.process_batch", args=[batch.pk], queue=queue)
    _wait(lambda: IngestBatch.objects.get(pk=batch.pk).status == "done", 60, "process_batch", proc, log)
    day = timezone.localdate()
    client.send_task("taizhang.monitor.daily_brief", args=[day.isoformat()], queue=queue)
    _wait(lambda: Brief.objects.filter(kind="daily", date=day).exists(), 60, "daily_brief", proc, log)
