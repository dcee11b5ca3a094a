"""How the dashboard writes its numbers: rates and averages to one decimal, "—" (no data) for last year when no
rows are behind it (a real 0 stays 0), 同比 not given in percent over a base too small to mean anything, and labels
naming the source where a line shows units' reports and a system's figures side by side."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_record, make_user
from taizhang.ledger.dashboard import LineInfo, change_between, metric_label, shown
from taizhang.ledger.models import MetricDefinition

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def opinion(client: Any, taxonomy: Any, tree: Any) -> Any:
    # 平均回应时长 (7 + 8 + 7.9125) / 3 = 7.6375 hours in 2024; nothing in 2023
    for i, hours in enumerate(("7", "8", "7.9125")):
        make_record(tree.community_a1, "opinion_major", {"opinion_major_incidents": 1, "opinion_response_hours": hours},
                    day=D(2024, 3 + i, 2))
    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    return client


def test_averages_are_written_to_one_decimal_in_tiles_cards_and_tables(opinion: Any) -> None:
    card = opinion.get("/ledger/dashboard/card/opinion/", {"period": "2024", "unit": "D"}).content.decode()
    line = opinion.get("/ledger/dashboard/line/opinion/", {"period": "2024", "unit": "D"}).content.decode()
    for html in (card, line):
        assert "7.6375" not in html and "7.638" not in html
        assert "7.6" in _text(html)
    assert shown(MetricDefinition(kind="percent"), Decimal("82.3963")) == Decimal("82.4")
    assert shown(MetricDefinition(kind="percent"), Decimal("100.9444")) == Decimal("100.9")
    assert shown(MetricDefinition(kind="count"), Decimal("91.0333")) == Decimal("91.0")
    assert shown(MetricDefinition(kind="money"), Decimal("3.456")) == Decimal("3.46")
    assert shown(MetricDefinition(kind="count"), Decimal("239")) == Decimal("239")


def test_last_year_without_rows_is_no_data_not_zero(opinion: Any) -> None:
    card = opinion.get("/ledger/dashboard/card/opinion/", {"period": "2024", "unit": "D"})
    fig = next(f for f in card.context["card"].figures if f.metric.key == "opinion_response_hours")
    assert fig.previous.count == 0 and fig.shown_previous is None
    row = re.search(r"平均回应时长.*?</tr>", card.content.decode(), re.S)
    assert row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert "—" in cells[1] and "0" not in _text(cells[1])  # 去年同期
    # a line's page: the unit table's 去年同期 column and the tiles
    line = _text(opinion.get("/ledger/dashboard/line/opinion/", {"period": "2024", "unit": "D"}).content.decode())
    assert "去年同期 0" not in line and "去年同期 —" in line
    # a rate with no rows this period either: "—", not 0
    empty = opinion.get("/ledger/dashboard/card/opinion/", {"period": "2022", "unit": "D"})
    none = next(f for f in empty.context["card"].figures if f.metric.key == "opinion_response_hours")
    assert none.shown_value is None


def test_real_zero_with_rows_behind_it_stays_zero(opinion: Any, tree: Any) -> None:
    make_record(tree.community_a1, "opinion_major", {"opinion_major_incidents": 1, "opinion_response_hours": 0},
                day=D(2023, 5, 2))
    card = opinion.get("/ledger/dashboard/card/opinion/", {"period": "2024", "unit": "D"}).context["card"]
    hours = next(f for f in card.figures if f.metric.key == "opinion_response_hours")
    assert hours.previous.count == 1 and hours.shown_previous == 0
    assert (hours.change.text, hours.change.direction) == ("新增", "new")


def test_no_percentage_over_a_tiny_base() -> None:
    count = MetricDefinition(kind="count", aggregation="sum")
    tiny = change_between(count, Decimal(819), Decimal(7), True, current_count=819, previous_count=7)
    assert (tiny.text, tiny.direction, tiny.reason) == ("—", "none", "small")  # was ↑11600.0%
    assert "基数过小" in tiny.title
    # almost no rows last year, whatever their value (a system taken into use late last year)
    few = change_between(count, Decimal(17209), Decimal(9000), True, current_count=900, previous_count=3)
    assert few.reason == "small" and few.value is None
    fine = change_between(count, Decimal(100), Decimal(50), True, current_count=10, previous_count=5)
    assert fine.text == "↑100.0%"
    edge = change_between(count, Decimal(100), Decimal(1), True, current_count=100, previous_count=1)
    assert edge.text == "↓99.0%" or edge.value == Decimal("9900.0")  # exactly 1 %: still shown
    rate = change_between(MetricDefinition(kind="percent"), Decimal(90), Decimal("0.5"), True)
    assert rate.text == "↑89.5个百分点"  # rates: points, never suppressed


def test_labels_name_the_source_where_a_line_mixes_them(taxonomy: Any) -> None:
    reported = MetricDefinition(key="vol_hours", name="志愿服务时长", source="reported")
    computed = MetricDefinition(key="volunteer_hours", name="志愿服务时长", source="computed")
    mixed = LineInfo(line=None, metrics=[reported, computed], headline=reported)  # type: ignore[arg-type]
    labels = [metric_label(mixed, reported), metric_label(mixed, computed)]
    assert labels == ["志愿服务时长（单位报送）", "志愿服务时长（志愿服务系统）"]
    alone = LineInfo(line=None, metrics=[reported], headline=reported)  # type: ignore[arg-type]
    assert metric_label(alone, reported) == "志愿服务时长"
