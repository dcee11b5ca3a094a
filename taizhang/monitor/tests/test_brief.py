"""每日舆情 and 舆情专报 from aggregates only; retention keeps incidents and counts; placement proposals."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest
from django.utils import timezone

from taizhang.ledger.models import Record
from taizhang.monitor import actions, brief
from taizhang.monitor.models import Brief, HourlyStat, Incident, IngestBatch, MonitorItem, PlacementProposal, WatchList
from taizhang.monitor.store import process_batch
from taizhang.reports.docwriter import read_provenance, read_text

pytestmark = pytest.mark.django_db




def test_daily_brief_from_aggregates(day_of_data, tmp_path):
    day, out = day_of_data
    row = actions.generate_daily_brief(acting_user=None, day=day)
    assert row.kind == "daily" and row.docx.name.endswith(".docx") and "每日舆情" in row.html
    path = tmp_path / "brief.docx"
    path.write_bytes(row.docx.read())
    provenance = read_provenance(path)
    assert provenance["total"]["source"]["kind"] == "monitor"
    assert provenance["total"]["value"] == "100"
    text = "\n".join(read_text(path))
    assert "100条" in text and "重点舆情" in text and "拆迁" in text
    inc = Incident.objects.get(pk=out.incidents_created[0])
    assert f"inc{inc.pk}" in provenance
    # regenerating replaces the day's brief
    actions.generate_daily_brief(acting_user=None, day=day)
    assert Brief.objects.filter(kind="daily", date=day).count() == 1
    # the brief does not read items: prune them all and the figures stay the same
    actions.prune_items(acting_user=None, days=1, now=timezone.now() + datetime.timedelta(days=5))
    assert not MonitorItem.objects.exists()
    again = brief.build_daily(day)
    assert again.figure_map()["total"].value == 100
    assert again.figure_map()[f"inc{inc.pk}"].value == 40


def test_special_report(day_of_data, tmp_path):
    _day, out = day_of_data
    inc = Incident.objects.get(pk=out.incidents_created[0])
    row = actions.generate_special_report(acting_user=None, incident=inc)
    path = tmp_path / "report.docx"
    path.write_bytes(row.docx.read())
    text = "\n".join(read_text(path))
    assert "舆情专报" in text and "代表性信息" in text and "尚未交办" in text
    assert read_provenance(path)["items"]["value"] == "40"


def test_prune_keeps_incidents_and_curves(day_of_data, tmp_path):
    _day, out = day_of_data
    inc = Incident.objects.get(pk=out.incidents_created[0])
    before = (inc.items_count, list(inc.hourly.values_list("hour", "items")), inc.representatives)
    total = sum(HourlyStat.objects.values_list("items", flat=True))
    archive = tmp_path / "old.jsonl.gz"
    result = actions.prune_items(acting_user=None, days=1, archive=str(archive),
                                 now=timezone.now() + datetime.timedelta(days=3))
    assert result["deleted"] == 100 == result["archived"]
    with gzip.open(archive, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 100 and rows[0]["text"]
    inc.refresh_from_db()
    assert (inc.items_count, list(inc.hourly.values_list("hour", "items")), inc.representatives) == before
    assert sum(HourlyStat.objects.values_list("items", flat=True)) == total
    with pytest.raises(Exception, match="至少"):
        actions.prune_items(acting_user=None, days=0)


def test_placement_proposal_to_ledger(tree, taxonomy, staff):
    WatchList.objects.create(key="place", name="本区", purpose="place", expression="测试区 OR 东城街道")
    now = timezone.now()
    rows = [
        {"title": "东城街道志愿服务暖人心", "text": "东城街道志愿者为社区老人提供便民服务，居民点赞。" * 3,
         "url": "http://sx.people.com.cn/n2/2024/0501/c1-1.html", "published_at": now.isoformat(), "source": ""},
        {"title": "东城街道投诉不断", "text": "东城街道居民投诉噪音扰民，质疑拆迁。" * 3,
         "url": "http://sx.people.com.cn/n2/2024/0501/c1-2.html", "published_at": now.isoformat()},
        {"title": "东城街道志愿服务", "text": "东城街道志愿者开展服务活动，群众满意。" * 3,
         "url": "https://forum.example.com/1", "published_at": now.isoformat(), "source": "某论坛"},
    ]
    batch, _ = actions.ingest_items(acting_user=None, items=rows, origin=IngestBatch.Origin.CLI)
    assert process_batch(batch.pk).proposals == 1
    proposal = PlacementProposal.objects.get()
    assert proposal.outlet.name == "人民网" and proposal.unit == tree.street_a
    assert MonitorItem.objects.get(url=rows[0]["url"]).level == "national"
    actions.accept_proposal(acting_user=staff, proposal=proposal)
    proposal.refresh_from_db()
    record = Record.objects.get(pk=proposal.record_id)
    assert record.source == Record.Source.MONITORING and record.status == Record.Status.SUBMITTED
    assert record.placement.outlet.name == "人民网" and record.placement.outlet_level == "national"
    assert record.unit == tree.street_a
