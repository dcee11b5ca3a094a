"""The checker: is every number in a document sourced, unchanged and still what the ledger says?

For a .docx written by ``docwriter.write_docx`` (or edited since in Word / LibreOffice), a sidecar provenance JSON,
or a Document in memory (the web editor):

1. Every figure run (text inside a ``tz_<id>`` bookmark) must have a source in the provenance, its text must be
   the text the source recorded (else it was edited by hand), and recomputing the source now (``sources.recompute``:
   the ledger's ``compute`` for ledger figures; targets / monitoring modules for theirs) must give the same text
   (else the ledger changed: a record approved, corrected or returned since).
2. Every other number in the text (as ``extract`` reads figures: a number with a measure word or 万/亿, plus bare
   Arabic numbers that are not years, dates, ordinals or list markers) has no source: an error.
3. 【待核实：…】 markers are listed as warnings: the document is not finished, but nothing in it is wrong.
4. One concept stated with two different values (the same metric, or two metrics that count the same thing, for
   the same unit, period and filters: ``conflicts``) is a warning: each value has its source, but the document
   contradicts itself.
5. A part larger than its total (评选表彰好人 within 选树典型人数, the library's ``part_of``; or a figure narrowed by a
   filter, 国家级用稿 within 用稿篇数) in the same unit and period, and a part added to its total (a ``sum`` figure
   whose parts hold both, or a number typed by hand that equals the two added up) are warnings
   (``part_issues``): the part is already counted in the total.

``CheckReport.ok`` is False when there is any error; ``taizhang check-report`` then exits with status 1.
The appendix (附件 数据来源) is not read as text: its numbers describe the figures.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from taizhang.reports import concepts, sources
from taizhang.reports.document import Document, Figure, Paragraph
from taizhang.reports.docwriter import read_paragraph_segments, read_provenance, read_provenance_json
from taizhang.reports.extract import extract, mask_names
from taizhang.reports.numbers import format_number, normalize, split_qualifiers

PENDING_RE = re.compile(r"【待核实[：:][^】]*】")
_BARE_RE = re.compile(r"(?<![0-9.,])[0-9][0-9,]*(?:\.[0-9]+)?(?![0-9])")
_NOT_FIGURE_AFTER = (
    "年", "月", "日", "号", "时", "点", "届", "周年", "季度", "版", "期间", "世纪", "后", "年代", "次会议",
)
_AFTER_WINDOW = max(len(word) for word in _NOT_FIGURE_AFTER) + 1
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_LIST_MARKER_RE = re.compile(r"^\s*[（(]?\d{1,2}[)）.、．]")

Segment = tuple[str | None, str]


@dataclass
class Issue:
    kind: str  # unsourced | edited | stale | unknown | unverifiable | changed | pending | conflict | part_exceeds
    # | double_count
    severity: str  # error | warning
    text: str
    message: str
    paragraph: int
    figure: str | None = None
    context: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "severity": self.severity, "text": self.text, "message": self.message,
            "paragraph": self.paragraph, "figure": self.figure, "context": self.context,
        }


@dataclass
class CheckReport:
    name: str = ""
    figures: int = 0
    verified: int = 0
    numbers: int = 0
    issues: list[Issue] = field(default_factory=list)
    recomputed: bool = True

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "ok": self.ok, "figures": self.figures, "verified": self.verified,
            "numbers": self.numbers, "recomputed": self.recomputed, "errors": len(self.errors),
            "warnings": len(self.warnings), "issues": [i.to_dict() for i in self.issues],
        }

    def lines(self) -> list[str]:
        """A report for people, in Chinese, one line per issue."""
        head = f"检查“{self.name}”：文中数据 {self.figures} 处"
        head += f"，重新计算后一致 {self.verified} 处" if self.recomputed else "（未连接台账重新计算）"
        out = [head]
        for issue in self.issues:
            mark = "错误" if issue.severity == "error" else "提示"
            where = f"第{issue.paragraph}段" if issue.paragraph else "标题"
            out.append(f"[{mark}] {where}“{issue.text}”：{issue.message}")
            if issue.context:
                out.append(f"        …{issue.context}…")
        if self.ok:
            done = "每个数据都有来源，且与台账一致" if self.recomputed else "每个数据都有来源且未被改动"
            out.append(f"结论：通过。{done}。" if not self.warnings else
                       f"结论：通过（{done}；另有 {len(self.warnings)} 处提示）。")
        else:
            out.append(f"结论：未通过，发现 {len(self.errors)} 处问题。")
        return out


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    return text[max(0, start - width) : min(len(text), end + width)].replace("\n", " ")


def _mask(text: str, quotes: Iterable[str]) -> str:
    for quote in quotes:
        if quote and quote in text:
            text = text.replace(quote, "·" * len(quote))
    return PENDING_RE.sub(lambda m: "·" * len(m.group()), text)


def bare_numbers(text: str) -> list[tuple[int, int]]:
    """Arabic numbers without a measure word that are not years, dates, times, ordinals or list markers."""
    norm = mask_names(normalize(text))  # titles in 《》, short quotations, dates, phone numbers
    out = []
    marker = _LIST_MARKER_RE.match(norm)
    for match in _BARE_RE.finditer(norm):
        start, end = match.span()
        if marker and start < marker.end():
            continue
        digits = match.group().rstrip(",")
        before = norm[start - 1] if start else ""
        after = norm[end : end + _AFTER_WINDOW]  # a window, not the rest of the text: linear in the numbers found
        nxt = after[:1]
        if before and before in "第－-—~～/:×x*":
            continue
        if after.startswith(_NOT_FIGURE_AFTER) or (nxt and nxt in "-/:：.月"):
            continue
        if _YEAR_RE.match(digits) or (before and before in "（(" and nxt and nxt in "）)"):  # years, （1） markers
            continue
        if digits == "24" and after.startswith("小时"):  # 24小时全网巡查
            continue
        out.append((start, start + len(digits)))
    return out


def _parse_text(text: str) -> Decimal | None:
    quantity = split_qualifiers(text)
    if quantity is not None:
        return quantity.value
    try:
        return Decimal(normalize(text).replace(",", "").strip())
    except InvalidOperation:
        return None


class _Checker:
    def __init__(self, provenance: Mapping[str, Mapping[str, Any]], *, recompute: bool) -> None:
        self.provenance = provenance
        self.do_recompute = recompute
        self.cache: dict[Any, Any] = {}
        self.results: dict[str, sources.Recomputed] = {}
        # Names written in the text as they are (record titles, unit names) may hold digits: not figures.
        names = {str((f.get("source") or {}).get(key) or "") for f in provenance.values()
                 for key in ("quote", "unit_name", "unit_label")}
        self.quotes = sorted(names - {""}, key=len, reverse=True)
        self.typed: list[tuple[int, str, Decimal]] = []  # numbers without a source: (paragraph, text, value)

    def figure(self, report: CheckReport, fig_id: str, text: str, paragraph: int, context: str) -> None:
        report.figures += 1
        known = self.provenance.get(fig_id)
        if known is None:
            report.issues.append(Issue("unknown", "error", text, "带有数据标记，但文件中没有它的来源信息", paragraph,
                                       fig_id, context))
            return
        recorded = str(known.get("text", ""))
        if text.strip() != recorded:
            report.issues.append(Issue("edited", "error", text, f"文中数据已被改动：来源记录为“{recorded}”", paragraph,
                                       fig_id, context))
            return
        if not self.do_recompute:
            return
        source = dict(known.get("source") or {})
        if fig_id not in self.results:
            self.results[fig_id] = sources.recompute(source, self.cache)
        fresh = self.results[fig_id]
        if fresh.value is None:
            report.issues.append(Issue("unverifiable", "warning", text, fresh.note or "无法重新计算", paragraph, fig_id,
                                       context))
            return
        display = source.get("display")
        if display:
            expected = sources.render(fresh.value, display)
            matches = expected == recorded
        else:
            parsed = _parse_text(recorded)
            unit = split_qualifiers(recorded)
            expected = format_number(fresh.value, unit.unit if unit else "")
            matches = parsed == fresh.value or expected == recorded
        if not matches:
            label = source.get("label") or source.get("metric") or "该数据"
            report.issues.append(Issue("stale", "error", text,
                                       f"与台账不再一致：{label}现为“{expected}”", paragraph, fig_id, context))
            return
        try:
            stored = Decimal(str(known.get("value")))
        except InvalidOperation:
            stored = fresh.value
        if stored != fresh.value:
            report.issues.append(Issue(
                "changed", "warning", text, f"台账数值已由 {stored.normalize():f} 变为 {fresh.value.normalize():f}，"
                "按文中写法不变", paragraph, fig_id, context))
        report.verified += 1

    def plain(self, report: CheckReport, text: str, paragraph: int) -> None:
        for match in PENDING_RE.finditer(text):
            report.issues.append(Issue("pending", "warning", match.group(), "尚待核实填写", paragraph))
        masked = _mask(text, self.quotes)
        found = [(f.span, f.text, f.value) for f in extract(masked)]
        taken = [span for span, _, _ in found]
        for (start, end), _, value in found:
            report.numbers += 1
            self.typed.append((paragraph, text[start:end], value))
            report.issues.append(Issue("unsourced", "error", text[start:end], "没有数据来源（不是由台账生成的数字）",
                                       paragraph, None, _context(text, start, end)))
        for start, end in bare_numbers(masked):
            if any(s <= start < e for s, e in taken):
                continue
            report.numbers += 1
            parsed = _parse_text(text[start:end])
            if parsed is not None:
                self.typed.append((paragraph, text[start:end], parsed))
            report.issues.append(Issue("unsourced", "error", text[start:end], "没有数据来源（不是由台账生成的数字）",
                                       paragraph, None, _context(text, start, end)))

    def run(self, paragraphs: list[list[Segment]], name: str) -> CheckReport:
        report = CheckReport(name=name, recomputed=self.do_recompute)
        if self.do_recompute:  # every compute() the figures in the text need, computed together
            used = {fig_id for segments in paragraphs for fig_id, _ in segments if fig_id}
            sources.prefetch([dict(self.provenance[i].get("source") or {}) for i in used if i in self.provenance],
                             self.cache)
        for index, segments in enumerate(paragraphs):
            whole = "".join(t for _, t in segments)
            for fig_id, text in segments:
                if fig_id is None:
                    self.plain(report, text, index)
                else:
                    self.figure(report, fig_id, text, index, whole[:40])
        report.issues.extend(conflicts(paragraphs, self.provenance))
        report.issues.extend(part_issues(paragraphs, self.provenance, self.typed))
        return report


def _concept_keys(provenance: Mapping[str, Mapping[str, Any]], library: Mapping[str, Any] | None = None,
                  extra: Iterable[str] = ()) -> dict[str, str]:
    """metric key → concept key (``reports.concepts``) for the ledger metrics the provenance cites (and `extra`)."""
    from taizhang.ledger.models import MetricDefinition
    from taizhang.reports.composer.phrases import load_library

    cited = {str((f.get("source") or {}).get("metric") or "") for f in provenance.values()} - {""}
    if not cited:
        return {}
    metrics = list(MetricDefinition.objects.filter(key__in=cited | set(extra)))
    lines = {m.line_id for m in metrics}
    taxonomy = list(MetricDefinition.objects.filter(line_id__in=lines).order_by("sort_order", "key"))
    pairs = concepts.library_pairs(load_library() if library is None else library)
    return {m.key: concepts.concept_of(m, taxonomy, pairs) for m in metrics}


def conflicts(paragraphs: list[list[Segment]], provenance: Mapping[str, Mapping[str, Any]]) -> list[Issue]:
    """Warnings for one concept stated with two values: two ledger figures of the same metric, or of metrics that
    count the same thing (``reports.concepts``: 志愿服务队伍数 reported by the units and 志愿服务队伍 from the team
    register), for the same unit, period and filters, with different values. Not an error: each value has its
    source; but one document should say one thing."""
    keys = _concept_keys(provenance)
    seen: dict[tuple[Any, ...], tuple[str, str, int, Decimal]] = {}
    out: list[Issue] = []
    for index, segments in enumerate(paragraphs):
        whole = "".join(t for _, t in segments)
        for fig_id, text in segments:
            known = provenance.get(fig_id) if fig_id else None
            source = dict((known or {}).get("source") or {})
            if not source.get("metric") or source.get("kind", "ledger") != "ledger":
                continue
            metric = str(source["metric"])
            period = source.get("period") or {}
            filters = sorted((str(k), str(v)) for k, v in (source.get("filters") or {}).items() if v not in (None, ""))
            key = (keys.get(metric, metric), source.get("unit"), period.get("start"), period.get("end"), tuple(filters))
            try:
                value = Decimal(str((known or {}).get("value", source.get("value"))))
            except InvalidOperation:
                continue
            label = str(source.get("label") or metric)
            first = seen.setdefault(key, (label, text, index, value))
            if first[3] == value:
                continue
            where = f"第{first[2]}段" if first[2] else "标题"
            what = f"“{label}”" if first[0] == label else f"“{first[0]}”与“{label}”是同一项数据，"
            out.append(Issue("conflict", "warning", text,
                             f"{what}在同一范围、同一时间段有两个不同数值：{where}“{first[1]}”与此处“{text}”，"
                             "文中应只写一个", index, fig_id, whole[:40]))
    return out


@dataclass(frozen=True)
class _Cited:
    """A ledger figure as the part/total rules see it."""

    fig_id: str | None
    text: str
    paragraph: int
    concept: str
    label: str
    scope: tuple[Any, ...]  # unit, units, period start, period end
    filters: frozenset[tuple[str, str]]
    value: Decimal


def _cited(fig_id: str | None, text: str, paragraph: int, source: Mapping[str, Any], value: Any,
           keys: Mapping[str, str]) -> _Cited | None:
    if not source.get("metric") or source.get("kind", "ledger") != "ledger":
        return None
    try:
        number = Decimal(str(value if value is not None else source.get("value")))
    except InvalidOperation:
        return None
    metric = str(source["metric"])
    period = source.get("period") or {}
    filters = frozenset((str(k), str(v)) for k, v in (source.get("filters") or {}).items() if v not in (None, ""))
    units = source.get("units")  # an app's document names its units by id (the 随手拍 bulletin's streets)
    scope = (source.get("unit"), tuple(sorted(str(u) for u in units)) if isinstance(units, list) else units,
             period.get("start"), period.get("end"))
    return _Cited(fig_id, text, paragraph, keys.get(metric, metric), str(source.get("label") or metric),
                  scope, filters, number)


def _within(part: _Cited, total: _Cited, closure: Mapping[str, set[str]]) -> bool:
    """Whether `part` counts a part of what `total` counts, in the same unit and period: a metric declared within
    the other's (library ``part_of``), or the same concept narrowed by more filters (国家级 within all outlets)."""
    if part.scope != total.scope:
        return False
    if part.concept == total.concept:
        return total.filters < part.filters
    return total.concept in closure.get(part.concept, set()) and total.filters <= part.filters


def _not_additive(provenance: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The cited metrics whose part can exceed their total: rates and averages (one street's 按时办结率 100 % in a
    district's 80 %). Counts, summed or each unit's highest summed, cannot."""
    from django.db.models import Q

    from taizhang.ledger.models import MetricDefinition

    cited = {str((f.get("source") or {}).get("metric")) for f in provenance.values()
             if isinstance(f, Mapping) and (f.get("source") or {}).get("metric")}
    if not cited:
        return set()
    return set(MetricDefinition.objects.filter(key__in=cited).filter(
        Q(kind=MetricDefinition.Kind.PERCENT) | Q(aggregation=MetricDefinition.Aggregation.AVG)).values_list(
        "key", flat=True))


def _where(paragraph: int) -> str:
    return f"第{paragraph}段" if paragraph else "标题"


def part_issues(paragraphs: list[list[Segment]], provenance: Mapping[str, Mapping[str, Any]],
                typed: Iterable[tuple[int, str, Decimal]] = ()) -> list[Issue]:
    """Warnings where a part and its total disagree (the library's ``part_of``, ``reports.concepts``): a part
    larger than its total in the same unit and period (“评选表彰好人8名” with “选树典型5名”), and a part added to
    its total, by a ``sum`` figure or in a number typed by hand (选树典型12名、评选表彰好人8名，共20名)."""
    from taizhang.reports.composer.phrases import load_library

    library = load_library()
    relations = concepts.part_relations(library)
    keys = _concept_keys(provenance, library, {*relations, *relations.values()})
    closure: dict[str, set[str]] = {}
    for key in relations:
        totals = concepts.totals_of(key, relations)
        closure.setdefault(keys.get(key, key), set()).update(keys.get(t, t) for t in totals)
    figures: list[_Cited] = []
    sums: list[tuple[str, str, int, list[_Cited]]] = []
    not_additive = _not_additive(provenance)
    for index, segments in enumerate(paragraphs):
        for fig_id, text in segments:
            known = provenance.get(fig_id) if fig_id else None
            source = dict((known or {}).get("source") or {})
            cited = _cited(fig_id, text, index, source, (known or {}).get("value"), keys)
            if cited is not None and str(source.get("metric")) not in not_additive:
                figures.append(cited)
            elif source.get("kind") == "sum":
                added = [_cited(None, sources.render(Decimal(str(p.get("value") or 0)), p.get("display")), index, p,
                                p.get("value"), keys) for p in source.get("parts") or [] if isinstance(p, Mapping)]
                sums.append((str(fig_id), text, index, [c for c in added if c is not None]))
    out: list[Issue] = []
    seen: set[tuple[Any, ...]] = set()
    by_scope: dict[tuple[Any, ...], list[_Cited]] = {}
    for cited in figures:  # a part and its total share unit and period: compare only within one scope
        by_scope.setdefault(cited.scope, []).append(cited)
    for part in figures:
        for total in by_scope[part.scope]:
            if part is total or not _within(part, total, closure) or part.value <= total.value:
                continue
            pair = (part.concept, part.filters, total.concept, total.filters, part.scope, part.value, total.value)
            if pair in seen:
                continue
            seen.add(pair)
            out.append(Issue("part_exceeds", "warning", part.text,
                             f"“{part.label}”是“{total.label}”的一部分，此处“{part.text}”却大于{_where(total.paragraph)}"
                             f"的“{total.text}”：同一范围、同一时间段内部分不能超过总数，请核实口径", part.paragraph,
                             part.fig_id))
    for fig_id, text, index, parts in sums:
        added_twice = next(((a, b) for a in parts for b in parts if a is not b and _within(a, b, closure)), None)
        if added_twice is not None:
            part, total = added_twice
            out.append(Issue("double_count", "warning", text,
                             f"合计数“{text}”把“{part.label}”{part.text}与包含它的“{total.label}”{total.text}"
                             f"相加：{part.label}已计入{total.label}，被重复计算", index, fig_id))
    for index, text, value in typed:
        here = [f for f in figures if f.paragraph == index]
        summed = next(((a, b) for a in here for b in here if a is not b and _within(a, b, closure)
                       and a.value + b.value == value), None)
        if summed is not None:
            part, total = summed
            out.append(Issue("double_count", "warning", text,
                             f"“{text}”等于“{part.label}”{part.text}与“{total.label}”{total.text}之和，但前者已包含在"
                             "后者之中，不能相加", index))
    return out


def check_segments(paragraphs: list[list[Segment]], provenance: Mapping[str, Mapping[str, Any]], *,
                   recompute: bool = True, name: str = "") -> CheckReport:
    """Check paragraphs given as (figure id or None, text) segments; paragraph 0 is the title."""
    return _Checker(provenance, recompute=recompute).run(paragraphs, name)


def check_docx(path: str | os.PathLike[str], *, provenance_path: str | os.PathLike[str] | None = None,
               recompute: bool = True) -> CheckReport:
    """Check a .docx: provenance from its custom XML part, or from a sidecar JSON when given."""
    provenance = read_provenance_json(provenance_path) if provenance_path else read_provenance(path)
    paragraphs = read_paragraph_segments(path, include_appendix=False)
    return check_segments(paragraphs, provenance, recompute=recompute, name=os.path.basename(os.fspath(path)))


def check_docx_stream(stream: IO[bytes], *, name: str = "", recompute: bool = True) -> CheckReport:
    """check_docx for an uploaded file held in memory."""
    provenance = read_provenance(stream)
    stream.seek(0)
    paragraphs = read_paragraph_segments(stream, include_appendix=False)
    return check_segments(paragraphs, provenance, recompute=recompute, name=name)


def document_segments(doc: Document) -> list[list[Segment]]:
    """The document as the checker reads a .docx: the title, then each paragraph and table cell."""
    out: list[list[Segment]] = [[(None, doc.title)]]
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            out.append([(r.id, r.text) if isinstance(r, Figure) else (None, r) for r in block.runs])
        else:
            for row in block.rows:
                out.extend([[(c.id, c.text) if isinstance(c, Figure) else (None, c)] for c in row])
    return out


def check_document(doc: Document, *, recompute: bool = True) -> CheckReport:
    """Check a Document in memory (the web editor's draft)."""
    provenance = {f.id: f.to_dict() for f in doc.figures()}
    return check_segments(document_segments(doc), provenance, recompute=recompute, name=doc.title)
