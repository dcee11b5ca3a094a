"""The import page of 总结数据提取: sure figures ticked, unsure ones shown for a person with the Chinese metric
name and the sentence, nothing unsure written without a tick, a refused import keeps the user's text."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.testing import make_user
from taizhang.ledger.models import Record

TEXT = "全年开展各类宣讲活动近300余场，受众2.5万人次。新闻稿件被央视新闻联播采用1条，信息采用率提高95%。"


@pytest.fixture
def liaison_client(ledger: Any, client: Client) -> Client:
    client.force_login(make_user("liaison", ledger.tree.street_a))
    return client


def test_unsure_figures_are_listed_for_a_person(ledger: Any, liaison_client: Client) -> None:
    page = liaison_client.post(reverse("reports:extract"), {
        "text": TEXT, "unit": ledger.tree.street_a.pk, "period": "2023", "min_confidence": "0.6"}).content.decode()
    assert "需要您确认 1 个" in page
    assert 'data-status="confirm"' in page and "待确认" in page
    assert "宣讲场次" in page  # the Chinese metric name
    assert "全年开展各类宣讲活动近300余场，受众2.5万人次。" in page  # the sentence
    assert "中央媒体" in page  # 被央视新闻联播采用1条 is a placement at national level
    assert "增加（变化量）" in page  # 采用率提高95% is a change
    row_boxes = page.count('name="rows"')
    assert row_boxes == 2  # the placement and the change cannot be imported
    assert page.count('name="rows" value="1" checked') == 1  # the exact, sure audience figure is ticked
    assert 'name="rows" value="0" checked' not in page  # the approximate one is not


def test_only_ticked_rows_are_written(ledger: Any, liaison_client: Client) -> None:
    before = Record.objects.count()
    response = liaison_client.post(reverse("reports:extract_import"), {
        "text": TEXT, "unit": ledger.tree.street_a.pk, "period": "2023", "min_confidence": "0.6",
        "rows": ["1"], "metric-1": "lecture_audience", "metric-0": "lecture_events"})
    assert response.status_code == 302
    assert Record.objects.count() == before + 1
    assert Record.objects.order_by("-pk").first().figure_map()["lecture_audience"] == 25000


def test_a_person_may_correct_the_metric(ledger: Any, liaison_client: Client) -> None:
    response = liaison_client.post(reverse("reports:extract_import"), {
        "text": TEXT, "unit": ledger.tree.street_a.pk, "period": "2023", "min_confidence": "0.6",
        "rows": ["0"], "metric-0": "practice_activities"})
    assert response.status_code == 302
    record = Record.objects.order_by("-pk").first()
    assert record.figure_map()["practice_activities"] == 300
    assert "约数" in record.description


def test_a_refused_import_keeps_the_text_and_writes_nothing(ledger: Any, liaison_client: Client) -> None:
    before = Record.objects.count()
    response = liaison_client.post(reverse("reports:extract_import"), {
        "text": TEXT, "unit": ledger.tree.street_a.pk, "period": "2023", "min_confidence": "x",
        "rows": ["0", "3"]})  # row 3 is a change
    assert response.status_code == 400
    page = response.content.decode()
    assert "不能导入" in page and "近300余场" in page
    assert 'name="rows" value="0" checked' in page  # the user's ticks are kept
    assert Record.objects.count() == before
