"""Read the figures out of a work summary (工作总结): value, unit, qualifiers, what was counted, where.

Pure Python, no Django, no database. ``extract(text)`` returns one ExtractedFigure per figure; dates,
years, ordinals (第十九届, 十九大), slogans (四个意识, 六个100%), list markers, phone numbers and anything
inside 《book titles》 or short “quotations” are never reported. A number counts as a figure only when a
measure word or unit follows it (场, 人次, %, 万元 …) or it is written with 万/亿 (20余万志愿者).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, NotRequired, TypedDict

from taizhang.reports import extract_rules
from taizhang.reports.numbers import (
    CORE_PATTERN,
    PERCENT_WORDS_PATTERN,
    POST_PATTERN,
    PREFIX_PATTERN,
    PREFIX_QUALIFIERS,
    ROUND_PATTERN,
    UNIT_PATTERN,
    build_quantity,
    normalize,
    split_prefix_qualifiers,
)

__all__ = [
    "DEFAULT_TAXONOMY_PATH",
    "ExtractedFigure",
    "MetricInfo",
    "Rank",
    "extract",
    "extract_docx_text",
    "extract_file",
    "find_ranks",
    "load_metric_aliases",
    "map_metric",
    "mask_names",
    "read_text",
    "section_at",
    "section_index",
    "subject_at",
    "to_json",
]

DEFAULT_TAXONOMY_PATH: Final = Path(__file__).resolve().parent.parent / "ledger" / "defaults" / "taxonomy.json"


class MetricInfo(TypedDict):
    """One metric as map_metric needs it (from taxonomy.json)."""

    name: str
    measure_word: str
    aliases: list[str]
    kind: NotRequired[str]
    line: NotRequired[str]


@dataclass(slots=True)
class ExtractedFigure:
    text: str
    value: Decimal
    unit: str
    qualifier: list[str]
    subject: str
    section: list[str]
    span: tuple[int, int]
    metric: str | None = None
    #: how sure map_metric was (0 when metric is None)
    confidence: float = 0.0
    #: the number alone (no qualifier, no unit), for rewriting it in place
    number_span: tuple[int, int] = (0, 0)
    #: 万 or 亿 when the number was written with one
    scale: str = ""
    #: the upper end of a range (3至5场: value 3, value_max 5), else None
    value_max: Decimal | None = None
    #: 近/约/余/多/超/以上, a range or a round number (近万, 百余): a lower bound or a rounding, never exact
    approximate: bool = False
    #: "increase" / "decrease" when the figure is a change (增长21%, 新增关注人数3272人), else ""
    change: str = ""
    #: "result", or "requirement" (不少于两次), "target" (任务数240条), "first" (首次突破100篇)
    role: str = "result"
    #: outlet level of a placement: national / provincial / municipal / district, None when not said
    outlet_level: str | None = None
    #: index of the total this figure is part of (53篇，其中…2篇), else None
    part_of: int | None = None
    #: the metric's Chinese name
    metric_name: str = ""
    #: the mapping may become a draft without a person confirming it (metric, confidence, a result, not a change)
    sure: bool = False


@dataclass(frozen=True, slots=True)
class Rank:
    """A rank among peers (排名第一, 位于全市前列): reported apart from figures."""

    text: str
    span: tuple[int, int]


# --------------------------------------------------------------------------------------------
# Masking what is never a figure. Masked characters become NUL, so offsets stay those of the input.

#: The longest text any page, API call or command reads figures or slots from: a 30-page summary is about 30,000
#: characters. With the linear-time parsers the worst case at this size is about a second (bench/bench_parsers.py).
MAX_DOCUMENT_CHARS: Final = 200_000
TOO_LONG_MESSAGE: Final = f"文本过长：最多 {MAX_DOCUMENT_CHARS // 10000} 万字，请分段处理"

_MASK: Final = "\x00"
_NEVER_FIGURES: Final = re.compile(
    # the lookahead lets most positions fail at once: 5x faster than the bare alternation
    '(?=[《“‘「『"hA-Za-z0-9一二两三四五六七八九十千万独接])(?:'
    + "|".join(
        (
            r"《[^《》\n]{0,100}》",  # book, document and programme titles
            r"“[^“”\n]{0,30}”",  # short quotations are names and slogans: “四个意识” “一村一年一场戏”
            r"‘[^‘’\n]{0,30}’",
            r"「[^「」\n]{0,30}」",
            r"『[^『』\n]{0,30}』",
            r'"[^"\n]{0,30}"',
            r"https?://[^\s，。；]+",
            r"(?<![A-Za-z0-9._+-])[A-Za-z0-9._+-]++@[A-Za-z0-9-]++\.[A-Za-z0-9.]++",  # possessive: linear
            r"\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?",  # dates, 2023-04-05, 2024年5月12日
            r"\d{1,2}:\d{2}(?::\d{2})?",  # times
            r"(?<!\d)1[3-9]\d{9}(?!\d)",  # mobile numbers
            r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)",  # landlines
            r"(?<![\d.])\d{1,4}-\d{5,8}(?!\d)",
            # slogans and programme names that look like counts
            "三个代表|四个意识|四个自信|两个维护|两个确立|四个全面|五位一体|八项规定|两个一百年|三严三实|"
            "两学一做|四个伟大|三个表率|五大发展理念|三大攻坚战|四个服务|两个务必|三个务必|四个不摘|"
            "两个结合|七个一百|五个一|三会一课|一岗双责|四个统一|四下基层|两个责任|三个转变|三个一百|"
            "两个大局|两个先行|五个坚持|十个坚持|十个明确|十四个坚持|十三个方面|两不愁三保障|"
            "六个100%|六个百分百|三个确保|一带一路|五个一百|"
            # idioms made of numerals
            "三番五次|三令五申|五湖四海|四面八方|千家万户|九牛一毛|七上八下|三五成群|一五一十|十全十美|"
            "三心二意|五花八门|四分五裂|七嘴八舌|一清二楚|三三两两|万无一失|一干二净|接二连三|独一无二",
        )
    )
    + ")",
    re.ASCII,
)


def mask_names(text: str) -> str:
    """`text` (normalised) with titles, quotations, dates, times, phone numbers and slogans blanked out."""
    return _NEVER_FIGURES.sub(lambda m: _MASK * len(m.group()), text)


# --------------------------------------------------------------------------------------------
# Section headings: 一、… > （一）… > 1.… > （1）…

_HEADING_RE: Final = re.compile(
    r"(?=[一二三四五六七八九十（(0-9])(?:^|(?<=[\s\u3000。；;：:]))(?:"
    r"(?P<l1>[一二三四五六七八九十]{1,3}、)"
    r"|(?P<l2>[（(][一二三四五六七八九十]{1,3}[）)])"
    r"|(?P<l3>\d{1,2}[.、](?!\d))"
    r"|(?P<l4>[（(]\d{1,2}[）)]))",
    re.M,
)
_TITLE_END: Final = re.compile(r"[。！？!?；;\n]")
_TITLE_MAX: Final = 40


def _title(text: str, start: int, stop: int, marker_end: int) -> str:
    body = marker_end
    while body < stop and text[body].isspace():
        body += 1
    end_match = _TITLE_END.search(text, body, stop)
    end = end_match.start() if end_match else stop
    space = re.search(r"\s", text[body:end])  # an inline heading ends at the first space
    if space:
        end = body + space.start()
    title = (text[start:marker_end] + text[body:end]).strip().rstrip("，,：:、")
    if len(title) > 30:
        depth = 0
        for i, ch in enumerate(title):
            depth += ch in "《“(（"
            depth -= ch in "》”)）"
            if ch in "，," and depth <= 0 and i >= 4:
                title = title[:i]
                break
    if len(title) > _TITLE_MAX:
        title = title[:_TITLE_MAX] + "…"
    return title


def section_index(text: str) -> tuple[list[int], list[tuple[str, ...]]]:
    """Heading positions and the section path in force from each: for bisect in section_at()."""
    norm = normalize(text)
    matches = list(_HEADING_RE.finditer(norm))
    starts: list[int] = []
    paths: list[tuple[str, ...]] = []
    current: dict[int, str] = {}
    for i, match in enumerate(matches):
        level = next(n for n in (1, 2, 3, 4) if match.group(f"l{n}"))
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(norm)
        line_end = norm.find("\n", match.start())
        if line_end != -1:
            stop = min(stop, line_end)
        current = {lvl: t for lvl, t in current.items() if lvl < level}
        current[level] = _title(text, match.start(), stop, match.end())
        starts.append(match.start())
        paths.append(tuple(current[lvl] for lvl in sorted(current)))
    return starts, paths


def section_at(index: tuple[list[int], list[tuple[str, ...]]], position: int) -> list[str]:
    starts, paths = index
    i = bisect.bisect_right(starts, position) - 1
    return list(paths[i]) if i >= 0 else []


# --------------------------------------------------------------------------------------------
# What was counted

_BOUNDARY: Final = frozenset("，,。；;：:！!？?\n\r\t|")
_LEADING_FILLERS: Final = tuple(
    sorted(
        (
            "今年以来", "截至目前", "截止目前", "目前", "上半年", "下半年", "全年", "今年", "其中", "共计",
            "累计", "共有", "先后", "积极", "组织开展", "开展了", "开展", "组织了", "组织", "举办了", "举办",
            "举行了", "举行", "召开了", "召开", "邀请", "征集", "推出", "编发", "印制", "分发", "发放",
            "完成", "实现", "已经", "已", "还", "并", "另有", "此外", "同时", "共", "在", "对", "向", "为",
            "推荐", "了", "、", "和", "及", "与", "（", "(",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_LONG_CUTS: Final = (
    "进行", "开展", "组织", "举办", "举行", "召开", "的", "对", "向", "在", "其中", "先后", "累计", "今年", "等",
)  # fmt: skip
_FOLLOW_STOPS: Final = (
    "参与", "参加", "参观", "入选", "荣获", "获得", "获", "向", "在", "进行", "开展", "被", "的", "和", "与",
    "及", "以及", "并", "对", "为", "将", "已", "均", "都", "实现", "完成", "长期", "关注", "报到",
    "投入", "通过", "组成", "结成", "走进", "深入", "覆盖", "受益", "前往", "来自", "分别", "等",
    "申报", "入围", "免费", "享受", "进入", "签约", "落户", "挂牌", "、", "“", "（", "(",
)  # fmt: skip
_FOLLOW_MAX: Final = 14
_PRECEDE_MAX: Final = 16
_PRECEDE_HARD_MAX: Final = 30


def _strip_leading(phrase: str) -> str:
    changed = True
    while changed and phrase:
        changed = False
        for filler in _LEADING_FILLERS:
            if phrase.startswith(filler) and len(phrase) - len(filler) >= 2:
                phrase = phrase[len(filler) :]
                changed = True
                break
    return phrase


def _preceding(text: str, start: int, floor: int) -> str:
    i = start
    while i > floor and text[i - 1] not in _BOUNDARY:
        i -= 1
    phrase = text[i:start].strip().rstrip("、等")
    if len(phrase) > _PRECEDE_MAX:
        cuts = [phrase.rfind(c) + len(c) for c in _LONG_CUTS if phrase.rfind(c) >= 0]
        cut = max((c for c in cuts if len(phrase) - c >= 2), default=0)
        phrase = phrase[cut:]
    if len(phrase) > _PRECEDE_HARD_MAX:
        phrase = phrase[-_PRECEDE_HARD_MAX:]
    return _balance_quotes(_strip_leading(phrase.strip().rstrip("和与及、")))


def _following(text: str, end: int, stop_at_verbs: bool = True) -> str:
    i = end
    while i < len(text) and text[i] in "（(" and i + 4 > end:  # 120余篇(条)
        close = text.find(")" if text[i] == "(" else "）", i, i + 4)
        if close < 0:
            break
        i = close + 1
    j = i
    limit = min(len(text), i + _FOLLOW_MAX)
    while j < limit and text[j] not in _BOUNDARY and not text[j].isspace():
        if (stop_at_verbs or text[j] == "、") and j > i and text.startswith(_FOLLOW_STOPS, j):
            break
        j += 1
    if text.startswith("“", i):  # 评选表彰X名“高新好人”
        close = text.find("”", i, i + _FOLLOW_MAX + 2)
        if close > i + 1:
            return text[i + 1 : close]
    if stop_at_verbs and text.startswith(_FOLLOW_STOPS, i):
        return ""
    return _balance_quotes(text[i:j])


def _balance_quotes(phrase: str) -> str:
    if phrase.count("“") != phrase.count("”"):
        return phrase.replace("“", "").replace("”", "")
    return phrase


def subject_at(text: str, start: int, end: int, floor: int = 0) -> str:
    """What a figure at text[start:end] counts: the noun phrase right after it when there is one
    (开展X次集体学习 -> 集体学习), else the phrase before it back to the clause start or the previous
    figure (组织开展主题报告会近300余场 -> 主题报告会, 珠海特区报发稿120篇 -> 珠海特区报发稿)."""
    following = _following(text, end)
    if len(following) >= 2:
        return following
    listed = start > floor and text[start - 1] in "和与及、"  # 队伍和*个镇(街道)
    preceding = _preceding(text, start, floor)
    if following and listed:
        return following
    if len(preceding) >= 2:
        return preceding
    return _following(text, end, stop_at_verbs=False) or preceding


# --------------------------------------------------------------------------------------------
# Metrics


def load_metric_aliases(path: str | Path | None = None) -> dict[str, MetricInfo]:
    """metric key -> MetricInfo from taxonomy.json ({"lines": [{"key", "metrics": [{"key", "name",
    "measure_word", "kind", "aliases"}]}]}). The metric's name is added to its aliases."""
    source = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    data = json.loads(source.read_text(encoding="utf-8"))
    metrics: dict[str, MetricInfo] = {}
    for line in data.get("lines", []):
        for metric in line.get("metrics", []):
            name = str(metric.get("name", ""))
            aliases = [str(a) for a in metric.get("aliases", []) if a]
            info: MetricInfo = {
                "name": name,
                "measure_word": str(metric.get("measure_word", "")),
                "aliases": list(dict.fromkeys([*aliases, name] if name else aliases)),
                "kind": str(metric.get("kind", "")),
                "line": str(line.get("key", "")),
            }
            metrics[str(metric["key"])] = info
    return metrics


_UNIT_FAMILY: Final[dict[str, str]] = {
    "人": "person", "名": "person", "位": "person", "人次": "person",
    "场": "event", "场次": "event", "次": "event", "期": "event", "轮": "event", "轮次": "event",
    "篇": "article", "条": "article", "篇次": "article", "条次": "article", "件": "article",
    "元": "money", "万元": "money", "亿元": "money",
    "%": "rate", "个百分点": "rate", "百分点": "rate", "‰": "rate",
    "小时": "hours", "分钟": "hours",
}  # fmt: skip
_EXCLUSIVE_FAMILIES: Final = frozenset({"money", "rate", "hours", "person"})
_CLOSE_PAIRS: Final = frozenset({frozenset({"场", "场次"}), frozenset({"人", "名"}), frozenset({"篇", "条"})})


def _unit_agreement(unit: str, measure_word: str) -> float | None:
    """1 same unit, 0.8 close (人/名), 0.6 same family, 0.5 unknown, 0.3 other counts, None: cannot be."""
    if not unit or not measure_word:
        return 0.5
    if unit == measure_word:
        return 1.0
    if frozenset({unit, measure_word}) in _CLOSE_PAIRS:
        return 0.8
    a, b = _UNIT_FAMILY.get(unit, "count"), _UNIT_FAMILY.get(measure_word, "count")
    if a == b:
        return 0.6
    if a in _EXCLUSIVE_FAMILIES or b in _EXCLUSIVE_FAMILIES:
        return None
    return 0.3


def map_metric(
    subject: str, unit: str, aliases: Mapping[str, MetricInfo], near_end: bool = False
) -> tuple[str | None, float]:
    """The metric a figure counts: the longest alias contained in the subject, with the measure word
    agreeing. `near_end` (the subject is the text before the figure): an alias ending right before the figure
    counts more (通讯员报送信息被采用40条 counts adopted items). Returns (key, confidence in 0..1), or (None, 0.0)."""
    subject = subject.replace("“", "").replace("”", "").strip()
    if not subject:
        return None, 0.0
    best: tuple[float, float, int] | None = None
    best_key: str | None = None
    for key, info in aliases.items():
        names = [*info.get("aliases", []), info.get("name", "")]
        found = [a for a in names if a and a in subject]
        length = max((len(a) for a in found), default=0)
        if not length:
            continue
        agreement = _unit_agreement(unit, info.get("measure_word", ""))
        if agreement is None:
            continue
        closing = near_end and any(subject.rfind(a) + len(a) >= len(subject) - 1 for a in found)
        score = (length + 3 * agreement + (3 if closing else 0), agreement, length)
        if best is None or score > best:
            best, best_key = score, key
    if best is None:
        return None, 0.0
    coverage = min(1.0, best[2] / len(subject))
    assert best_key is not None
    names = [*aliases[best_key].get("aliases", []), aliases[best_key].get("name", "")]
    if any(n and len(n) >= 2 and subject.endswith(n) for n in names):
        coverage = max(coverage, 0.6)  # the head of a Chinese noun phrase is its end: …公众号订阅数, …主题宣讲
    return best_key, round(min(1.0, 0.25 + 0.45 * coverage + 0.3 * best[1]), 2)


# --------------------------------------------------------------------------------------------
# Figures

#: Every figure starts with one of these (a qualifier, a digit, a numeral, 百分之): a cheap first test.
_FIRST_CHARS: Final = "".join(
    sorted({q[0] for q in PREFIX_QUALIFIERS} | set("0123456789零〇一二两三四五六七八九十百千万数"))
)

#: A figure: qualifiers, the number (or a range 3至5, 3-5; or a round number 百余, 近万, 数十), 余/多, 万/亿, then the
#: measure word, possibly after a space or a line break (text copied from PDFs: "组织了 12 次集体学习").
_FIGURE_RE: Final = re.compile(
    rf"(?=[{_FIRST_CHARS}])(?P<pre>(?:{PREFIX_PATTERN}){{0,3}})"
    rf"(?P<core>{PERCENT_WORDS_PATTERN}|{ROUND_PATTERN}|{CORE_PATTERN})"
    rf"(?:[ \t\u3000]?(?P<range>至|到|-|~|～|—|－)[ \t\u3000]?(?P<core2>{CORE_PATTERN}))?"
    rf"(?P<gap>[ \t\u3000]{{1,2}}|\r?\n)?"
    rf"(?P<q1>[余多])?(?P<mag>[万亿]+)?(?P<q2>[余多])?(?P<unit>{UNIT_PATTERN}|项目)?(?P<post>{POST_PATTERN})?"
)
_NUMERAL_CHARS: Final = frozenset("0123456789零〇一二两三四五六七八九十百千万亿")
_STANDALONE_NOT_NUMBERS: Final = frozenset({"一", "零", "〇"})  # 一次性, 一批, 统一部署, 一起学


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _rejected(norm: str, match: re.Match[str], start: int) -> bool:
    """True for numbers that are not figures: ordinals, 24小时, slogans, Latin codes, bare numbers."""
    core, unit, mag = match["core"], match["unit"] or "", match["mag"] or ""
    before = norm[start - 1] if start > 0 else ""
    after = norm[match.end()] if match.end() < len(norm) else ""
    core_start = match.start("core")
    just_before = norm[core_start - 1] if core_start > 0 else ""
    arabic = core[0].isdigit()
    reason = (
        core in _STANDALONE_NOT_NUMBERS
        or before == "第"  # 第十九届, 第一轮
        or (arabic and bool(before) and before in "×*xX")  # 7×24小时
        or (core[0] in "百千万数" and bool(before) and before in "×*xX=_")  # *万余小时: a template's mark
        or (bool(just_before) and just_before.isascii() and (just_before.isalnum() or just_before in "._/-"))
        or (after.isascii() and after.isalpha() and not unit)  # 5G, 2020R
        or (not unit and not mag and core[-1] not in "万亿" and not core.startswith("百分之"))
        or (unit == "分" and not arabic)  # 十分重要
        or (unit == "小时" and core == "24" and _is_cjk(after) and not match["post"])  # 24小时全网巡查
        or (bool(unit) and after in _NUMERAL_CHARS)  # 五个一工程, 六个100%
        or (unit in ("%", "‰") and before == "个")
        or (unit in ("名", "位") and before == "前")  # 前三名 is a rank
        or (unit == "期" and not arabic and _is_cjk(after))  # 二期建设, 三期工程: phases
        or (unit == "项目" and before != "等")  # 等3项目 counts projects; elsewhere 项目 is a noun
    )
    return reason


def _number_span(match: re.Match[str]) -> tuple[int, int]:
    """The digits before 万/亿 (两 of 两万余名, 20 of 20余万, 1.21 of 1.21万条): what a new value replaces."""
    start, end = match.span("core")
    core = match["core"]
    trimmed = core.rstrip("万亿")
    if trimmed != core and trimmed and trimmed[-1] not in "万亿" and not match["mag"]:
        end -= len(core) - len(trimmed)
    return start, end


def _figures(text: str, norm: str, masked: str) -> Iterable[tuple[ExtractedFigure, int]]:
    previous_end = 0
    for match in _FIGURE_RE.finditer(masked):
        start = match.start()
        pre_text = match["pre"]
        qualifiers, dropped = split_prefix_qualifiers(pre_text, norm[max(0, start - 1) : start])
        start += dropped
        if _rejected(norm, match, start):
            continue
        inner = [q for q in (match["q1"], match["q2"]) if q]
        unit = "项" if match["unit"] == "项目" else match["unit"] or ""
        core = match["core"]
        if not pre_text and core[0].isdigit() and norm[start - 2 : start].startswith(tuple("0123456789")) and (
            norm[start - 1 : start] == "\n"
        ):  # 32⏎7场: a figure split by a line break
            head = start - 1
            while head > 0 and norm[head - 1].isdigit():
                head -= 1
            if head < start - 1 and head > previous_end and not norm[head - 1 : head].isdigit():
                core = norm[head : start - 1] + core
                start = head
        quantity = build_quantity(core, inner, match["mag"] or "", unit)
        if quantity is None:
            continue
        value_max = None
        if match["core2"]:
            high = build_quantity(match["core2"], inner, match["mag"] or "", unit)
            if high is None or high.value <= quantity.value:
                continue  # 1-1场, 5至3场: not a range
            value_max = high.value
        if match["gap"] and not (unit or match["q1"] or match["mag"]):
            continue
        if match["core"][0] in "百千万数" and not (
            pre_text or match["q1"] or match["q2"] or match["core"][0] == "数" or match["core"].startswith("百分之")
        ):
            continue
        post = [match["post"]] if match["post"] else []
        end = match.end()
        figure = ExtractedFigure(
            text=text[start:end],
            value=quantity.value,
            unit=quantity.unit,
            qualifier=qualifiers + inner + post,
            subject=subject_at(text, start, end, previous_end),
            section=[],
            span=(start, end),
            number_span=_number_span(match),
            scale=quantity.scale,
            value_max=value_max,
        )
        if match["core"][0] == "数":
            figure.qualifier = ["数", *figure.qualifier]
        if core != match["core"]:
            figure.number_span = (start, match.end("core"))
        previous_end = end
        yield figure, start


def extract(text: str, aliases: Mapping[str, MetricInfo] | None = None) -> list[ExtractedFigure]:
    """Every figure in `text`, in order. With `aliases` (load_metric_aliases()), each figure's metric
    is guessed by map_metric()."""
    norm = normalize(text)
    masked = mask_names(norm)
    index = section_index(text)
    figures: list[ExtractedFigure] = []
    vocabulary = extract_rules.with_extra_aliases(aliases) if aliases else None
    previous_end = 0
    for figure, start in _figures(text, norm, masked):
        figure.section = section_at(index, start)
        if vocabulary:
            before_figure = figure.subject != _following(text, figure.span[1])
            figure.metric, figure.confidence = map_metric(figure.subject, figure.unit, vocabulary, before_figure)
            if figure.metric is None:  # 开展宣讲活动8场次: what was counted is before the figure
                before = _preceding(text, start, previous_end)
                if before and before != figure.subject:
                    metric, confidence = map_metric(before, figure.unit, vocabulary, True)
                    figure.metric, figure.confidence = metric, round(confidence * 0.9, 2)
        figures.append(figure)
        previous_end = figure.span[1]
    extract_rules.refine(figures, norm, vocabulary)
    return figures


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def to_json(figures: Iterable[ExtractedFigure], ranks: Iterable[Rank] | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"figures": [{"text", "value", "value_max", "approximate", "unit", "qualifier", "subject", "section", "span",
    "metric", "metric_name", "confidence", "sure", "outlet_level", "outlet_level_name", "change", "role",
    "part_of"}], "ranks": [{"text", "span"}]}"""
    data: dict[str, list[dict[str, Any]]] = {
        "figures": [
            {
                "text": f.text,
                "value": _json_number(f.value),
                "value_max": _json_number(f.value_max) if f.value_max is not None else None,
                "approximate": f.approximate,
                "unit": f.unit,
                "qualifier": list(f.qualifier),
                "subject": f.subject,
                "section": list(f.section),
                "span": [f.span[0], f.span[1]],
                "metric": f.metric,
                "metric_name": f.metric_name,
                "confidence": f.confidence,
                "sure": f.sure,
                "outlet_level": f.outlet_level,
                "outlet_level_name": extract_rules.LEVEL_NAMES.get(f.outlet_level or "", ""),
                "change": f.change or None,
                "role": f.role,
                "part_of": f.part_of,
            }
            for f in figures
        ]
    }
    if ranks is not None:
        data["ranks"] = [{"text": r.text, "span": [r.span[0], r.span[1]]} for r in ranks]
    return data


# --------------------------------------------------------------------------------------------
# Ranks

_RANK_RE: Final = re.compile(
    r"(?:排名|名列|位列|位居|位于|居于|排在|排|居)[^，。,；;！!？?\n]{0,12}?"
    r"(?:第[一二三四五六七八九十\d]{1,3}(?:名|位)?|前列|前茅|首位|榜首|第一方阵|前[一二三四五六七八九十\d]{1,2}(?:名|位)?)"
)


def find_ranks(text: str) -> list[Rank]:
    """Ranks among peers (排名第一, 名列第一, 位于全市前列, 居…前列). Not figures: extract() skips them."""
    return [Rank(m.group(), (m.start(), m.end())) for m in _RANK_RE.finditer(normalize(text))]


# --------------------------------------------------------------------------------------------
# Files


def extract_docx_text(path: str | Path) -> str:
    """The paragraphs of a .docx, joined with newlines (tables are not read)."""
    from docx import Document  # imported here: only this function needs python-docx

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def read_text(path: str | Path) -> str:
    """The text of a .docx or a plain-text file (UTF-8, with or without BOM, else GB18030)."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".docx":
        return extract_docx_text(source)
    if suffix in (".doc", ".wps", ".pdf"):
        raise ValueError(f"不支持的文件类型：{suffix}（请另存为 .docx 或 .txt）")
    raw = source.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def extract_file(path: str | Path, aliases: Mapping[str, MetricInfo] | None = None) -> list[ExtractedFigure]:
    """extract() on a .txt or .docx file."""
    return extract(read_text(path), aliases)
