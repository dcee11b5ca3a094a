"""Placement proposals only for good news about the district: complaints and accidents are never credited."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from taizhang.monitor.placements import is_placement_candidate

PLACES = {"district_place"}
LEVELS = {"national", "provincial", "municipal"}


def item(title: str, *, sentiment: float | None = 0.9, label: str | None = "pos", level: str = "provincial",
         matches: tuple[str, ...] = ("district_place",), duplicate_of: str | None = None) -> Any:
    return SimpleNamespace(norm_title=title, norm_text=title + "。全文……", sentiment=sentiment, label=label,
                           matches=list(matches), duplicate_of=duplicate_of,
                           extra={"outlet": SimpleNamespace(level=level)})


def test_good_news_in_an_outside_outlet_is_proposed() -> None:
    assert is_placement_candidate(item("东城街道打造“15分钟文化圈” 居民家门口享文化大餐"), PLACES, LEVELS)


def test_complaints_accidents_and_unknown_sentiment_are_not() -> None:
    assert not is_placement_candidate(item("有家长反映东城街道幼儿园收费偏高", sentiment=0.83), PLACES, LEVELS)
    assert not is_placement_candidate(item("东城街道一工地发生坍塌事故 2人受伤"), PLACES, LEVELS)
    assert not is_placement_candidate(item("东城街道新闻", sentiment=None, label=None), PLACES, LEVELS)
    assert not is_placement_candidate(item("东城街道新闻", sentiment=0.55, label="pos"), PLACES, LEVELS)
    assert not is_placement_candidate(item("东城街道新闻", label="neg", sentiment=0.1), PLACES, LEVELS)


def test_local_outlets_reprints_and_other_places_are_not() -> None:
    assert not is_placement_candidate(item("好消息", level="district"), PLACES, LEVELS)
    assert not is_placement_candidate(item("好消息", duplicate_of="x"), PLACES, LEVELS)
    assert not is_placement_candidate(item("好消息", matches=()), PLACES, LEVELS)



@pytest.mark.django_db
def test_monitoring_charts_keep_the_legend_off_the_axes_and_count_in_whole_numbers() -> None:
    from taizhang.monitor.charts import district_volume

    option = district_volume()
    assert option["legend"]["bottom"] == 0 and option["grid"]["top"] >= 40
    assert option["yAxis"]["minInterval"] == 1
    assert not any(series.get("smooth") for series in option["series"])
