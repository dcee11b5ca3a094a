"""The embedded runner, several processes sharing the pipeline state, the command line, the demo."""

from __future__ import annotations

import datetime
import json
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from taizhang.monitor import actions, state
from taizhang.monitor.models import Alert, Delivery, Incident, IngestBatch, MonitorItem, Source, WatchList
from taizhang.monitor.runner import tick
from taizhang.monitor.state import RunnerState
from taizhang.monitor.store import process_batch
from taizhang.monitor.tests.helpers import news_items, rss
from taizhang.monitor.tests.test_store import planted

pytestmark = pytest.mark.django_db


def test_tick_polls_analyses_alerts_and_delivers(tree, server):
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    now = timezone.now()
    quiet = news_items(30, start=now - datetime.timedelta(hours=5), step_minutes=10)
    burst = planted(40, "西山路", now - datetime.timedelta(minutes=6), minutes=0.12)
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(quiet + burst))
    server.routes["/hook"] = (200, {}, b'{"errcode":0}')
    Source.objects.create(name="本地论坛订阅", kind="feed", url=server.url("/feed.xml"), is_internal=True)
    hook = actions.save_channel(acting_user=None, name="值班群", kind="webhook", target=server.url("/hook"),
                                format="wecom")
    actions.set_internal_address(acting_user=None, target=hook, internal=True, reason="测试服务器在本机")
    started = time.monotonic()
    report = tick(workers=1)
    elapsed = time.monotonic() - started
    assert report.polled == 1 and report.batches == 1 and report.items == 70
    burst_alert = Alert.objects.filter(kind="burst").exclude(incident=None).first()
    assert burst_alert is not None, "the planted burst raised an alert within one cycle"
    assert Delivery.objects.filter(alert=burst_alert, status="sent").exists()
    assert server.hits["/hook"] >= 1
    assert elapsed < 60
    again = tick(workers=1)
    assert again.polled == 0, "the source is not due again yet"


def test_processes_catch_up_on_each_other(tree):
    """Two workers alternate on batches: each catches up from the rows the other wrote before it clusters."""
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    start = timezone.make_aware(datetime.datetime(2024, 5, 1, 9, 0))
    a, b = RunnerState(), RunnerState()

    def run_on(runner, rows):
        state._RUNNER = runner
        batch, _ = actions.ingest_items(acting_user=None, items=rows, origin=IngestBatch.Origin.CLI, limit=None)
        return process_batch(batch.pk)

    first = planted(6, "西山路", start, minutes=5, tag="a")
    out1 = run_on(a, first)
    out2 = run_on(b, planted(4, "西山路", start + datetime.timedelta(minutes=40), minutes=5, tag="b"))
    assert not out2.incidents_created, "worker B rebuilt the state and joined A's incident"
    later = (start + datetime.timedelta(hours=1)).isoformat()
    copy = dict(first[2], url="https://copy.example.cn/x", published_at=later)
    out3 = run_on(a, [copy, *planted(3, "西山路", start + datetime.timedelta(minutes=70), minutes=5, tag="c")])
    assert out3.duplicates >= 1 and not out3.incidents_created
    inc = Incident.objects.get(pk=out1.incidents_created[0])
    assert inc.items_count == 14
    assert a.version == b.version + 1 == 3


def test_cli_ingest_brief_report_prune_sources(tree, tmp_path):
    WatchList.objects.create(key="chai", name="拆迁", expression="(万柏林 OR 万柏林区) AND (拆迁 OR 补偿)")
    day = timezone.localdate() - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in news_items(20, start=start)
                              + planted(8, "西山路", start, minutes=3)), encoding="utf-8")
    out = StringIO()
    call_command("monitor", "ingest", str(path), "--source", "舆情平台导出", stdout=out)
    assert "入库 28 条" in out.getvalue()
    assert Source.objects.get(name="舆情平台导出").kind == "file"
    call_command("monitor", "ingest", str(path), stdout=out)
    assert "已收录跳过 28 条" in out.getvalue()
    docx = tmp_path / "brief.docx"
    html = tmp_path / "brief.html"
    call_command("monitor", "brief", "--date", day.isoformat(), "--out", str(docx), "--html", str(html), stdout=out)
    assert docx.stat().st_size > 5000 and "每日舆情" in html.read_text(encoding="utf-8")
    inc = Incident.objects.filter(items_count__gte=2).first()
    call_command("monitor", "report", "--incident", str(inc.pk), "--out", str(tmp_path / "r.docx"), stdout=out)
    assert (tmp_path / "r.docx").exists()
    out = StringIO()
    call_command("monitor", "sources", stdout=out)
    assert json.loads(out.getvalue().splitlines()[0])["name"] == "舆情平台导出"
    call_command("monitor", "prune", "--days", "400", stdout=out)
    assert MonitorItem.objects.count() == 28
    call_command("monitor", "run", "--once", stdout=out)


def test_cli_analyze_routes_without_database(tmp_path, capsys, monkeypatch):
    import sys
    import types

    from taizhang.cli import main
    from taizhang.monitor.lexicon import LexiconModel

    # this tests the routing, not the model: the word-list stand-in takes the model module's place
    fake = types.ModuleType("taizhang.monitor.sentiment")
    fake.get_model = LexiconModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "taizhang.monitor.sentiment", fake)

    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in news_items(3)), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["taizhang", "monitor", "analyze", str(path), "--json"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and json.loads(lines[-1])["items"] == 3


def test_demo_builds_sources_incidents_alerts_and_brief(db):
    import random

    from taizhang.core.demo import DemoContext
    from taizhang.monitor import demo
    from taizhang.monitor.models import Brief, Response
    from taizhang.org import demo as org_demo

    ctx = DemoContext(seed=2024, today=timezone.localdate(), rng=random.Random(1))
    org_demo.build(ctx)
    ctx.scale = 0.3  # type: ignore[attr-defined]
    demo.build(ctx)
    assert Source.objects.filter(kind="file").exists() and Source.objects.filter(kind="api").exists()
    assert Incident.objects.filter(items_count__gte=5).count() >= 4
    assert Incident.objects.filter(status="responded", assigned_unit__code="HT").exists()
    assert Response.objects.exists()
    assert Alert.objects.filter(kind="burst").exists() and Alert.objects.filter(kind="overdue").exists()
    assert Brief.objects.filter(kind="daily", date=timezone.localdate()).exists()
