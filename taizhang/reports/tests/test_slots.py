"""Slots in summary templates: X / x / xx / * / === / gaps / hidden years, and filling them."""

from __future__ import annotations

import itertools
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taizhang.reports.extract import MetricInfo, extract
from taizhang.reports.slots import SLOT_KINDS, Slot, fill, find_slots, missing_marker, to_json

REPO_ROOT = Path(__file__).resolve().parents[3]


def seeds_dir() -> Path | None:
    """The seeds: $TAIZHANG_SHARED/seeds, else /work/shared/seeds, else ../shared/seeds next to the repo."""
    candidates = [Path(os.environ["TAIZHANG_SHARED"])] if os.environ.get("TAIZHANG_SHARED") else []
    candidates += [Path("/work/shared"), REPO_ROOT.parent / "shared"]
    for base in candidates:
        if (base / "seeds").is_dir():
            return base / "seeds"
    return None


SEEDS = seeds_dir()
needs_seeds = pytest.mark.skipif(
    SEEDS is None, reason="seed summaries not found (set TAIZHANG_SHARED to the folder holding seeds/)"
)


def seed(prefix: str) -> str:
    assert SEEDS is not None
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def kinds(slots: list[Slot], kind: str) -> list[Slot]:
    return [s for s in slots if s.kind == kind]


# --------------------------------------------------------------------------------------------
# Seeds: counts checked by reading every mark, and by an independent regex

# After a mark: 余/多, 万/亿, 余/多, then a measure word, or 万/亿 alone (X万多粉丝); 项目 only after 等.
_AFTER = (
    r"(?=(?:余|多)?(?:万|亿)?(?:余|多)?"
    r"(?:场次|人次|条次|轮次|小时|万元|亿元|个|次|篇|人|名|所|处|份|套|幅|场|件|家|条|%|期|册|支|轮|起|位|只|万|亿))"
)
_NAMES = re.compile(r"《[^》]*》|“[^”]{0,30}”")


def cross_check(text: str, mark: str) -> list[tuple[int, int]]:
    """Spans of number-marks found by a plain regex, names in 《》 and “” blanked first."""
    blanked = _NAMES.sub(lambda m: "□" * len(m.group()), text)
    letter = re.escape(mark[0])
    pattern = rf"(?<![A-Za-z第{letter}]){letter}+(?![A-Za-z]){_AFTER}|(?<=等){letter}+(?=项目)"
    return [m.span() for m in re.finditer(pattern, blanked)]


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "mark", "kind", "count", "years", "literals"),
    [
        ("000", "X", "x", 67, 2, 2),  # X月X日 is a date: two "year" slots
        ("002", "*", "star", 41, 0, 5),
        ("004", "x", "x", 23, 2, 5 + 6),
    ],
)
def test_every_placeholder_in_the_seeds_is_found(
    prefix: str, mark: str, kind: str, count: int, years: int, literals: int
) -> None:
    text = seed(prefix)
    slots = find_slots(text)
    marked = kinds(slots, kind)
    assert len(marked) == count
    assert [s.span for s in marked] == cross_check(text, mark)
    assert all(set(s.text) <= {mark} for s in marked)
    assert len(kinds(slots, "year")) == years
    assert len(kinds(slots, "literal")) == literals
    assert len(slots) == count + years + literals  # no blank or equals slot in these seeds


@needs_seeds
def test_names_in_the_seeds_are_not_slots() -> None:
    for prefix, names in [
        ("000", ["X区", "X集团", "X日报", "X电视台", "X省", "第X届", "X周年", "《X》", "X号厂房"]),
        ("002", ["“*”", "《*》", "*市", "*村", "*、*项目", "在*排名", "*花节"]),
        ("004", ["xx有礼", "xx区", "xx全面振兴", "《xx专报》", "xx市", "x日报社", "xe媒", "xE媒体", "学xxx台"]),
    ]:
        text = seed(prefix)
        spans = [s.span for s in find_slots(text)]
        for name in names:
            starts = [m.start() for m in re.finditer(re.escape(name), text)]
            assert starts, name
            for start in starts:
                end = start + len(name)
                assert not any(s < end and start < e for s, e in spans), (prefix, name)


@needs_seeds
def test_seed_slot_details() -> None:
    slots = find_slots(seed("004"))
    flow = next(s for s in slots if s.unit == "条次")
    assert (flow.unit, flow.scale, flow.qualifier, flow.subject) == ("条次", "万", ["多"], "现累计发稿")
    learners = next(s for s in slots if s.text == "xxxx")
    assert (learners.unit, learners.qualifier, learners.subject) == ("人", ["达"], "学员总数")
    masks = next(s for s in slots if s.unit == "只")
    assert (masks.text, masks.scale, masks.subject) == ("x", "万", "口罩")
    hours = next(s for s in find_slots(seed("002")) if s.unit == "小时")
    assert (hours.text, hours.kind, hours.scale, hours.qualifier, hours.subject) == (
        "*",
        "star",
        "万",
        ["余"],
        "活动时长",
    )


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_filled_seeds_read_back_as_figures(prefix: str) -> None:
    """Fill every mark with a distinct number: extract() then finds exactly those figures and the literals."""
    text = seed(prefix)
    slots = find_slots(text)
    values = {i: str(101 + i) for i, s in enumerate(slots) if s.kind in ("x", "star")}
    filled = fill(text, values, slots)
    expected = []
    for i, s in enumerate(slots):
        if s.kind == "literal":
            expected.append((s.value, s.unit))
        elif i in values:
            factor = {"万": 10**4, "亿": 10**8}.get(s.scale, 1)
            expected.append((Decimal(values[i]) * factor, s.unit))
    figures = extract(filled)
    got = [(f.value, f.unit) for f in figures]
    assert len(got) == len(expected)
    assert got == expected
    left = find_slots(filled)
    assert not kinds(left, "x")
    assert not kinds(left, "star")


# --------------------------------------------------------------------------------------------
# Each kind of mark


def only(text: str) -> Slot:
    slots = find_slots(text)
    assert len(slots) == 1, [(s.text, s.kind) for s in slots]
    return slots[0]


@pytest.mark.parametrize(
    ("text", "mark", "kind", "digits", "unit", "qualifier", "scale", "subject"),
    [
        ("组织开展集体学习X次。", "X", "x", None, "次", [], "", "集体学习"),
        ("开展宣讲活动X余场次。", "X", "x", None, "场次", ["余"], "", "宣讲活动"),
        ("现累计发稿x万多条次，", "x", "x", None, "条次", ["多"], "万", "现累计发稿"),
        ("邀请XX名专家。", "XX", "x", None, "名", [], "", "专家"),
        ("完成率X%。", "X", "x", None, "%", [], "", "完成率"),
        ("完成率X.X%。", "X.X", "x", None, "%", [], "", "完成率"),
        ("获扶持资金X万元。", "X", "x", None, "万元", [], "", "获扶持资金"),
        ("辖区居民近X万人受益。", "X", "x", None, "人", ["近"], "万", "辖区居民"),
        ("活动时长*万余小时。", "*", "star", None, "小时", ["余"], "万", "活动时长"),
        ("受众*余人。", "*", "star", None, "人", ["余"], "", "受众"),
        ("发布信息===条。", "===", "equals", 3, "条", [], "", "发布信息"),
        ("完成率===.=%。", "===.=", "equals", 3, "%", [], "", "完成率"),
        ("完成率＝＝.＝％。", "＝＝.＝", "equals", 2, "%", [], "", "完成率"),
        ("集中学习达 次。", " ", "blank", None, "次", ["达"], "", "集中学习"),
        ("开展宣讲___场，", "___", "blank", None, "场", [], "", "宣讲"),
        ("集中学习达次。", "", "blank", None, "次", ["达"], "", "集中学习"),
        ("累计服务群众超 万人次。", " ", "blank", None, "人次", ["超"], "万", "服务群众"),
        ("任务完成率 %。", " ", "blank", None, "%", [], "", "任务完成率"),
        ("====年工作总结", "====", "year", 4, "年", [], "", ""),
        ("20xx年工作总结", "20xx", "year", None, "年", [], "", ""),
        ("20XX年度", "20XX", "year", None, "年", [], "", ""),
        ("20_年工作总结", "20_", "year", None, "年", [], "", ""),
        ("20**年工作总结", "20**", "year", None, "年", [], "", ""),
        ("二〇XX年工作总结", "二〇XX", "year", None, "年", [], "", ""),
        ("20xx意识形态总结", "20xx", "year", None, "", [], "", ""),
        ("珠海特区报发稿120篇。", "120", "literal", None, "篇", [], "", "珠海特区报发稿"),
        ("两万余名党员报到。", "两", "literal", None, "名", ["余"], "万", "党员"),
    ],
)
def test_kinds_of_slots(
    text: str, mark: str, kind: str, digits: int | None, unit: str, qualifier: list[str], scale: str, subject: str
) -> None:
    slot = only(text)
    assert kind in SLOT_KINDS
    assert (slot.text, slot.kind, slot.digits, slot.unit, slot.qualifier, slot.scale, slot.subject) == (
        mark,
        kind,
        digits,
        unit,
        qualifier,
        scale,
        subject,
    )
    assert text[slot.span[0] : slot.span[1]] == mark


def test_hidden_dates_are_time_slots() -> None:
    slots = find_slots("截止X月X日零点，全区学员总数X人。")
    assert [(s.kind, s.unit) for s in slots] == [("year", "月"), ("year", "日"), ("x", "人")]


@pytest.mark.parametrize(
    "text",
    [
        "XX区宣传部工作总结",
        "践行xx有礼，讲好xx故事，开创xx全面振兴发展新局面",
        "xx市文明办、X集团、X日报、X电视台、x日报社、xe媒、X省道德模范",
        "打造“*”宣讲品牌，推出《*》《xx》，开设“xx”专栏，“X时代楷模”",
        "荣获第X届风筝都文化奖，新中国成立X周年",
        "其中*、*项目已投入试营业",
        "工作总结\n=========\n正文",
        "用稿量居*各县市区前列，在*排名第一",
        "智能无线耳机X号厂房",
        "Excel、LED、VR、xyz",
    ],
)
def test_names_are_not_slots(text: str) -> None:
    assert find_slots(text) == []


# --------------------------------------------------------------------------------------------
# Filling, markers, JSON, metrics


def test_fill_replaces_marks_and_keeps_qualifiers_and_units() -> None:
    text = "开展X次集体学习，受众X余人，累计服务群众超*万人次，集中学习达 次，完成率===.=%。"
    filled = fill(text, {0: "12", 1: "300", 2: "1.5", 3: "8", 4: "98.5"})
    assert filled == "开展12次集体学习，受众300余人，累计服务群众超1.5万人次，集中学习达8次，完成率98.5%。"


def test_fill_leaves_other_slots_alone_and_inserts_into_zero_width_gaps() -> None:
    assert fill("集中学习达次，受众X人。", {0: "12"}) == "集中学习达12次，受众X人。"
    marker = missing_marker("受众")
    assert fill("受众X人。", {0: marker}) == "受众【待核实：受众】人。"


def test_fill_refuses_unknown_slots() -> None:
    with pytest.raises(IndexError):
        fill("受众X人。", {1: "3"})


def test_missing_marker() -> None:
    assert missing_marker("主题报告会") == "【待核实：主题报告会】"


ALIASES: dict[str, MetricInfo] = {
    "theory_sessions": {"name": "集体学习次数", "measure_word": "次", "aliases": ["集体学习", "集中学习"]},
    "news_articles": {"name": "用稿", "measure_word": "条", "aliases": ["发稿", "用稿"]},
}


def test_to_json_shape_and_metrics() -> None:
    data = to_json(find_slots("举行===次集中学习，发布信息X条，发稿x万多条次。", ALIASES))
    assert data == {
        "slots": [
            {
                "text": "===",
                "kind": "equals",
                "digits": 3,
                "unit": "次",
                "subject": "集中学习",
                "span": [2, 5],
                "metric": "theory_sessions",
                "confidence": 1.0,
            },
            {
                "text": "X",
                "kind": "x",
                "digits": None,
                "unit": "条",
                "subject": "发布信息",
                "span": [15, 16],
                "metric": None,
                "confidence": 0.0,
            },
            {
                "text": "x",
                "kind": "x",
                "digits": None,
                "unit": "条次",
                "subject": "发稿",
                "span": [20, 21],
                "metric": "news_articles",
                "confidence": 0.88,
            },
        ]
    }


_FUZZ_ALPHABET = (
    "0123456789.%一二两三四五六七八九十百万亿余多近约共达场次人名个篇条期年月日第“”《》、，。 Xx*=_\n区有礼"
)


@given(st.text(alphabet=_FUZZ_ALPHABET, max_size=80))
def test_any_text_finds_slots_without_error_and_fill_keeps_the_rest(text: str) -> None:
    slots = find_slots(text)
    assert all(s.kind in SLOT_KINDS for s in slots)
    assert all(text[s.span[0] : s.span[1]] == s.text for s in slots)
    assert all(a.span[1] <= b.span[0] for a, b in itertools.pairwise(slots))
    assert fill(text, {}) == text
    assert fill(text, {i: s.text for i, s in enumerate(slots)}) == text
