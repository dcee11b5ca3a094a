"""What a figure is beyond its number (issue 16, "Reading real summaries"): outlet levels, changes, requirements
and firsts, approximate values, parts of totals, numbers copied from PDFs; and the slot marks of templates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taizhang.reports.extract import ExtractedFigure, extract, load_metric_aliases, to_json
from taizhang.reports.extract_rules import level_in
from taizhang.reports.slots import find_slots

ALIASES = load_metric_aliases()


def figures(text: str) -> dict[str, ExtractedFigure]:
    return {f.text: f for f in extract(text, ALIASES)}


def test_the_level_split_of_placements() -> None:
    found = extract("推荐发表了53篇，其中在国家级报刊杂志上发表有2篇，省级16篇、市级43篇。", ALIASES)
    assert [(f.text, f.metric, f.outlet_level) for f in found] == [
        ("53篇", "placements", None),
        ("2篇", "placements", "national"),
        ("16篇", "placements", "provincial"),
        ("43篇", "placements", "municipal"),
    ]
    assert [f.part_of for f in found] == [None, 0, 0, 0]  # the split is within the total


def test_adopted_by_an_outlet_is_a_placement() -> None:
    found = figures("新闻稿件被央视新闻联播采用1条，被省广播电视台采用32条，通讯员报送信息被采用40条。")
    assert (found["1条"].metric, found["1条"].outlet_level) == ("placements", "national")
    assert (found["32条"].metric, found["32条"].outlet_level) == ("placements", "provincial")
    assert found["40条"].metric == "corr_adopted"  # no outlet named: a correspondent's adopted items


@pytest.mark.parametrize(
    ("segment", "level"),
    [("在《人民日报》上发稿", "national"), ("《安徽日报》发稿", "provincial"), ("《巢湖日报》发稿", "municipal"),
     ("在县电视台播出", "district"), ("在市级以上媒体刊发稿件", None), ("在报纸上发表文章", None)],
)
def test_outlet_levels(segment: str, level: str | None) -> None:
    assert level_in(segment)[0] == level


def test_changes_are_not_levels() -> None:
    found = figures("信息采用率提高95%，新增关注人数3272人，分别比去年同期增长11%和9%，阅读量下降5%，完成率提高到98%。")
    assert found["95%"].change == "increase" and not found["95%"].sure
    assert found["3272人"].change == "increase" and found["3272人"].metric == "nm_followers"
    assert found["11%"].change == found["9%"].change == "increase"
    assert found["5%"].change == "decrease"
    assert found["98%"].change == ""  # 提高到98% is the level reached
    assert to_json([found["95%"]])["figures"][0]["change"] == "increase"


def test_requirements_targets_and_firsts_are_not_results() -> None:
    found = figures("规定宣传委员每年参加理论培训班不少于两次。《安徽日报》发稿101篇，首次突破100篇。"
                    "(全年上报任务数240条)")
    assert found["不少于两次"].role == "requirement" and not found["不少于两次"].sure
    assert found["100篇"].role == "first"
    assert found["101篇"].role == "result"
    assert found["240条"].role == "target"


@pytest.mark.parametrize(
    ("text", "written", "value", "value_max"),
    [("开展宣讲3至5场。", "3至5场", 3, 5), ("开展宣讲3-5场。", "3-5场", 3, 5),
     ("捐赠图书近万册。", "近万册", 10000, None),
     ("开展活动百余场。", "百余场", 100, None), ("发表千余篇。", "千余篇", 1000, None),
     ("阅读量超百万次。", "超百万次", 1000000, None), ("举办数十场次。", "数十场次", 10, None),
     ("参加人员两万余名。", "两万余名", 20000, None)],
)
def test_ranges_and_round_numbers_are_approximate(text: str, written: str, value: int, value_max: int | None) -> None:
    figure = figures(text)[written]
    assert figure.value == value
    assert figure.value_max == (Decimal(value_max) if value_max is not None else None)
    assert figure.approximate


def test_exact_values_are_not_approximate() -> None:
    assert not figures("开展宣讲12场，累计受众300人次。")["12场"].approximate


def test_numbers_copied_from_pdfs() -> None:
    assert figures("组织了 12 次集体学习。")["12 次"].value == 12
    assert figures("为贫困村免费放映电影 600 场。")["600 场"].metric == "ce_films"
    split = extract("今年共开展宣讲活动32\n7场，受众2万人次。", ALIASES)
    assert [f.value for f in split] == [327, 20000]


def test_nested_totals_point_to_their_total() -> None:
    text = "组建志愿服务队伍1200支，其中专业志愿服务队伍15支。用稿1627条，平均每天11.39条，其中当天新闻1448条。"
    found = extract(text, ALIASES)
    assert [f.part_of for f in found] == [None, 0, None, None, 2]


def test_the_metric_name_is_given() -> None:
    (figure,) = extract("全年开展宣讲活动12场。", ALIASES)
    assert (figure.metric, figure.metric_name, figure.sure) == ("lecture_events", "宣讲场次", True)


@pytest.mark.parametrize(
    ("text", "marks", "unit"),
    [("赠送春联×副。", ["×"], "副"), ("书法作品✕幅。", ["✕"], "幅"), ("Ｘ名志愿者参与。", ["Ｘ"], "名"),
     ("开展活动※场。", ["※"], "场"), ("开展宣讲X-X场。", ["X", "X"], "场"), ("开展宣讲X至X场。", ["X", "X"], "场")],
)
def test_look_alike_marks_measure_words_and_ranges(text: str, marks: list[str], unit: str) -> None:
    slots = find_slots(text)
    assert [s.text for s in slots] == marks
    assert {s.unit for s in slots} == {unit}


def test_blanks_for_names_are_not_slots() -> None:
    assert find_slots("邀请____同志作报告，________单位参加，副书记出席。") == []


def test_gaps_before_measure_words_are_slots() -> None:
    slots = find_slots("全区共开展了  次宣传活动，  多人听课，粉丝达到  万。")
    assert [(s.kind, s.unit) for s in slots] == [("blank", "次"), ("blank", "人"), ("blank", "")]
    assert slots[2].scale == "万"
