"""Storage after analysis: items, duplicates counted not shown twice, incidents, hourly aggregates, restart."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from taizhang.monitor import actions
from taizhang.monitor.models import (
    Alert,
    HourlyStat,
    Incident,
    IncidentHourly,
    IngestBatch,
    MonitorItem,
    PipelineState,
    WatchList,
)
from taizhang.monitor.pipeline.base import CHINA_TZ
from taizhang.monitor.state import get_runner, reset_runner
from taizhang.monitor.store import process_batch
from taizhang.monitor.tests.helpers import news_items

pytestmark = pytest.mark.django_db
START = datetime(2024, 5, 1, 8, 0, tzinfo=CHINA_TZ)


def ingest(items, **kw):
    batch, _ = actions.ingest_items(acting_user=None, items=items, origin=IngestBatch.Origin.CLI, limit=None, **kw)
    return process_batch(batch.pk)


def planted(n, base, start, minutes=1.0, tag="p"):
    """n reports of one matter (different wording around one core), close together in time."""
    core = "万柏林区西山路棚户区改造拆迁补偿标准引发居民质疑，多名居民反映安置房迟迟没有交付，补偿款发放进度缓慢。"
    out = []
    for i in range(n):
        out.append({
            "title": f"{base}拆迁补偿引关注（{i}）",
            "text": f"{core}记者{tag}第{i}次走访发现，{['居民', '商户', '业主', '村民'][i % 4]}表示{i}户尚未签约。",
            "url": f"https://bbs.example.cn/{tag}/{i}",
            "published_at": (start + timedelta(minutes=minutes * i)).isoformat(),
            "source": "本地论坛",
        })
    return out


def test_items_stored_with_duplicates_counted_once(tree):
    items = news_items(30, start=START)
    copy = dict(items[3], url="https://other.example.cn/copy.html", source="转载网站",
                published_at=(START + timedelta(hours=5)).isoformat())
    near = dict(items[4], text="转发：" + items[4]["text"][:-3] + "。", url="https://other.example.cn/near.html",
                published_at=(START + timedelta(hours=6)).isoformat())
    out = ingest([*items, copy, near])
    assert out.status == "done" and out.stored == 32 and out.duplicates == 2
    stored = MonitorItem.objects.get(url=copy["url"])
    original = MonitorItem.objects.get(url=items[3]["url"])
    assert stored.duplicate_of_id == original.key and stored.duplicate_kind == "exact"
    assert MonitorItem.objects.get(url=near["url"]).duplicate_kind == "near"
    original.refresh_from_db()
    assert original.reach == 2
    assert sum(h.items for h in HourlyStat.objects.all()) == 32
    assert sum(h.duplicates for h in HourlyStat.objects.all()) == 2
    # the same batch again: idempotent by URL
    again = ingest([*items[:5]])
    assert again.stored == 0 and again.known == 5
    assert MonitorItem.objects.count() == 32


def test_planted_burst_raises_alert_and_incident(tree):
    WatchList.objects.create(key="wbl", name="万柏林", purpose="place", expression="万柏林 OR 万柏林区")
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿) NOT 招聘")
    background = news_items(40, start=START, step_minutes=15)
    ingest(background)
    burst_start = START + timedelta(hours=10, minutes=1)
    out = ingest(planted(40, "西山路", burst_start, minutes=0.2))  # ≥ 20 in one bucket
    assert out.incidents_created, "planted items form an incident"
    inc = Incident.objects.get(pk=out.incidents_created[0])
    assert inc.items_count == 40 and inc.burst
    assert "chai" in inc.matches
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert Alert.Kind.BURST in kinds
    assert IncidentHourly.objects.filter(incident=inc).count() >= 1
    assert sum(IncidentHourly.objects.filter(incident=inc).values_list("items", flat=True)) == 40
    assert inc.events.filter(kind="created").exists()
    assert inc.representatives and inc.representatives[0]["url"].startswith("https://bbs.example.cn/")


def test_state_survives_restart(tree):
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    first = planted(6, "西山路", START, minutes=5)
    out1 = ingest(first)
    inc_id = out1.incidents_created[0]
    version = PipelineState.objects.get().version
    reset_runner()  # a restart: the next batch rebuilds from the database
    dup = dict(first[0], url="https://copy.example.cn/1", published_at=(START + timedelta(hours=1)).isoformat())
    more = planted(4, "西山路", START + timedelta(hours=1, minutes=5), minutes=5, tag="q")
    out2 = ingest([dup, *more])
    # the exact copy and the four rewordings are recognised against the index rebuilt from stored signatures
    assert out2.duplicates == 5
    copy = MonitorItem.objects.get(url=dup["url"])
    assert copy.duplicate_kind == "exact"
    assert copy.duplicate_of_id == MonitorItem.objects.get(url=first[0]["url"]).key
    assert set(MonitorItem.objects.filter(url__contains="/q/").values_list("duplicate_kind", flat=True)) == {"near"}
    assert not out2.incidents_created, "new reports join the incident restored from the database"
    inc = Incident.objects.get(pk=inc_id)
    assert inc.items_count == 11
    assert PipelineState.objects.get().version == version + 1
    assert get_runner().version == version + 1
