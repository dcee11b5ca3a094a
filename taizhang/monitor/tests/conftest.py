"""Monitoring test set-up: the word-list sentiment stand-in, no politeness delay, a fresh pipeline state."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from taizhang.monitor.tests.helpers import LoopbackServer


@pytest.fixture(autouse=True)
def _monitor_settings(settings: Any) -> Iterator[None]:
    from taizhang.monitor.state import reset_runner

    settings.TAIZHANG_MONITOR_SENTIMENT = "lexicon"
    settings.TAIZHANG_MONITOR_HOST_INTERVAL = 0
    reset_runner()
    yield
    reset_runner()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


@pytest.fixture
def staff(tree: Any) -> Any:
    from taizhang.core.testing import make_user

    return make_user("staff", tree.district, username="staff_m")


@pytest.fixture
def day_of_data(tree: Any) -> tuple[datetime.date, Any]:
    """Yesterday: 60 news items and 40 posts of one matter (an incident), ingested and processed."""
    from taizhang.monitor import actions
    from taizhang.monitor.models import IngestBatch, WatchList
    from taizhang.monitor.store import process_batch
    from taizhang.monitor.tests.helpers import news_items
    from taizhang.monitor.tests.test_store import planted

    WatchList.objects.create(key="wbl", name="万柏林", purpose="place", expression="万柏林 OR 万柏林区 OR 东城街道")
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    day = timezone.localdate() - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    rows = news_items(60, start=start, step_minutes=10) + planted(40, "西山路", start + datetime.timedelta(hours=6),
                                                                  minutes=0.2)
    batch, _ = actions.ingest_items(acting_user=None, items=rows, origin=IngestBatch.Origin.CLI, limit=None)
    return day, process_batch(batch.pk)
