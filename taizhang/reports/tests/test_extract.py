"""Figures read out of work summaries: the seeds, and what must never be taken for a figure."""

from __future__ import annotations

import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taizhang.reports.extract import (
    ExtractedFigure,
    MetricInfo,
    extract,
    extract_docx_text,
    extract_file,
    find_ranks,
    load_metric_aliases,
    map_metric,
    read_text,
    to_json,
)

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


def find(figures: list[ExtractedFigure], text: str, nth: int = 0) -> ExtractedFigure:
    matching = [f for f in figures if f.text == text]
    assert len(matching) > nth, f"{text!r} not extracted; got {[f.text for f in figures]}"
    return matching[nth]


# --------------------------------------------------------------------------------------------
# The seeds

KNOWN = [
    # seed, text, nth, value, unit, qualifier, subject
    ("004", "近500支", 0, 500, "支", ["近"], "志愿服务队伍"),
    ("004", "20余万", 0, 200000, "", ["余"], "志愿者"),
    ("004", "11000余件", 0, 11000, "件", ["余"], "疫情防控主题文艺作品"),
    ("004", "42期", 0, 42, "期", [], "优秀文艺作品展播"),
    ("004", "15期", 0, 15, "期", [], "网上文艺精品展"),
    ("004", "两万余名", 0, 20000, "名", ["余"], "党员"),
    ("004", "五个", 0, 5, "个", [], "督导组"),
    ("004", "四轮次", 0, 4, "轮次", [], None),
    ("004", "100分", 0, 100, "分", [], "测评得分"),
    ("004", "1篇", 0, 1, "篇", [], "撰写江西省委办公厅《重要信息》约稿"),
    ("004", "5个", 0, 5, "个", [], "方面"),
    ("002", "58起", 0, 58, "起", [], "其他负面网络舆情"),
    ("002", "1个", 0, 1, "个", [], "调研课题"),
    ("002", "1人", 0, 1, "人", [], "入选*市第七届道德模范"),
    ("002", "1人", 1, 1, "人", [], "荣获*五一劳动奖章"),
    ("002", "两个", 0, 2, "个", [], None),
    ("000", "两个", 0, 2, "个", [], "站点"),
    ("000", "五个", 0, 5, "个", [], "方面"),
]


@needs_seeds
@pytest.mark.parametrize(("prefix", "text", "nth", "value", "unit", "qualifier", "subject"), KNOWN)
def test_known_figures_are_found(
    prefix: str, text: str, nth: int, value: int, unit: str, qualifier: list[str], subject: str | None
) -> None:
    figure = find(extract(seed(prefix)), text, nth)
    assert figure.value == value
    assert figure.unit == unit
    assert figure.qualifier == qualifier
    if subject is not None:
        assert figure.subject == subject


@needs_seeds
@pytest.mark.parametrize(("prefix", "count"), [("000", 2), ("002", 5), ("004", 11)])
def test_nothing_else_is_reported(prefix: str, count: int) -> None:
    """Every figure in the seeds was checked by reading: X/*/x marks are not figures, and the rest
    (years, dates, ordinals, slogans) must not turn up."""
    figures = extract(seed(prefix))
    assert len(figures) == count, [f.text for f in figures]


NEVER = re.compile(
    r"\d{4}年度?|\d{1,2}月(?:份|底|\d{1,2}日)?|\d{1,2}日|\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}"
    r"|第[一二三四五六七八九十\dX*x]{1,3}[届批轮次季个]?|[一二]季度|十九大|二十大|十九届[一二三四]?中?全会"
    r"|\d+周年|24小时|二期|“[^”]{0,30}”|《[^》]{0,100}》|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]"
    r"|^\d+\.|[一二三四五六七八九十]是",
    re.M,
)


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_no_year_date_ordinal_or_name_is_reported(prefix: str) -> None:
    text = seed(prefix)
    forbidden = [m.span() for m in NEVER.finditer(text)]
    assert len(forbidden) > 10
    for figure in extract(text):
        start, end = figure.span
        overlapping = [text[s:e] for s, e in forbidden if s < end and start < e]
        assert not overlapping, (figure.text, overlapping)
        assert figure.unit not in ("年", "月", "日", "届", "周年")


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_spans_point_at_the_text(prefix: str) -> None:
    text = seed(prefix)
    for figure in extract(text):
        assert text[figure.span[0] : figure.span[1]] == figure.text
        assert figure.span[0] <= figure.number_span[0] < figure.number_span[1] <= figure.span[1]


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "text", "section"),
    [
        ("002", "58起", ["一、2023年上半年工作完成情况", "(二)坚持系统观念,服务大局见行见效"]),
        ("002", "两个", ["一、2023年上半年工作完成情况", "(四)坚定自信自强,文化旅游融合发展"]),
        ("004", "近500支", ["一、上半年工作总结", "(四)抓实“xx有礼”,精神文明建设巩固拓展"]),
        ("004", "42期", ["一、上半年工作总结", "(五)深耕“惠民理念”,文化文艺工作繁荣发展"]),
        ("004", "5个", ["二、下半年工作安排"]),
        ("004", "两万余名", ["二、坚持服务疫情防控大局,在讲政治有作为上下功夫"]),
        ("004", "100分", ["三、强势推进文明创建活动,在狠抓质量规范上下功夫"]),
        (
            "000",
            "两个",
            ["一、2020年工作亮点", "(三)丰富载体,文明建设深入推进", "2.精神文明建设成果丰硕"],
        ),
        (
            "000",
            "五个",
            ["二、2021年工作思路", "(四)深化精神文明建设,提升城区文明程度"],
        ),
    ],
)
def test_section_paths(prefix: str, text: str, section: list[str]) -> None:
    assert find(extract(seed(prefix)), text).section == section


@needs_seeds
def test_ranks_are_found_apart_from_figures() -> None:
    assert [r.text for r in find_ranks(seed("000"))] == ["位于全市前列"]
    assert [r.text for r in find_ranks(seed("002"))] == ["居*各县市区前列", "排名第一"]


# --------------------------------------------------------------------------------------------
# Shapes of figures


@pytest.mark.parametrize(
    ("text", "figure", "value", "unit", "qualifier", "subject"),
    [
        ("组织开展主题报告会近300余场。", "近300余场", 300, "场", ["近", "余"], "主题报告会"),
        ("珠海特区报发稿120篇。", "120篇", 120, "篇", [], "珠海特区报发稿"),
        ("比去年同期增长21%。", "21%", 21, "%", [], "比去年同期增长"),
        ("全年发布信息1.21万条。", "1.21万条", 12100, "条", [], "发布信息"),
        ("视频播放量349万次。", "349万次", 3490000, "次", [], "视频播放量"),
        ("协议总投资2.3亿元。", "2.3亿元", Decimal("2.3"), "亿元", [], "协议总投资"),
        ("获扶持资金50万元。", "50万元", 50, "万元", [], "获扶持资金"),
        ("服务时长二十二点二五万小时。", "二十二点二五万小时", 222500, "小时", [], "服务时长"),
        ("两万余名党员参与。", "两万余名", 20000, "名", ["余"], "党员"),
        ("参与人数累计约3万余人次。", "累计约3万余人次", 30000, "人次", ["累计", "约", "余"], "参与人数"),
        ("受益群众超过1万人次。", "超过1万人次", 10000, "人次", ["超过"], "受益群众"),
        ("文明单位总数达到15个。", "达到15个", 15, "个", ["达到"], "文明单位总数"),
        ("每个社区督查3次以上。", "3次以上", 3, "次", ["以上"], "每个社区督查"),
        ("参与人数达1,234人。", "达1,234人", 1234, "人", ["达"], "参与人数"),
        ("开展三百余场宣讲活动。", "三百余场", 300, "场", ["余"], "宣讲活动"),
        ("完成率百分之九十五。", "百分之九十五", 95, "%", [], "完成率"),
        ("提高12.5个百分点。", "12.5个百分点", Decimal("12.5"), "个百分点", [], "提高"),
        ("举办培训班三期。", "三期", 3, "期", [], "培训班"),
        ("测评得分98.5分。", "98.5分", Decimal("98.5"), "分", [], "测评得分"),
        ("举行１２次集中学习。", "１２次", 12, "次", [], "集中学习"),
        ("评选表彰5名“身边好人”。", "5名", 5, "名", [], "身边好人"),
        ("组织引导近500支志愿服务队伍和20余万志愿者参与。", "20余万", 200000, "", ["余"], "志愿者"),
        ("累计服务时长达1.5万余小时。", "达1.5万余小时", 15000, "小时", ["达", "余"], "服务时长"),
        ("全区共有新时代文明实践站128个。", "128个", 128, "个", [], "全区共有新时代文明实践站"),
    ],
)
def test_figure_shapes(
    text: str, figure: str, value: int | Decimal, unit: str, qualifier: list[str], subject: str
) -> None:
    found = find(extract(text), figure)
    assert (found.value, found.unit, found.qualifier, found.subject) == (value, unit, qualifier, subject)


@pytest.mark.parametrize(
    "text",
    [
        "2024年5月12日召开会议。",
        "2023-04-05 18:15:07 来源：网友投稿",
        "2022年度县域文明指数测评，5月份上稿，6月底完成，截至6月5日。",
        "学习贯彻党的十九大、二十大和十九届四中全会精神，第十九届、第七届道德模范。",
        "践行“三个代表”，增强四个意识、做到两个维护，坚定“四个自信”。",
        "实施5558工程，落实六个100%要求，深化七个一百工程。",
        "一季度、二季度、第二季度工作有序推进，前三季度总结。",
        "热线12345，电话0631-5201234，手机13912345678。",
        "1.加强学习\n2.推进工作\n一、总体情况\n（二）主要做法\n(三)存在问题\n一是强化。二是落实。",
        "出版《二十四节气100问》《3个故事》，开展“一村一年一场戏”“百人百讲”活动。",
        "十分重要，一起学，统一部署，一次性解决，一批典型，一流水平，三番五次，千家万户。",
        "庆祝建党102周年，7×24小时值守，坚持24小时全网巡查。",
        "项目二期建设，三期工程，第一轮测评，排名第一，前三名，位于全市前列。",
        "“家书传家风”万户家庭，“千人计划”专家，百姓宣讲，十强产业，三馆一站，双招双引。",
        "5G基站，G20峰会，2020R/VR眼镜，V2.0版本，90后青年。",
        "访问 https://example.gov.cn/a/123次 或 mail123@example.cn。",
    ],
)
def test_never_figures(text: str) -> None:
    assert extract(text) == []


def test_qualifier_words_that_are_not_qualifiers() -> None:
    figures = extract("最近3次会议，附近2处点位，共签约5个项目，公共3处场地。")
    assert [(f.text, f.qualifier) for f in figures] == [("3次", []), ("2处", []), ("5个", []), ("3处", [])]


def test_sections_with_parenthesised_and_numbered_headings() -> None:
    text = (
        "标题\n一、工作开展情况\n（一）理论学习。\n1.中心组学习。举行集中学习12次。\n"
        "（1）专题研讨。开展研讨3场。\n二、存在问题\n发现问题5个。"
    )
    figures = extract(text)
    assert find(figures, "12次").section == ["一、工作开展情况", "（一）理论学习", "1.中心组学习"]
    assert find(figures, "3场").section == ["一、工作开展情况", "（一）理论学习", "1.中心组学习", "（1）专题研讨"]
    assert find(figures, "5个").section == ["二、存在问题"]


def test_long_headings_are_cut_to_the_heading_text() -> None:
    text = "一、" + "很长的标题" * 20 + "\n开展活动3场。"
    (section,) = find(extract(text), "3场").section
    assert section.startswith("一、很长的标题")
    assert section.endswith("…")
    assert len(section) <= 41


# --------------------------------------------------------------------------------------------
# JSON


def test_to_json_shape() -> None:
    text = "一、理论武装\n（二）宣讲\n组织开展主题报告会近300余场，完成率98.5%。"
    data = to_json(extract(text))
    assert data == {
        "figures": [
            {
                "text": "近300余场",
                "value": 300,
                "value_max": None,
                "approximate": True,
                "unit": "场",
                "qualifier": ["近", "余"],
                "subject": "主题报告会",
                "section": ["一、理论武装", "（二）宣讲"],
                "span": [22, 28],
                "metric": None,
                "metric_name": "",
                "confidence": 0.0,
                "sure": False,
                "outlet_level": None,
                "outlet_level_name": "",
                "change": None,
                "role": "result",
                "part_of": None,
            },
            {
                "text": "98.5%",
                "value": 98.5,
                "value_max": None,
                "approximate": False,
                "unit": "%",
                "qualifier": [],
                "subject": "完成率",
                "section": ["一、理论武装", "（二）宣讲"],
                "span": [32, 37],
                "metric": None,
                "metric_name": "",
                "confidence": 0.0,
                "sure": False,
                "outlet_level": None,
                "outlet_level_name": "",
                "change": None,
                "role": "result",
                "part_of": None,
            },
        ]
    }
    assert isinstance(data["figures"][0]["value"], int)
    assert text[22:28] == "近300余场"
    json.dumps(data, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Metrics

ALIASES: dict[str, MetricInfo] = {
    "lectures_events": {"name": "宣讲场次", "measure_word": "场", "aliases": ["报告会", "宣讲", "宣讲活动"]},
    "lectures_audience": {"name": "受众人数", "measure_word": "人次", "aliases": ["受众", "听众"]},
    "news_external_articles": {"name": "对外用稿", "measure_word": "篇", "aliases": ["发稿", "用稿", "上稿"]},
    "volunteers_teams": {"name": "志愿服务队伍", "measure_word": "支", "aliases": ["志愿服务队", "服务队伍"]},
    "volunteers_people": {"name": "注册志愿者", "measure_word": "人", "aliases": ["志愿者"]},
    "opinion_incidents": {"name": "舆情事件", "measure_word": "起", "aliases": ["舆情", "负面舆情"]},
    "study_rate": {"name": "完成率", "measure_word": "%", "aliases": ["注册率", "完成率"]},
}


@pytest.mark.parametrize(
    ("subject", "unit", "key"),
    [
        ("主题报告会", "场", "lectures_events"),
        ("珠海特区报发稿", "篇", "news_external_articles"),
        ("志愿服务队伍", "支", "volunteers_teams"),
        ("志愿者", "", "volunteers_people"),
        ("其他负面网络舆情", "起", "opinion_incidents"),
        ("受众", "人", "lectures_audience"),
        ("完成率", "%", "study_rate"),
        ("完成率", "场", None),  # a rate is never counted in 场
        ("集体学习", "次", None),
        ("", "场", None),
    ],
)
def test_map_metric(subject: str, unit: str, key: str | None) -> None:
    found, confidence = map_metric(subject, unit, ALIASES)
    assert found == key
    assert (confidence > 0) == (key is not None)
    assert 0 <= confidence <= 1


def test_map_metric_prefers_agreeing_measure_word_and_fuller_match() -> None:
    _, exact = map_metric("宣讲", "场", ALIASES)
    _, loose = map_metric("宣讲", "次", ALIASES)
    _, partial = map_metric("百姓宣讲活动进社区", "场", ALIASES)
    assert exact > loose
    assert exact > partial


@needs_seeds
def test_extract_with_aliases_sets_metrics() -> None:
    figures = {f.text: f for f in extract(seed("004"), ALIASES)}
    assert figures["近500支"].metric == "volunteers_teams"
    assert figures["20余万"].metric == "volunteers_people"
    assert figures["42期"].metric is None
    assert to_json([figures["近500支"]])["figures"][0]["metric"] == "volunteers_teams"


def test_load_metric_aliases(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.json"
    path.write_text(
        json.dumps(
            {
                "lines": [
                    {
                        "key": "lectures",
                        "name": "理论宣讲",
                        "metrics": [
                            {"key": "lecture_events", "name": "宣讲场次", "measure_word": "场", "kind": "count",
                             "aliases": ["报告会", "宣讲"]},
                        ],
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    aliases = load_metric_aliases(path)
    assert aliases["lecture_events"]["aliases"] == ["报告会", "宣讲", "宣讲场次"]
    assert aliases["lecture_events"].get("line") == "lectures"
    assert map_metric("主题报告会", "场", aliases)[0] == "lecture_events"


def test_the_shipped_taxonomy_loads() -> None:
    aliases = load_metric_aliases()
    assert aliases
    assert all(info["measure_word"] for info in aliases.values())


# --------------------------------------------------------------------------------------------
# Files and speed


def test_docx_and_text_files(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("一、理论武装")
    document.add_paragraph("组织开展主题报告会近300余场。")
    docx_path = tmp_path / "summary.docx"
    document.save(str(docx_path))
    assert extract_docx_text(docx_path) == "一、理论武装\n组织开展主题报告会近300余场。"
    (figure,) = extract_file(docx_path)
    assert (figure.text, figure.section) == ("近300余场", ["一、理论武装"])

    gbk_path = tmp_path / "summary.txt"
    gbk_path.write_bytes("发稿120篇。".encode("gb18030"))
    assert [f.text for f in extract_file(gbk_path)] == ["120篇"]
    assert read_text(gbk_path) == "发稿120篇。"

    with pytest.raises(ValueError, match=r"\.doc"):
        read_text(tmp_path / "old.doc")


@needs_seeds
def test_a_thirty_page_summary_takes_well_under_a_second() -> None:
    text = "\n".join(seed(p) for p in ("000", "002", "004"))
    text = (text * (20000 // len(text) + 1))[:20000]
    started = time.perf_counter()
    extract(text)
    assert time.perf_counter() - started < 1.0


_FUZZ_ALPHABET = (
    "0123456789.,%一二两三四五六七八九十百千万亿零余多近约共达场次人名个篇条期年月日第“”《》、，。（）(): -Xx*=_\n"
)


@given(st.text(alphabet=_FUZZ_ALPHABET, max_size=80))
def test_any_text_extracts_without_error_and_spans_hold(text: str) -> None:
    for figure in extract(text):
        assert text[figure.span[0] : figure.span[1]] == figure.text
        assert figure.unit not in ("年", "月", "日")
    to_json(extract(text))
