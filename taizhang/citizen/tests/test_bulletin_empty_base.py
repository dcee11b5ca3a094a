"""A rate of the 随手拍 bulletin over no reports is "—", not 0 %: 满意率 where nobody rated, 按时办结率 and 回访率
where nothing was closed. The bulletin printed 满意率 0% for a street where nobody gave a rating; a "—" is no
figure (no source claims a value), the figures that are written keep their provider source and their ids."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.citizen.bulletin import EMPTY_NOTE, NOTHING, build_document
from taizhang.citizen.models import Report
from taizhang.core.periods import parse_period
from taizhang.reports.document import Figure, Paragraph, Table

from .conftest import submit

pytestmark = pytest.mark.django_db
RATES = ("citizen_closure_rate", "citizen_ontime_rate", "citizen_callback_rate", "citizen_satisfaction_rate")


def _month() -> Any:
    return parse_period(timezone.localdate().strftime("%Y-%m"))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _close(report: Report, rating: str = "") -> None:
    Report.objects.filter(pk=report.pk).update(status=Report.Status.CLOSED, closed_on_time=True,
                                               closed_at=timezone.now(), rating=rating)


def _table(doc: Any, caption_end: str) -> Table:
    return next(b for b in doc.blocks if isinstance(b, Table) and b.caption.endswith(caption_end))


def _overall(doc: Any) -> Paragraph:
    return next(b for b in doc.blocks if isinstance(b, Paragraph) and "共收到群众随手拍报告" in b.text)


def test_nobody_rated_nothing_closed_is_no_rate(world: Any) -> None:
    submit(world)
    submit(world, place=world.place_b)
    doc = build_document(_month())
    text = _overall(doc).text
    assert "共收到群众随手拍报告2件，办结率0%" in text  # 2 received, none closed: a real 0 %
    assert "按时办结率—（无办结报告）" in text and "回访率—（无办结报告）" in text
    assert "群众满意率—（无评价）" in text and "平均办结用时—（无办结报告）" in text
    metrics = {f.source["metric"] for f in doc.figures()}
    assert metrics == {"citizen_reports_received", "citizen_closure_rate"}  # no source claims the others
    for caption in ("分类别办理情况", "各街道随手拍办理情况"):
        for row in _table(doc, caption).rows:
            received, closure, ontime, satisfaction = row[1:]
            assert isinstance(received, Figure) and isinstance(closure, Figure) and closure.value == 0
            assert ontime == NOTHING and satisfaction == NOTHING, (caption, row)
    assert sum(1 for b in doc.blocks if isinstance(b, Paragraph) and b.text == EMPTY_NOTE) == 2

    client = _client(world.intake)
    page = client.get("/citizen/bulletin/", {"period": _month().spec}).content.decode()
    assert "群众满意率—（无评价）" in page and "满意率0%" not in re.sub(r"<[^>]+>", "", page)
    ids = set(doc.figure_map())
    # the ids stay as before: the overall 按时办结率, 回访率, 满意率 and 平均办结用时 (c3 … c6) are skipped, not reused
    assert {"c1", "c2"} <= ids and not ids & {"c3", "c4", "c5", "c6"}
    for fig_id in ("c3", "c5"):
        assert client.get(f"/citizen/bulletin/{_month().spec}/figures/{fig_id}/").status_code == 404
    assert client.get(f"/citizen/bulletin/{_month().spec}/figures/c2/").status_code == 200


def test_a_street_without_ratings_gets_a_dash_and_a_rated_one_its_figure(world: Any) -> None:
    rated = submit(world)
    closed = submit(world)
    _close(rated, "satisfied")
    _close(closed)
    open_b = submit(world, place=world.place_b, category=world.categories["other"])
    doc = build_document(_month())
    # the district: one rated, two closed, so every rate is a figure, each with its provider and reports
    text = _overall(doc).text
    assert NOTHING not in text and "群众满意率100%" in text and "回访率50%" in text
    by_metric = {f.source["metric"]: f for f in doc.figures() if f.source["units"] is None
                 and not f.source["filters"]}
    assert by_metric["citizen_satisfaction_rate"].source["records"] == [rated.pk]
    assert sorted(by_metric["citizen_ontime_rate"].source["records"]) == sorted([rated.pk, closed.pk])
    assert all(by_metric[m].source["provider"] == "citizen.report" for m in RATES)

    streets = {row[0]: row[1:] for row in _table(doc, "各街道随手拍办理情况").rows}
    a, b = streets[world.tree.street_a.name], streets[world.tree.street_b.name]
    assert all(isinstance(cell, Figure) for cell in a)
    assert a[3].value == 100 and a[3].source["records"] == [rated.pk]  # type: ignore[union-attr]
    assert isinstance(b[0], Figure) and b[0].source["records"] == [open_b.pk]
    assert isinstance(b[1], Figure) and b[1].value == 0  # received 1, closed 0: 办结率 0 % is a rate
    assert b[2] == NOTHING and b[3] == NOTHING  # nothing closed, nobody rated: no rate
    categories = {row[0]: row[1:] for row in _table(doc, "分类别办理情况").rows}
    other = categories[world.categories["other"].name]
    assert other[2] == NOTHING and other[3] == NOTHING
    assert all(isinstance(cell, Figure) for cell in categories[world.categories["garbage"].name])
    # no figure of the document claims a value over no reports
    for f in doc.figures():
        if f.source["metric"] in RATES:
            assert f.source["records"], f.source

    # the downloaded .docx: the "—" are no figures; every figure written is verified against its provider
    from taizhang.reports.checker import check_docx_stream

    docx = _client(world.intake).get("/citizen/bulletin/", {"period": _month().spec, "format": "docx"})
    data = b"".join(docx.streaming_content)  # type: ignore[attr-defined]
    report = check_docx_stream(io.BytesIO(data), name="bulletin.docx")
    assert report.ok and report.figures == len(doc.figure_map()) and report.verified == report.figures, (
        report.to_dict())
