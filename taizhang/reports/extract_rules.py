"""What a figure of a work summary is, beyond its number: the outlet level of a placement, a change rather than a
level, a requirement or a first rather than a result, a part of a total, an approximate value, and how sure its
metric is. Pure Python, no Django; extract.extract() calls refine() on its figures.

The extra wording summaries use for the ledger's metrics lives here (EXTRA_ALIASES), apart from the editable
taxonomy: staff-edited aliases still come first from the database (reports.metrics.metric_aliases()).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from taizhang.reports.extract import ExtractedFigure, MetricInfo

__all__ = [
    "APPROXIMATE_QUALIFIERS",
    "EXTRA_ALIASES",
    "LEVEL_NAMES",
    "SURE_CONFIDENCE",
    "level_in",
    "refine",
    "with_extra_aliases",
]

OUTLETS_PATH: Final = Path(__file__).resolve().parent.parent / "ledger" / "defaults" / "outlets.json"

#: outlet levels as the ledger keys them (ledger.models.Outlet.Level), with their Chinese names
LEVEL_NAMES: Final[dict[str, str]] = {
    "national": "中央", "provincial": "省级", "municipal": "市级", "district": "区县级",
}  # fmt: skip
#: a mapping at least this sure may become a draft record without a person confirming it
SURE_CONFIDENCE: Final = 0.6
#: qualifiers that make a value approximate (a lower bound or a rounding): never imported as exact
APPROXIMATE_QUALIFIERS: Final = frozenset(
    {"近", "约", "余", "多", "超", "超过", "逾", "以上", "左右", "有余", "将近", "接近", "大约", "至少", "数", "至"}
)
_REQUIREMENT_QUALIFIERS: Final = frozenset({"不少于", "不低于"})

# --------------------------------------------------------------------------------------------------------------
# Outlet levels

_PROVINCES: Final = (
    "北京|天津|河北|山西|内蒙古|辽宁|吉林|黑龙江|上海|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|广西|海南|"
    "重庆|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆"
)
_MEDIA_SUFFIX: Final = "日报|晚报|电视台|广播电视台|人民广播电台|广播电台|卫视|新闻网|都市报"
_GENERIC_LEVELS: Final[tuple[tuple[str, str], ...]] = (
    ("national", "国家级|中央级|央级|中央媒体|中央主流媒体|央媒|中央电视台|中央台|央视|中央广播"
                 "|中央人民广播电台|全国性"),
    ("provincial", rf"省级|省报|省台|省广播电视台|省电视台|省广电|省直媒体|省主流媒体"
                   rf"|自治区级|自治区(?:{_MEDIA_SUFFIX}|台)|(?:{_PROVINCES})省?(?:{_MEDIA_SUFFIX})"),
    # 区级报刊, 区台: the autonomous region's (provincial) in a county's summary, the district's elsewhere (level_in)
    ("region", r"区级|区(?:报|台)"),
    ("district", rf"县级|县区级|县(?:{_MEDIA_SUFFIX}|台|报|融媒体中心)|区(?:电视台|广播电视台|台|融媒体中心)"),
    ("municipal", rf"地市级|市级|市报|市台|市(?:{_MEDIA_SUFFIX})|州(?:{_MEDIA_SUFFIX}|台|报)|市融媒体中心"
                  rf"|(?<![县区省市州])(?:(?![被在的和与及省市县区州央国])[\u4e00-\u9fff]){{2}}(?:日报|晚报|电视台|广播电视台)"),
)  # fmt: skip


@lru_cache(maxsize=1)
def _outlet_names() -> tuple[tuple[str, str], ...]:
    """(name or alias, level) of the shipped outlets, longest first."""
    names: list[tuple[str, str]] = []
    try:
        data = json.loads(OUTLETS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {"outlets": []}
    for outlet in data.get("outlets", []):
        for name in [outlet.get("name", ""), *outlet.get("aliases", [])]:
            if name and len(name) >= 2 and not name.isascii():
                names.append((str(name), str(outlet.get("level", ""))))
    return tuple(sorted(set(names), key=lambda n: len(n[0]), reverse=True))


@lru_cache(maxsize=1)
def _outlets_by_first_char() -> dict[str, tuple[tuple[str, str], ...]]:
    table: dict[str, list[tuple[str, str]]] = {}
    for name, level in _outlet_names():
        table.setdefault(name[0], []).append((name, level))
    return {ch: tuple(names) for ch, names in table.items()}


_GENERIC_RE: Final = re.compile(
    "|".join(f"(?P<{level}_{i}>{pattern})" for i, (level, pattern) in enumerate(_GENERIC_LEVELS))
)
#: a level word is looked for this far back from the figure
_LEVEL_WINDOW: Final = 60


def level_in(segment: str, county: bool = False) -> tuple[str | None, bool]:
    """(the outlet level of the last outlet or level word in `segment`, whether any was found). A level followed by
    以上 (市级以上媒体) is a range, not a level: (None, True). `county`: the summary is a county's, so a bare 区级
    (区级报刊, 区台) is the autonomous region's, provincial; else it is a district's."""
    segment = segment[-_LEVEL_WINDOW:]
    best: tuple[int, int, str] | None = None  # (end, length, level)
    by_first = _outlets_by_first_char()
    candidates = [n for ch in set(segment) for n in by_first.get(ch, ())]
    for name, level in candidates:
        at = segment.rfind(name)
        if at >= 0 and (best is None or (at + len(name), len(name)) > best[:2]):
            best = (at + len(name), len(name), level)
    for match in _GENERIC_RE.finditer(segment):
        level = (match.lastgroup or "").rsplit("_", 1)[0]
        if best is None or (match.end(), match.end() - match.start()) > best[:2]:
            best = (match.end(), match.end() - match.start(), level)
    if best is None:
        return None, False
    end, _length, level = best
    if level == "region":
        level = "provincial" if county else "district"
    ranged = segment.startswith("以上", end) or segment.startswith("及以上", end)
    return (None if ranged else level), True


_PUBLISH_RE: Final = re.compile(
    r"发表|刊发|刊登|刊载|刊播|播发|播出|采用|采播|用稿|上稿|发稿|刊稿|转载|登载|刊出|头条|头版|推送|报道"
)
_SUBMIT_RE: Final = re.compile(r"上报|报送|投稿|提报|报出|收上|收到|征集|采访")
_OUTLET_WORD_RE: Final = re.compile(
    r"被[^，。；,;]{0,14}?(?:报|台|网|杂志|媒体|刊|客户端|电台|平台)(?:社)?(?:采用|刊发|刊登|播发|转载|采播|播出)"
)
_MEDIA_WORD_RE: Final = re.compile(r"媒体|报刊|报纸|杂志|报上|网站上|央媒|电视台|卫视")
#: the outlet named after the figure: 其中，12条被广元电视台采用
_OUTLET_AFTER_RE: Final = re.compile(
    r"(?:稿件|新闻|作品)?被[^，。；,;]{0,14}?(?:报|台|网|杂志|媒体|刊|客户端|电台|平台)(?:社)?"
    r"(?:采用|刊发|刊登|播发|转载|采播|播出|刊播|用稿)"
)
#: the unit's own programme or paper using items is its own news, not a placement: 《元坝新闻》共播出…44条,
#: 播送电视新闻共播发…200余篇, ?xxx新闻?用稿1627条
_OWN_NEWS_RE: Final = re.compile(r"播送|自办|(?:电视|广播)新闻|新闻(?:》|[?？\"”])?共?(?:用稿|播发|播出|编播)")
#: a summary written by a county (its 区级 is the autonomous region's) or by a district
_COUNTY_RE: Final = re.compile(r"全县|我县|本县|该县|县委")
_DISTRICT_RE: Final = re.compile(r"全区|我区|本区|该区|区委")
#: front-page items after a placement are part of it: 刊稿80余篇，各版头题稿件12个
_FRONT_PAGE_RE: Final = re.compile(r"头版|头题|头条")
#: an audience belongs to the activity counted before it in the sentence: 演出…超300场，受众…150万人次
_AUDIENCE_BY_LINE: Final[dict[str, str]] = {
    "lectures": "lecture_audience", "culture_events": "ce_audience", "practice": "practice_participants",
}  # fmt: skip
_AUDIENCES: Final = frozenset(_AUDIENCE_BY_LINE.values())
#: 成立16个电影放映队 counts teams, not films: a team noun heading the subject, with no alias of the metric there
_TEAM_HEAD_RE: Final = re.compile(r"(?:队|队伍|团|小组|协会|社团|组织|机构)$")
_TEAM_UNITS: Final = frozenset({"个", "支", "家"})
_ARTICLE_UNITS: Final = frozenset({"篇", "条", "件", "次", "篇次", "条次", "个"})

# --------------------------------------------------------------------------------------------------------------
# Changes, requirements, firsts

_CHANGE_RE: Final = re.compile(
    r"(?P<word>同比增长|同比增加|同比提高|同比下降|同比减少|增长了?|增加了?|提高了?|提升了?|上升了?|增幅为?|增长率为?|增速为?"
    r"|翻了?|多出|下降了?|减少了?|降低了?|回落了?|降幅为?)(?:约|近|超过?|达|逾)?$"
)
_DECREASE: Final = ("下降", "减少", "降低", "回落", "降幅")
_NEW_RE: Final = re.compile(r"新增|净增|增加")
_REQUIREMENT_RE: Final = re.compile(r"不少于|不低于|不得少于|至少要|要求|必须|规定")
_TARGET_RE: Final = re.compile(r"(?:任务数|任务|目标|计划|力争|确保|争取|预计)(?:为|是|达到?|完成)?$")
_FIRST_RE: Final = re.compile(r"(?:首次|首度|第一次)(?:突破|超过|超|达到|破)了?$")
#: 服务总时长突破15万小时: more than, so approximate (首次突破 is a first, above)
_BEYOND_RE: Final = re.compile(r"(?:突破|超出|超越)了?$")
_PART_RE: Final = re.compile(r"其中")

# --------------------------------------------------------------------------------------------------------------
# Wording the shipped taxonomy lacks (checked on the dev part of reports/eval, see its README)

EXTRA_ALIASES: Final[dict[str, list[str]]] = {
    "theory_sessions": ["专题学习", "集中学习活动", "中心组学习", "中心组集体学习"],
    "vol_hours": ["服务总时长", "志愿服务时长", "总时长", "信用时长"],
    "vol_teams": ["志愿服务团体", "志愿服务团队", "志愿者队伍"],
    "lecture_events": [
        "宣讲报告会",
        "主题宣讲",
        "专题宣讲",
        "巡回宣讲",
        "宣讲活动",
        "集中宣讲",
        "宣讲比赛",
        "宣传活动",
    ],
    "lecture_audience": ["直接听众", "听众", "听课", "受众人数", "受众"],
    "ce_films": ["放映电影", "放映公益电影", "电影放映", "放映公益宣传片", "公益宣传片", "放映"],
    "ce_audience": ["观看人数", "观影群众", "受益观众", "观看群众", "观众"],
    "ce_performances": ["演出戏剧", "综艺节目", "演出"],
    "ce_reading_events": ["读书活动", "全民读书"],
    "ce_trainings": ["基层文化工作者培训", "文化工作者培训"],
    "nm_followers": ["订阅数", "粉丝总数", "关注粉丝", "关注人数", "粉丝"],
    "nm_reads": ["阅读总量", "总阅读量", "阅读量", "点击量", "点播", "阅读播出"],
    "nm_posts": ["发布信息", "共发布信息"],
    "placements": ["发表文章", "刊稿", "发表"],
    "internal_items": ["播发有关", "播出新闻", "当天新闻", "新闻用稿"],
    "internal_programmes": ["专栏共制作并播出", "制作并播出"],
    "corr_submitted": ["上报州电视台新闻", "上报州电台新闻", "上报新闻", "上报信息"],
    "art_awards": ["大奖", "获奖"],
    "rm_good_people": ["好人"],
    "press_media_visits": ["专题采访报道", "来我区专题采访", "采访报道"],
}


def with_extra_aliases(aliases: Mapping[str, MetricInfo]) -> dict[str, MetricInfo]:
    """`aliases` with EXTRA_ALIASES added to the metrics it has (a metric it lacks is not invented)."""
    out: dict[str, MetricInfo] = {}
    for key, info in aliases.items():
        extra = EXTRA_ALIASES.get(key, [])
        merged: MetricInfo = dict(info)  # type: ignore[assignment]
        merged["aliases"] = list(dict.fromkeys([*info.get("aliases", []), *extra]))
        out[key] = merged
    return out


# --------------------------------------------------------------------------------------------------------------


def _clause_start(text: str, position: int, floor: int = 0) -> int:
    stops = "，,。；;！!？\n"
    start = max([floor, *(text.rfind(c, floor, position) + 1 for c in stops)])
    question = text.rfind("?", start, position)
    if question >= 0 and not _GARBLED_QUOTE_RE.match(text, question):
        start = question + 1
    return start


#: an ASCII ? between Chinese characters is a quotation mark lost in copying (?xxx新闻?用稿), not a question's end
_GARBLED_QUOTE_RE: Final = re.compile(r"\?(?=[\u4e00-\u9fff])")
_SENTENCE_END_RE: Final = re.compile(r"[。；;！!？\n]|\?(?![\u4e00-\u9fff])")


class _Sentences:
    """Where the sentence holding a position starts: the stops are found once per text."""

    def __init__(self, text: str) -> None:
        self._ends = [m.end() for m in _SENTENCE_END_RE.finditer(text)]

    def start(self, position: int) -> int:
        i = bisect.bisect_right(self._ends, position) - 1
        return self._ends[i] if i >= 0 else 0


def _family(unit: str) -> str:
    if unit in ("篇", "条", "篇次", "条次", "件"):
        return "article"
    if unit in ("人", "名", "位", "人次"):
        return "person"
    if unit in ("场", "场次", "次", "期", "轮", "轮次"):
        return "event"
    return unit


def refine(figures: Sequence[ExtractedFigure], text: str, aliases: Mapping[str, MetricInfo] | None = None) -> None:
    """Set each figure's outlet_level, change, role, approximate, part_of, metric_name and sure, and correct the
    metric of placements (被央视新闻联播采用1条 is a placement, not a correspondent's adopted item)."""
    previous_end = 0
    previous_sentence = -1
    totals: list[int] = []  # figures of the current sentence that may be a total
    parts_from = -1  # position of 其中 in force
    sentences = _Sentences(text)
    county = len(_COUNTY_RE.findall(text)) > len(_DISTRICT_RE.findall(text))
    for index, figure in enumerate(figures):
        start, end = figure.span
        sentence = sentences.start(start)
        if sentence != previous_sentence:
            previous_end = sentence
            previous_sentence = sentence
            # 其中 opening the next sentence still refers to the totals just before it
            if not text[sentence:start].lstrip().startswith("其中"):
                totals = []
            parts_from = -1
        segment = text[previous_end:start]
        clause = text[_clause_start(text, start, previous_end) : start]
        qualifiers = set(figure.qualifier)

        # approximate values
        figure.approximate = bool(qualifiers & APPROXIMATE_QUALIFIERS) or figure.value_max is not None

        # role: a requirement, a target or a first is not a result
        if qualifiers & _REQUIREMENT_QUALIFIERS or _REQUIREMENT_RE.search(clause):
            figure.role = "requirement"
        elif _FIRST_RE.search(segment.rstrip()):
            figure.role = "first"
        elif _TARGET_RE.search(clause.rstrip("（( ")):
            figure.role = "target"

        if figure.role == "result" and _BEYOND_RE.search(clause):
            figure.approximate = True

        # changes: 增长21%, 提高95%, 新增关注人数3272人 (but 提高到95% is a level)
        change_match = _CHANGE_RE.search(clause)
        if change_match:
            word = change_match["word"]
            figure.change = "decrease" if word.startswith(_DECREASE) or word[2:].startswith(_DECREASE) else "increase"
        elif _NEW_RE.search(clause) and not re.search(r"[到至为]$", clause):
            figure.change = "increase"
        elif index and segment.strip() in ("和", "、", "，和", "及") and figures[index - 1].change:
            figure.change = figures[index - 1].change  # 分别增长11%和9%

        # parts of a total: 推荐发表了53篇，其中…2篇，省级16篇
        found_part = _PART_RE.search(segment)
        if found_part:
            parts_from = previous_end + found_part.start()
        if parts_from >= 0 and start > parts_from:
            total = next(
                (
                    t
                    for t in reversed(totals)
                    if figures[t].span[1] <= parts_from
                    and _family(figures[t].unit) == _family(figure.unit)
                    and figures[t].value >= figure.value
                ),
                None,
            )
            if total is not None:
                figure.part_of = total
        if figure.part_of is None:
            totals.append(index)

        # a count of teams is not a count of what they do: 成立16个电影放映队
        if figure.metric and figure.unit in _TEAM_UNITS and aliases and _TEAM_HEAD_RE.search(figure.subject):
            info = aliases.get(figure.metric)
            names = [*info.get("aliases", []), info.get("name", "")] if info else []
            if not any(n and figure.subject.endswith(n) for n in names):
                figure.metric, figure.confidence = None, 0.0

        # an audience belongs to the activity before it: 演出…超300场，受众累计超过150万人次
        if figure.metric in _AUDIENCES and aliases:
            activity = next(
                (
                    figures[i]
                    for i in range(index - 1, -1, -1)
                    if (figures[i].metric and _family(figures[i].unit) == "event")
                    or figures[i].span[0] < sentence  # the sentence's start: stop there
                ),
                None,
            )
            if activity is not None and activity.span[0] < sentence:
                activity = None
            info = aliases.get(activity.metric or "") if activity else None
            line = str(info.get("line", "")) if info else ""
            if line in _AUDIENCE_BY_LINE:
                figure.metric = _AUDIENCE_BY_LINE[line]

        # placements and their outlet level
        level, outlet_found = level_in(segment, county)
        after = _OUTLET_AFTER_RE.match(text, end, min(len(text), end + 24))
        if after and figure.unit in _ARTICLE_UNITS:  # 12条被广元电视台采用: the outlet follows the figure
            level, outlet_found = level_in(after.group(), county)
            known = figure.confidence if figure.metric == "placements" else 0.0
            figure.metric, figure.confidence = "placements", max(known, 0.9 if outlet_found else 0.75)
        publishing = bool(_PUBLISH_RE.search(segment) or _PUBLISH_RE.search(figure.subject))
        submitted = bool(_SUBMIT_RE.search(clause))
        placement_words = bool(_OUTLET_WORD_RE.search(segment)) or (bool(_MEDIA_WORD_RE.search(clause)) and publishing)
        previous = figures[index - 1] if index else None
        listed = (  # 国家级…发表2篇，省级16篇、市级43篇: the list goes on with the same kind of figure
            previous is not None
            and previous.metric == "placements"
            and previous.span[1] >= sentence
            and _family(previous.unit) == _family(figure.unit)
            and len(segment) <= 8
            and outlet_found
            and not _PUBLISH_RE.search(segment)
            and not submitted
        )
        inside = (
            figure.part_of is not None
            and figures[figure.part_of].metric == "placements"
            and (_family(figures[figure.part_of].unit) == _family(figure.unit))
        )
        front_page = (  # 刊稿80余篇，各版头题稿件12个: the front-page items are part of the placements just before
            previous is not None
            and previous.metric == "placements"
            and previous.span[1] >= sentence
            and figure.part_of is None
            and not outlet_found
            and previous.value >= figure.value
            and figure.unit in _ARTICLE_UNITS
            and bool(_FRONT_PAGE_RE.search(segment))
        )
        if front_page and previous is not None:
            figure.part_of = index - 1 if previous.part_of is None else previous.part_of
            if totals and totals[-1] == index:
                totals.pop()
        own_news = (
            not outlet_found
            and not after
            and not placement_words
            and not listed
            and not inside
            and not front_page
            and figure.unit in _ARTICLE_UNITS
            and figure.metric in (None, "placements")
            and bool(_OWN_NEWS_RE.search(text, sentence, start))
        )
        if own_news:  # 《元坝新闻》共播出…44条: the unit's own news
            figure.metric, figure.confidence = "internal_items", 0.8
        elif (
            figure.unit in _ARTICLE_UNITS
            and not submitted
            and ((outlet_found and publishing) or placement_words or listed or inside or front_page)
        ):
            known = figure.confidence if figure.metric == "placements" else 0.0
            figure.metric = "placements"
            figure.confidence = max(known, 0.9 if outlet_found else 0.75)
        if figure.metric == "placements":
            if level is None and figure.part_of is not None:
                level = figures[figure.part_of].outlet_level
            figure.outlet_level = level
            if level is None and outlet_found and figure.part_of is None:
                figure.outlet_level = None
        elif figure.metric == "corr_adopted" and outlet_found and not submitted:
            figure.metric, figure.confidence = "placements", 0.85
            figure.outlet_level = level

        if aliases and figure.metric:
            info = aliases.get(figure.metric)
            figure.metric_name = str(info.get("name", "")) if info else ""
        figure.sure = (
            figure.metric is not None
            and figure.confidence >= SURE_CONFIDENCE
            and figure.role == "result"
            and not figure.change
        )
        previous_end = end
