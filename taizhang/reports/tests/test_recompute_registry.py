"""The recompute registry: every source kind a document can cite has a recompute function (checked at start-up),
and check-report verifies a real daily brief, catching a tampered number and a changed aggregate."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import docx
import pytest
from django.utils import timezone

from taizhang.reports import sources
from taizhang.reports.checker import check_document, check_docx_stream
from taizhang.reports.document import Document, Figure, Paragraph
from taizhang.reports.system_checks import recompute_registry

pytestmark = pytest.mark.django_db


def test_every_citable_kind_has_a_recompute_function() -> None:
    assert recompute_registry() == []
    for kind in ("target", "assessment", "monitor"):
        assert sources.recompute_function(kind) is not None


def test_the_start_up_check_names_a_kind_without_recompute(monkeypatch: Any) -> None:
    monkeypatch.setattr(sources, "CITABLE_KINDS", {*sources.CITABLE_KINDS, "volunteer_hours"})
    monkeypatch.setitem(sources.RECOMPUTE_PATHS, "monitor", "taizhang.monitor.no_such_module:recompute_figure")
    monkeypatch.delitem(sources._RECOMPUTERS, "monitor", raising=False)
    errors = recompute_registry()
    assert {e.id for e in errors} == {"taizhang.reports.E001"}
    text = " ".join(e.msg for e in errors)
    assert "volunteer_hours" in text and "monitor" in text


def test_a_registered_function_recomputes_its_kind(monkeypatch: Any) -> None:
    monkeypatch.setattr(sources, "CITABLE_KINDS", set(sources.CITABLE_KINDS))
    monkeypatch.setattr(sources, "_RECOMPUTERS", dict(sources._RECOMPUTERS))
    sources.register_recompute("hours", lambda source, cache: Decimal(12))
    fig = Figure("h1", "12小时", Decimal(12), {"kind": "hours", "value": "12",
                                               "display": {"format": "plain", "measure_word": "小时"}})
    doc = Document(title="测试", blocks=[Paragraph("body", ["服务时长", fig, "。"])], issuer="测试",
                   date=datetime.date(2024, 12, 31))
    assert check_document(doc).verified == 1
    sources.register_recompute("hours", lambda source, cache: Decimal(13))
    assert [i.kind for i in check_document(doc).errors] == ["stale"]


@pytest.fixture
def brief_day(tree: Any) -> datetime.date:
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
    process_batch(batch.pk)
    return day


def _brief_docx(day: datetime.date) -> bytes:
    from taizhang.monitor import actions

    row = actions.generate_daily_brief(acting_user=None, day=day)
    data: bytes = row.docx.read()
    return data


def test_check_report_verifies_a_real_daily_brief(brief_day: datetime.date) -> None:
    report = check_docx_stream(io.BytesIO(_brief_docx(brief_day)), name="brief.docx")
    assert report.figures > 10
    figure_issues = [i for i in report.issues if i.figure]
    assert figure_issues == [], [i.to_dict() for i in figure_issues]
    assert report.verified == report.figures
    assert report.ok, [i.to_dict() for i in report.issues]  # every number of the brief is a sourced figure


def test_check_report_verifies_a_special_report(brief_day: datetime.date) -> None:
    from taizhang.monitor import actions
    from taizhang.monitor.models import Incident

    incident = Incident.objects.order_by("-items_count").first()
    assert incident is not None
    row = actions.generate_special_report(acting_user=None, incident=incident)
    report = check_docx_stream(io.BytesIO(row.docx.read()), name="report.docx")
    assert report.figures >= 4 and report.verified == report.figures
    Incident.objects.filter(pk=incident.pk).update(items_count=incident.items_count + 1)
    row.docx.seek(0)
    report = check_docx_stream(io.BytesIO(row.docx.read()), name="report.docx")
    assert [i.figure for i in report.errors if i.kind == "stale"] == ["items"]


def test_check_report_catches_a_tampered_number_in_a_brief(brief_day: datetime.date) -> None:
    word = docx.Document(io.BytesIO(_brief_docx(brief_day)))
    changed = False
    for p in word.paragraphs:
        for run in p.runs:
            if run.text == "100条" and not changed:
                run.text = "98条"
                changed = True
    assert changed
    out = io.BytesIO()
    word.save(out)
    out.seek(0)
    report = check_docx_stream(out, name="brief.docx")
    assert [i.kind for i in report.errors if i.text == "98条"] == ["edited"]


def test_check_report_catches_a_brief_whose_aggregates_changed(brief_day: datetime.date) -> None:
    from taizhang.monitor.brief import day_bounds
    from taizhang.monitor.models import HourlyStat

    data = _brief_docx(brief_day)
    start, end = day_bounds(brief_day)
    stat = HourlyStat.objects.filter(hour__gte=start, hour__lt=end).order_by("hour").first()
    assert stat is not None
    HourlyStat.objects.filter(pk=stat.pk).update(items=stat.items + 5)
    report = check_docx_stream(io.BytesIO(data), name="brief.docx")
    stale = [i for i in report.errors if i.kind == "stale"]
    assert any(i.figure == "total" and "105条" in i.message for i in stale)
