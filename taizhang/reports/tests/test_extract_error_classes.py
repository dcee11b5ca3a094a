"""The error classes the held-out parts of reports/eval showed (issue 16, "Reading real summaries"), one test each,
on sentences written for the test (not the evaluation's): 区级 meaning the autonomous region, the outlet named after
the figure, a unit's own news read as placements, an audience read by the wrong activity, teams counted as the
activity they do, front-page items after a placement."""

from __future__ import annotations

from taizhang.reports.extract import ExtractedFigure, extract, load_metric_aliases
from taizhang.reports.extract_rules import level_in

ALIASES = load_metric_aliases()


def figures(text: str) -> dict[str, ExtractedFigure]:
    """The figures of `text` by the number and measure word they end with (累计超过8万人次 -> 8万人次)."""
    found = {}
    for f in extract(text, ALIASES):
        number = next(i for i, ch in enumerate(f.text) if ch.isdigit())
        found[f.text[number:]] = f
    return found


def test_region_level_is_provincial_in_a_county_summary() -> None:
    county = figures("上半年，全县在《广西日报》、《南国早报》等区级报刊上稿52篇，县委宣传部统筹推进。")
    assert (county["52篇"].metric, county["52篇"].outlet_level) == ("placements", "provincial")
    district = figures("今年以来，全区各单位在区级媒体发稿230篇，区委宣传部统筹推进。")
    assert district["230篇"].outlet_level == "district"
    assert level_in("在自治区级媒体发稿")[0] == "provincial"
    assert level_in("在区级报刊上稿", county=True)[0] == "provincial"
    assert level_in("在区级报刊上稿")[0] == "district"


def test_outlet_named_after_the_figure() -> None:
    found = figures("《城关新闻》共播出新闻58条。其中，9条被南充电视台采用，2条被中央电视台采用。")
    assert found["58条"].metric == "internal_items"
    assert (found["9条"].metric, found["9条"].outlet_level) == ("placements", "municipal")
    assert (found["2条"].metric, found["2条"].outlet_level) == ("placements", "national")
    assert found["9条"].sure and found["9条"].part_of == 0


def test_own_news_is_not_a_placement() -> None:
    found = figures("播送电视新闻共播发脱贫攻坚稿件150余篇。1-9月，?城关新闻?用稿930条。在市电视台用稿30条。")
    assert found["150余篇"].metric == "internal_items"
    assert found["930条"].metric == "internal_items"  # ?…? is a quotation mark lost in copying
    assert (found["30条"].metric, found["30条"].outlet_level) == ("placements", "municipal")


def test_an_audience_belongs_to_the_activity_before_it() -> None:
    shows = figures("剧团深入社区演出戏曲节目120场，受众累计超过8万人次。")
    assert shows["8万人次"].metric == "ce_audience"
    films = figures("全年放映公益电影900场，惠及群众12万人次。")
    assert films["12万人次"].metric == "ce_audience"
    lectures = figures("开展理论宣讲200场次，受众1.5万人次。")
    assert lectures["1.5万人次"].metric == "lecture_audience"


def test_teams_are_not_the_activity_they_do() -> None:
    found = figures("成立12个电影放映队，组建志愿服务队20支，深入各村巡回放映。")
    assert found["12个"].metric is None
    assert found["20支"].metric == "vol_teams"


def test_front_page_items_are_part_of_the_placements_before_them() -> None:
    found = extract("全年在《陕西日报》刊稿45篇，各版头题稿件6个。", ALIASES)
    assert [(f.text, f.metric, f.outlet_level, f.part_of) for f in found] == [
        ("45篇", "placements", "provincial", None),
        ("6个", "placements", "provincial", 0),
    ]
