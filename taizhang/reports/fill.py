"""Fill a template (a prior summary or a text from the web with X, *, xx, == or blanks) from the ledger.

``plan_slots(text)`` lists the slots with the metric each is mapped to (the user's confirmed mapping, else the
proposed one when confident enough). ``fill_template(text, unit=…, period=…)`` writes each mapped slot with this
period's value from ``compute`` (a Figure with its source) and every other slot as 【待核实：…】: nothing is
guessed. Literal figures of a prior summary are slots too and get this period's value when mapped; unmapped, they
become 【待核实】 rather than stay as last year's number. Approximations around a slot (近, 约, 余, 多, 以上 …)
are dropped when an exact figure replaces it. Year slots take the period's year (the next year under a heading
about plans), month and day slots the period's end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from taizhang.core.periods import Period
from taizhang.ledger.figures import compute
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.reports import sources
from taizhang.reports.composer.phrases import load_library, merge
from taizhang.reports.document import Document, Figure, Paragraph, ParagraphStyle, Run
from taizhang.reports.extract import MetricInfo
from taizhang.reports.slots import Slot, find_slots, missing_marker

DEFAULT_MIN_CONFIDENCE = 0.5
APPROXIMATE_PREFIXES = ("不少于", "不低于", "将近", "接近", "大约", "超过", "近", "约", "逾", "超", "至少")
APPROXIMATE_INNER = ("余", "多")
APPROXIMATE_POST = ("以上", "左右", "有余")
MONEY_FACTORS = {"元": Decimal(1), "万元": Decimal(10**4), "亿元": Decimal(10**8)}
SCALE_FACTORS = {"万": Decimal(10**4), "亿": Decimal(10**8)}
_PLAN_WORDS = ("计划", "思路", "打算", "安排", "要点")
_H1_RE = re.compile(r"^[一二三四五六七八九十]{1,3}、")
_H2_RE = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")


@dataclass
class SlotPlan:
    index: int
    slot: Slot
    proposed: str | None
    confidence: float
    metric: str | None
    confirmed: bool = False

    @property
    def is_year(self) -> bool:
        return self.slot.kind == "year"


@dataclass
class FillResult:
    document: Document
    text: str
    filled: int = 0
    missing: int = 0
    dates: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)


def clean_template(text: str, boilerplate: list[str] | None = None) -> str:
    """The template without web-page boilerplate lines (下面是小编…, 推荐访问…) and with unified line ends."""
    words = boilerplate if boilerplate is not None else list(load_library().get("template_boilerplate", []))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line.rstrip() for line in lines if not any(w in line for w in words)]
    return "\n".join(kept).strip("\n")


def plan_slots(text: str, aliases: Mapping[str, MetricInfo], mappings: Mapping[str, str] | None = None,
               min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> list[SlotPlan]:
    """Slots of the (cleaned) text with the metric to use: mappings[str(index)] when present ("" = leave blank),
    else the proposed metric when its confidence reaches `min_confidence`."""
    mappings = mappings or {}
    plans = []
    for index, slot in enumerate(find_slots(text, aliases)):
        if str(index) in mappings:
            chosen = mappings[str(index)] or None
            confirmed = True
        else:
            chosen = slot.metric if slot.metric and slot.confidence >= min_confidence else None
            confirmed = False
        if chosen is not None and chosen not in aliases:
            chosen = None
        plans.append(SlotPlan(index, slot, slot.metric, slot.confidence, None if slot.kind == "year" else chosen,
                              confirmed))
    return plans


def _divisor(slot: Slot, metric: MetricDefinition) -> Decimal:
    if slot.unit in MONEY_FACTORS and metric.measure_word in MONEY_FACTORS:
        return MONEY_FACTORS[slot.unit] / MONEY_FACTORS[metric.measure_word]
    return SCALE_FACTORS.get(slot.scale, Decimal(1))


def _widen(text: str, start: int, end: int, slot: Slot) -> tuple[int, int, str, list[tuple[int, int]]]:
    """The span to replace once an exact figure (or a marker) takes the place of the mark.

    Approximating qualifiers go: 近/约/超过… before the mark and 余/多 after it (X余万, X万多) are taken into the
    span; the scale (万/亿) after the mark is taken too and returned, to be written after the new number; a
    trailing 以上/左右 after the measure word is returned as a separate deletion."""
    for q in APPROXIMATE_PREFIXES:
        if q in slot.qualifier and text.endswith(q, 0, start):
            start -= len(q)
            break
    p = end
    scale = ""
    for _ in range(3):
        ch = text[p : p + 1]
        if ch and ch in APPROXIMATE_INNER and ch in slot.qualifier:
            p += 1
        elif ch and slot.scale and ch == slot.scale and not scale:
            scale = ch
            p += 1
        else:
            break
    deletions: list[tuple[int, int]] = []
    if slot.unit and text.startswith(slot.unit, p):
        after = p + len(slot.unit)
        for q in APPROXIMATE_POST:
            if q in slot.qualifier and text.startswith(q, after):
                deletions.append((after, after + len(q)))
                break
    return start, p, scale, deletions


def _year_text(plan: SlotPlan, period: Period, line: str) -> str:
    unit = plan.slot.unit
    if unit == "月":
        return str(period.end.month)
    if unit == "日":
        return str(period.end.day)
    ahead = any(w in line for w in _PLAN_WORDS) or any(w in part for part in plan.slot.section for w in _PLAN_WORDS)
    return str(period.end.year + 1 if ahead else period.start.year)


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def fill_runs(text: str, plans: list[SlotPlan], *, unit: Unit, period: Period) -> tuple[list[Run], FillResult]:
    """The filled text as runs (figures with their sources), and the counts."""
    result = FillResult(document=Document(title=""), text="")
    metrics = {m.key: m for m in MetricDefinition.objects.filter(key__in={p.metric for p in plans if p.metric})}
    cache: dict[str, Any] = {}
    edits: list[tuple[int, int, list[Run]]] = []
    next_id = 0
    for plan in sorted(plans, key=lambda p: p.slot.span):
        slot = plan.slot
        start, end = slot.span
        item: dict[str, Any] = {"index": plan.index, "text": slot.text, "kind": slot.kind, "subject": slot.subject,
                                "metric": plan.metric}
        result.items.append(item)
        if plan.is_year:
            edits.append((start, end, [_year_text(plan, period, _line_at(text, start))]))
            result.dates += 1
            item["status"] = "date"
            continue
        metric = metrics.get(plan.metric or "")
        figure_result = None
        if metric is not None:
            if metric.key not in cache:
                cache[metric.key] = compute(metric, period=period, unit=unit)
            figure_result = cache[metric.key]
        start, end, scale, deletions = _widen(text, start, end, slot)
        if metric is None or figure_result is None or (figure_result.value == 0 and not figure_result.records):
            edits.append((start, end, [missing_marker(slot.subject or (metric.name if metric else "数据")) + scale]))
            result.missing += 1
            item["status"] = "missing"
        else:
            if slot.kind == "literal" and scale:
                # A prior summary's 2.5万人次: the scale was chosen for last year's number; choose again.
                display: dict[str, Any] = {"format": "number", "measure_word": ""}
            else:
                display = {"format": "plain", "measure_word": scale, "divisor": str(_divisor(slot, metric))}
            source = sources.ledger_source(figure_result, display)
            source["slot"] = {"index": plan.index, "text": slot.text, "subject": slot.subject, "unit": slot.unit}
            next_id += 1
            figure = Figure(f"s{next_id}", sources.render(figure_result.value, display), figure_result.value, source)
            edits.append((start, end, [figure]))
            result.filled += 1
            item["status"] = "filled"
            item["value"] = figure.text
        edits.extend((s, e, [""]) for s, e in deletions)
    runs: list[Run] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < cursor:
            continue
        runs.append(text[cursor:start])
        runs.extend(replacement)
        cursor = end
    runs.append(text[cursor:])
    return merge(runs), result


def _paragraph_style(line: str) -> ParagraphStyle:
    if _H1_RE.match(line) and len(line) <= 40 and not line.rstrip().endswith("。"):
        return "heading1"
    if _H2_RE.match(line) and len(line) <= 40:
        return "heading2"
    return "body"


def runs_to_document(runs: list[Run], *, title: str | None, issuer: str, period: Period) -> Document:
    """Split runs into paragraphs at line ends; the first line is the title unless one is given."""
    lines: list[list[Run]] = [[]]
    for run in runs:
        if isinstance(run, Figure):
            lines[-1].append(run)
            continue
        parts = run.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append(part)
    lines = [merge(line) for line in lines]
    lines = [line for line in lines if "".join(r.text if isinstance(r, Figure) else r for r in line).strip()]
    doc_title = title
    if doc_title is None and lines and all(isinstance(r, str) for r in lines[0]):
        first = "".join(str(r) for r in lines[0]).strip()
        if len(first) <= 60 and not first.endswith("。"):
            doc_title = first
            lines = lines[1:]
    blocks: list[Paragraph] = []
    for line in lines:
        head = line[0] if line and isinstance(line[0], str) else ""
        stripped: list[Run] = [head.lstrip(" \u3000\t"), *line[1:]] if head else list(line)
        text = "".join(r.text if isinstance(r, Figure) else r for r in stripped)
        style = _paragraph_style(text)
        if style == "body" and _H2_RE.match(text) and isinstance(stripped[0], str) and "。" in stripped[0]:
            cut = stripped[0].index("。")
            if cut <= 30:  # （一）筑牢思想根基，理论学习走深走实。始终把学习… : heading and body
                blocks.append(Paragraph("heading2", [stripped[0][: cut + 1]]))
                rest = merge([stripped[0][cut + 1 :], *stripped[1:]])
                if rest:
                    blocks.append(Paragraph("body", rest))
                continue
        blocks.append(Paragraph(style, merge(stripped)))
    return Document(title=doc_title or f"{period.label}工作总结", blocks=list(blocks), issuer=issuer,
                    date=period.end, meta={"kind": "filled_template"})


def fill_template(text: str, *, unit: Unit, period: Period, aliases: Mapping[str, MetricInfo],
                  mappings: Mapping[str, str] | None = None, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                  title: str | None = None, issuer: str | None = None) -> FillResult:
    """Fill `text` (cleaned with clean_template first) for `unit` and `period`."""
    plans = plan_slots(text, aliases, mappings, min_confidence)
    runs, result = fill_runs(text, plans, unit=unit, period=period)
    result.document = runs_to_document(runs, title=title, issuer=issuer or unit.name, period=period)
    result.text = "".join(r.text if isinstance(r, Figure) else r for r in runs)
    return result
