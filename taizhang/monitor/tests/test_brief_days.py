"""A daily brief's figure pages link the rows of the brief's day (the item and alert lists take `day=`), name its
period as one date, explain the hourly counts in words; a brief of a day still running says up to when and does not
compare part of a day with the whole day before."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from taizhang.monitor import actions
from taizhang.monitor.brief import build_daily
from taizhang.monitor.models import Alert, IngestBatch
from taizhang.monitor.store import process_batch
from taizhang.monitor.tests.helpers import news_items
from taizhang.reports.document import Document, format_date_cn

pytestmark = pytest.mark.django_db

HREF = re.compile(r'<a class="tz-btn tz-btn--small" href="([^"]+)">([^<]+)</a>')
ITEM_COUNT = re.compile(r"的信息：共 (\d+) 条")
ALERT_COUNT = re.compile(r"预警(?:（未确认）)?：共 (\d+) 条")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def brief(day_of_data: tuple[datetime.date, Any]) -> Any:
    """Yesterday's brief (100 items, alerts of two kinds), beside 5 items and an alert of the day before."""
    day, _out = day_of_data
    before = day - datetime.timedelta(days=1)
    rows = news_items(5, start=_at(before, 10), prefix="https://other.example.cn/b/", seed=7)
    batch, _ = actions.ingest_items(acting_user=None, items=rows, origin=IngestBatch.Origin.CLI, limit=None)
    process_batch(batch.pk)
    for n, (kind, at) in enumerate([("burst", _at(day, 9)), ("burst", _at(day, 23, 59)),
                                    ("grade_up", _at(day, 0)), ("burst", _at(before, 12)),
                                    ("grade_up", _at(day + datetime.timedelta(days=1), 0))]):
        Alert.objects.create(kind=kind, title=f"测试预警{n}", dedupe_key=f"brief-days-{n}", created_at=at)
    return actions.generate_daily_brief(acting_user=None, day=day)


def _figure_page(client: Any, brief: Any, fig_id: str) -> str:
    page = client.get(reverse("monitor:brief_figure", args=[brief.pk, fig_id]))
    assert page.status_code == 200, fig_id
    return page.content.decode()


def _links(body: str) -> dict[str, str]:
    return {label: url.replace("&amp;", "&") for url, label in HREF.findall(body)}


def test_the_figure_page_explains_the_hourly_counts_and_names_one_day(brief: Any, staff: Any, client: Any) -> None:
    client.force_login(staff)
    body = _figure_page(client, brief, "total")
    assert "HourlyStat" not in body and "按小时汇总的全区监测信息条数" in body
    assert f"<dt>期间</dt><dd>{format_date_cn(brief.date)}</dd>" in body
    assert "至" not in body.split("<dt>期间</dt>")[1].split("</dd>")[0]


def test_counts_of_the_day_link_the_day_s_rows_and_the_lists_agree(brief: Any, staff: Any, client: Any) -> None:
    client.force_login(staff)
    figures = Document.from_dict(brief.document).figure_map()
    day = brief.date.isoformat()
    label = f"（{brief.date.month}月{brief.date.day}日）"
    for fig_id, link_label, params in [("total", "监测信息", ""), ("pos", "正面监测信息", "label=pos&"),
                                       ("neg", "负面监测信息", "label=neg&"), ("neu", "中性监测信息", "label=neu&")]:
        body = _figure_page(client, brief, fig_id)
        url = _links(body)[link_label + label]
        assert url == f"{reverse('monitor:item_list')}?{params}day={day}", fig_id
        assert "不按简报日期筛选" not in body and "简报当日现存的信息" in body, fig_id
        listed = client.get(url)
        assert listed.status_code == 200
        counted = ITEM_COUNT.search(listed.content.decode())
        assert counted is not None and int(counted.group(1)) == figures[fig_id].value, fig_id
    assert figures["total"].value == 100  # the 5 items of the day before are not the day's
    all_items = client.get(reverse("monitor:item_list")).content.decode()
    assert "共 105 条" in all_items and ITEM_COUNT.search(all_items) is None

    body = _figure_page(client, brief, "alerts")
    url = _links(body)[f"预警{label}"]
    assert url == f"{reverse('monitor:alert_list')}?day={day}" and "不按简报日期筛选" not in body
    assert "简报当日新产生的预警" in body
    alerts = ALERT_COUNT.search(client.get(url).content.decode())
    assert figures["alerts"].value == 3 and alerts is not None and int(alerts.group(1)) == 3
    body = _figure_page(client, brief, "al_burst")
    url = _links(body)[f"突发预警{label}"]
    assert url == f"{reverse('monitor:alert_list')}?kind=burst&day={day}"
    bursts = ALERT_COUNT.search(client.get(url).content.decode())
    assert figures["al_burst"].value == 2 and bursts is not None and int(bursts.group(1)) == 2


def test_lists_not_filtered_by_day_keep_the_caveat(brief: Any, staff: Any, client: Any) -> None:
    client.force_login(staff)
    body = _figure_page(client, brief, "overdue")
    assert "不按简报日期筛选" in body and "day=" not in "".join(_links(body).values())


@pytest.mark.parametrize("value", ["2026-13-40", "昨天", "1900-01-01", "<script>"])
def test_a_bad_day_is_a_chinese_error_not_a_500(value: str, staff: Any, client: Any) -> None:
    client.force_login(staff)
    for name in ("monitor:item_list", "monitor:alert_list"):
        page = client.get(reverse(name), {"day": value, "kind": "nope"})
        body = page.content.decode()
        assert page.status_code == 200, name
        assert "已显示全部日期" in body and "<script>" not in body, name


def test_a_brief_of_a_day_still_running_says_up_to_when(day_of_data: tuple[datetime.date, Any], staff: Any,
                                                         client: Any) -> None:
    day, _out = day_of_data
    running = actions.generate_daily_brief(acting_user=None, day=day, now=_at(day, 0, 38))
    assert running.title == f"每日舆情（{day.isoformat()}，截至00:38）"
    assert f"（{format_date_cn(day)}，截至00:38）" in running.html  # the heading line (subtitle)
    assert f"{format_date_cn(day)}（截至00:38），共监测到" in running.html
    assert "较前一日" not in running.html
    figures = Document.from_dict(running.document).figure_map()
    assert "diff" not in figures and figures["total"].source["until"] == "00:38"
    client.force_login(staff)
    body = _figure_page(client, running, "total")
    assert f"<dt>期间</dt><dd>{format_date_cn(day)}（截至00:38，简报生成时当日尚未结束）</dd>" in body
    assert "简报生成于当日00:38" in body

    ended = build_daily(day, now=_at(day + datetime.timedelta(days=1), 0, 38))
    assert "diff" in ended.figure_map() and "until" not in ended.figure_map()["total"].source
    assert ended.subtitle == f"（{format_date_cn(day)}）"
