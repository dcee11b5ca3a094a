"""Find the places in a summary template where a figure goes (slots), and fill them.

Templates hide their figures as `X`/`x`/`xx` (X次, x万多条次), `*` (*余人), runs of `=` whose length is
the digit count (===条, ===.=%), years as 20xx / 20_ / ====年, and plain gaps where the digits were
deleted (集中学习达 次). The same marks also stand for names (XX区, xx有礼, “*”宣讲品牌, 《xx》): a mark
is a slot only when a measure word or 万/亿 follows it. Real numbers in a template are slots of kind
"literal". Pure Python, no Django.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from taizhang.reports.extract import (
    MetricInfo,
    extract,
    map_metric,
    mask_names,
    section_at,
    section_index,
    subject_at,
)
from taizhang.reports.numbers import (
    POST_PATTERN,
    PREFIX_PATTERN,
    PREFIX_QUALIFIERS,
    UNIT_PATTERN,
    normalize,
    split_prefix_qualifiers,
)

__all__ = ["SLOT_KINDS", "Slot", "fill", "find_slots", "missing_marker", "to_json"]

#: 副 counts pairs and sets (X副对联, X副春联) but starts many titles (副书记, 副主任 …)
_NOT_FU: Final = (
    "书记|主任|部长|县长|局长|区长|市长|组长|主席|处|科|校长|镇长|总|院长|乡长|省长|理事长|会长|站长|所长|队长|"
    "秘书长|厅长|调研员|经理|职|本|产品|作用|刊|标题|食|业|高|中心"
)

SLOT_KINDS: Final = ("equals", "x", "star", "blank", "literal", "year")


@dataclass(slots=True)
class Slot:
    """One place for a figure. `span` covers the mark only (X, ===, the gap, the digits of a literal),
    so fill() keeps the qualifiers, 万/亿 and the measure word around it."""

    text: str
    kind: str
    digits: int | None
    unit: str
    subject: str
    span: tuple[int, int]
    metric: str | None = None
    #: how sure map_metric was (0 when metric is None)
    confidence: float = 0.0
    qualifier: list[str] = field(default_factory=list)
    #: 万 or 亿 written after the mark (X万人次): the filled number is in that scale
    scale: str = ""
    section: list[str] = field(default_factory=list)
    #: the value of a literal slot
    value: Decimal | None = None


#: Marks that stand for an X in templates: X x and their look-alikes (× ✕ ✖ Ｘ ｘ), * and ※ (＊ is normalised to *),
#: □ for a hidden digit.
_X_MARKS: Final = "Xx×✕✖Ｘｘ"
_STAR_MARKS: Final = "*※□"
_PH: Final = (
    rf"(?<![A-Za-z0-9])(?:[{_X_MARKS}]{{1,4}}(?:\.[{_X_MARKS}]{{1,2}})?|[{_STAR_MARKS}]{{1,4}}(?:\.[{_STAR_MARKS}]{{1,2}})?"
    r"|={1,12}(?:\.={1,6})?|_{1,12})(?![A-Za-z])"
)
_SLOT_FIRST_CHARS: Final = _X_MARKS + _STAR_MARKS + "=_" + "".join(sorted({q[0] for q in PREFIX_QUALIFIERS}))
#: X-X个, X至X场: a range is two slots sharing the measure word
_SLOT_RE: Final = re.compile(
    rf"(?=[{_SLOT_FIRST_CHARS}])(?P<pre>(?:{PREFIX_PATTERN}){{0,3}})(?P<ph>{_PH})"
    rf"(?:(?P<rng>[-－—~～至到])(?P<ph2>{_PH}))?(?P<q1>[余多])?(?P<mag>[万亿千百]+)?(?P<q2>[余多])?"
    rf"(?P<unit>{UNIT_PATTERN}|项目|副(?!{_NOT_FU}))?(?P<post>{POST_PATTERN})?"
)
_YEAR_RE: Final = re.compile(
    r"(?=[12二=Xx])(?<![\dA-Za-z])(?P<ph>(?:19|20|二〇|二零)(?:[Xx]{1,2}|\*{1,2}|_{1,4}|={1,2})|={4}|[Xx]{4})(?![A-Za-z\d])"
    r"(?P<year>年度|年)?"
)
#: A gap where digits were deleted: spaces after a Chinese character (or an opening bracket) and before a measure
#: word, 余/多 or 万/亿 (开展了  次专题学习, 全市有  名干部, 达到  万。). Chinese text has no spaces between words, so a
#: gap before a measure word is a removed number.
_GAP_RE: Final = re.compile(
    rf"(?=[ \u3000\t])(?<=[\u4e00-\u9fff(（，、：])(?P<ph>[ \u3000\t]{{1,8}})"
    rf"(?P<q1>[余多])?(?P<mag>[万亿])?(?P<q2>[余多])?(?P<unit>{UNIT_PATTERN})?(?P<post>{POST_PATTERN})?"
)
_TRIGGERS: Final = (
    "达到|达|共计|累计|总计|合计|共|超过|逾|开展|举办|举行|组织|召开|发布|发稿|刊发|培训|接待|征集|报送|"
    "编发|播出|完成|出动|受理|查处|覆盖|吸引|印发|发放|制作|推送|播放|放映|建成|新建|走访|慰问"
)
_ZERO_GAP_RE: Final = re.compile(
    rf"(?P<trigger>{_TRIGGERS})(?P<q1>[余多])?(?P<unit>{UNIT_PATTERN})(?=[，,。；;、！!？?\s)）]|$)"
    rf"|(?P<rate>率|增长|提高|下降|占|为)(?P<pct>%)"
)
_NOT_ZERO_GAP: Final = frozenset({("共", "处"), ("达", "人"), ("组织", "部"), ("发布", "会"), ("共", "建")})
_TRAILING_QUALIFIER_RE: Final = re.compile(rf"(?:{PREFIX_PATTERN})+$")
_BOUNDARY: Final = "，,。；;、！!？?)）\n"
_DATE_AFTER_MONTH: Final = "份底初中末上下旬"


def _kind_of(mark: str) -> str:
    first = mark[0]
    if first in _X_MARKS:
        return "x"
    if first in _STAR_MARKS:
        return "star"
    if first == "=":
        return "equals"
    return "blank"


def _digits(mark: str) -> int | None:
    return len(mark.split(".")[0]) if mark[0] == "=" else None


def _date_unit(norm: str, start: int, end: int) -> str | None:
    """月 / 日 when the mark at norm[start:end] hides part of a date (X月X日, x月底), else None."""
    after = norm[end : end + 1]
    if after == "月":
        nxt = norm[end + 1 : end + 2]
        if (
            not nxt
            or nxt in _DATE_AFTER_MONTH
            or not ("\u4e00" <= nxt <= "\u9fff")
            or re.match(r"(?:[Xx*=_\d]{1,2}|[一二三四五六七八九十]{1,3})[日号]", norm[end + 1 : end + 5])
        ):
            return "月"
    if after in ("日", "号") and start > 0 and norm[start - 1] == "月":
        return "日"
    return None


def _leading_qualifiers(norm: str, start: int) -> tuple[list[str], int]:
    """Qualifiers written right before a gap (集中学习达 次): (qualifiers, new start)."""
    match = _TRAILING_QUALIFIER_RE.search(norm, max(0, start - 6), start)
    if match is None:
        return [], start
    qualifiers, dropped = split_prefix_qualifiers(match.group(), norm[max(0, match.start() - 1) : match.start()])
    return qualifiers, match.start() + dropped


@dataclass(slots=True)
class _Found:
    slot: Slot
    start: int  # where the figure starts (qualifiers included), for its subject
    end: int  # where it ends (measure word included)
    #: the upper end of a range X-X个: counts what its lower end counts
    partner: bool = False


class _Occupied:
    """Which characters already belong to a slot: a byte per character, so checks stay linear."""

    def __init__(self, size: int) -> None:
        self._bytes = bytearray(size + 1)

    def free(self, start: int, end: int) -> bool:
        return self._bytes.find(1, start, max(end, start + 1)) == -1

    def take(self, start: int, end: int) -> None:
        self._bytes[start : max(end, start + 1)] = b"\x01" * (max(end, start + 1) - start)


class _Lines:
    """Is the line holding a position only of "=" (a Markdown underline)? Line starts are found once and each line
    is looked at once, so a text made of thousands of "=" marks stays linear."""

    def __init__(self, norm: str) -> None:
        self._norm = norm
        self._starts = [0] + [i + 1 for i, ch in enumerate(norm) if ch == "\n"]
        self._underline: dict[int, bool] = {}

    def underline(self, position: int) -> bool:
        index = bisect_right(self._starts, position) - 1
        if index not in self._underline:
            start = self._starts[index]
            end = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else len(self._norm)
            line = self._norm[start:end].strip()
            self._underline[index] = bool(line) and set(line) <= {"="}
        return self._underline[index]


def _mark_slots(norm: str, masked: str, taken: _Occupied) -> Iterable[_Found]:
    lines = _Lines(norm)
    for match in _SLOT_RE.finditer(masked):
        ph_start, ph_end = match.span("ph")
        if not taken.free(ph_start, ph_end):
            continue
        mark = match["ph"]
        kind = _kind_of(mark)
        before = norm[ph_start - 1] if ph_start else ""
        date_unit = _date_unit(norm, ph_start, ph_end)
        if date_unit is not None and not match["pre"]:
            yield _Found(Slot(mark, "year", _digits(mark), date_unit, "", (ph_start, ph_end)), ph_start, ph_end + 1)
            continue
        if norm[ph_end : ph_end + 1] == "年" and not match["pre"]:
            yield _Found(Slot(mark, "year", _digits(mark), "年", "", (ph_start, ph_end)), ph_start, ph_end + 1)
            continue
        if before == "第":  # 第X届: an ordinal, not a figure
            continue
        unit, mag = match["unit"] or "", match["mag"] or ""
        if unit == "项目":  # 等X项目: a count; *、*项目: names
            if norm[ph_start - 1 : ph_start] != "等":
                continue
            unit = "项"
        if kind == "equals" and lines.underline(ph_start):
            continue  # a Markdown underline
        if not unit and not mag and kind != "equals":
            continue  # XX区, xx有礼, X集团, ____同志: a name
        start = match.start()
        qualifiers, dropped = split_prefix_qualifiers(match["pre"], norm[max(0, start - 1) : start])
        inner = [q for q in (match["q1"], match["q2"]) if q]
        post = [match["post"]] if match["post"] else []
        scale = mag[-1:] if mag and mag[-1] in "万亿" else ""
        if unit == "元" and scale:
            unit, scale = scale + "元", ""
        marks = [(mark, ph_start, ph_end)]
        if match["ph2"]:  # X-X个: both ends of a range
            marks.append((match["ph2"], *match.span("ph2")))
        for number, (text, a, b) in enumerate(marks):
            slot = Slot(text, _kind_of(text), _digits(text), unit, "", (a, b), qualifier=qualifiers + inner + post)
            slot.scale = scale
            yield _Found(slot, start + dropped, match.end(), partner=number > 0)


def _year_slots(norm: str) -> Iterable[_Found]:
    for match in _YEAR_RE.finditer(norm):
        mark = match["ph"]
        if mark[0] in "Xx" and not match["year"]:
            continue  # XXXX alone is a name
        if mark[0] == "=" and not match["year"]:
            continue
        unit = "年" if match["year"] else ""
        digits = len(mark) if mark[0] == "=" else None
        yield _Found(Slot(mark, "year", digits, unit, "", match.span("ph")), match.start(), match.end())


def _gap_slots(norm: str) -> Iterable[_Found]:
    for match in _GAP_RE.finditer(norm):
        qualifiers, start = _leading_qualifiers(norm, match.start())
        if not match["unit"]:  # 达到  万。: the digits before 万 were removed
            after = norm[match.end() : match.end() + 1]
            if not (match["mag"] and (not after or after in _BOUNDARY or after.isspace())):
                continue
        inner = [q for q in (match["q1"], match["q2"]) if q]
        post = [match["post"]] if match["post"] else []
        slot = Slot(match["ph"], "blank", None, match["unit"] or "", "", match.span("ph"))
        slot.qualifier = qualifiers + inner + post
        slot.scale = match["mag"] or ""
        yield _Found(slot, start, match.end())
    for match in _ZERO_GAP_RE.finditer(norm):
        if match["pct"]:
            at = match.end("rate")
            slot = Slot("", "blank", None, "%", "", (at, at))
            yield _Found(slot, at, match.end())
            continue
        trigger, unit = match["trigger"], match["unit"]
        if (trigger, unit) in _NOT_ZERO_GAP:
            continue
        at = match.end("trigger")
        qualifiers = [trigger] if re.fullmatch(PREFIX_PATTERN, trigger) else []
        slot = Slot(
            "", "blank", None, unit, "", (at, at), qualifier=qualifiers + ([match["q1"]] if match["q1"] else [])
        )
        yield _Found(slot, match.start() if qualifiers else at, match.end())


def _literal_slots(text: str) -> Iterable[_Found]:
    for figure in extract(text):
        s, e = figure.number_span
        slot = Slot(text[s:e], "literal", None, figure.unit, "", (s, e), qualifier=list(figure.qualifier))
        slot.scale, slot.value = figure.scale, figure.value
        yield _Found(slot, figure.span[0], figure.span[1])


def find_slots(text: str, aliases: Mapping[str, MetricInfo] | None = None) -> list[Slot]:
    """Every slot in `text`, in order; with `aliases`, each slot's metric as map_metric() guesses it."""
    norm = normalize(text)
    masked = mask_names(norm)
    found: list[_Found] = list(_year_slots(norm))
    marks = _Occupied(len(norm))
    for item in found:
        marks.take(*item.slot.span)
    found += _mark_slots(norm, masked, marks)
    taken = _Occupied(len(norm))
    for item in found:
        taken.take(item.start, item.end)
    for candidate in [*_gap_slots(norm), *_literal_slots(text)]:
        if taken.free(*candidate.slot.span):
            found.append(candidate)
            taken.take(candidate.start, candidate.end)
    found.sort(key=lambda f: f.slot.span)
    index = section_index(text)
    previous_end = 0
    slots: list[Slot] = []
    for item in found:
        slot = item.slot
        slot.text = text[slot.span[0] : slot.span[1]]  # as written (full-width ＝ stays ＝)
        if item.partner and slots:
            slot.subject = slots[-1].subject
            slot.metric, slot.confidence = slots[-1].metric, slots[-1].confidence
        elif slot.kind != "year":
            slot.subject = subject_at(text, item.start, item.end, previous_end)
            if aliases:
                slot.metric, slot.confidence = map_metric(slot.subject, slot.unit, aliases)
        slot.section = section_at(index, item.start)
        previous_end = item.end
        slots.append(slot)
    return slots


def to_json(slots: Iterable[Slot]) -> dict[str, list[dict[str, Any]]]:
    """{"slots": [{"text", "kind", "digits", "unit", "subject", "span", "metric", "confidence"}]}"""
    return {
        "slots": [
            {
                "text": s.text,
                "kind": s.kind,
                "digits": s.digits,
                "unit": s.unit,
                "subject": s.subject,
                "span": [s.span[0], s.span[1]],
                "metric": s.metric,
                "confidence": s.confidence,
            }
            for s in slots
        ]
    }


def fill(text: str, values: Mapping[int, str], slots: list[Slot] | None = None) -> str:
    """`text` with slot i's mark replaced by values[i] (indices into find_slots(text)); other slots stay.
    Replaces right to left so earlier spans stay valid."""
    found = find_slots(text) if slots is None else slots
    for index in values:
        if not 0 <= index < len(found):
            raise IndexError(f"no slot {index}: the text has {len(found)}")
    for index in sorted(values, key=lambda i: found[i].span[0], reverse=True):
        start, end = found[index].span
        text = text[:start] + values[index] + text[end:]
    return text


def missing_marker(subject: str) -> str:
    """What the composer writes where the ledger has no figure: 【待核实：…】."""
    return f"【待核实：{subject}】"
