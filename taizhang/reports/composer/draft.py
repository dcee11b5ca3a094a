"""The whole draft: title, opening, 一、完成情况 with (一)(二)… per group of lines, 二、存在的问题, 三、工作打算.

``Document.meta["roles"]`` runs parallel to the blocks and says what each block is ("opening", "line:lectures",
"problem:falling:lecture_events", "plan:theory" …), so the editor can find the problems section and renumber it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from taizhang.core.periods import Period
from taizhang.org.models import Unit
from taizhang.reports.composer import phrases, problems, targets
from taizhang.reports.composer.context import ComposeOptions, Context
from taizhang.reports.composer.problems import Candidate
from taizhang.reports.composer.sections import LineSection, build_line, comparable, primary_metric
from taizhang.reports.document import Document, Paragraph, ParagraphStyle, Run
from taizhang.reports.numbers import chinese_numeral

ORDINAL_RE = re.compile(r"^[一二三四五六七八九十]+是")


@dataclass
class ComposeResult:
    document: Document
    candidates: list[Candidate] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Paragraph] = []
        self.roles: list[str] = []

    def add(self, style: ParagraphStyle, runs: list[Run] | str, role: str) -> None:
        self.blocks.append(Paragraph(style, phrases.merge([runs] if isinstance(runs, str) else runs)))
        self.roles.append(role)


def _fill_words(ctx: Context, template: str) -> str:
    runs = phrases.fill(template, ctx.words())
    return phrases.text_of(runs) if runs else ""


def _groups(ctx: Context, sections: list[LineSection]) -> list[tuple[dict[str, Any], list[LineSection]]]:
    by_line = {s.line.key: s for s in sections}
    out: list[tuple[dict[str, Any], list[LineSection]]] = []
    placed: set[str] = set()
    for group in ctx.library.get("groups", []):
        members = [by_line[k] for k in group.get("lines", []) if k in by_line]
        placed.update(s.line.key for s in members)
        if members:
            out.append((group, members))
    rest = [s for s in sections if s.line.key not in placed]
    if rest:
        out.append((dict(ctx.library.get("other_group", {"key": "other", "heading": "其他工作", "plan": ""})), rest))
    return out


def ordinal(library: dict[str, Any], index: int) -> str:
    words = library.get("ordinals") or []
    return str(words[index]) if index < len(words) else f"{chinese_numeral(index + 1)}是"


def problem_runs(library: dict[str, Any], runs: list[Run], index: int, last: bool) -> list[Run]:
    body = phrases.strip_end(runs)
    if body and isinstance(body[0], str):
        body[0] = ORDINAL_RE.sub("", body[0])
    return phrases.merge([ordinal(library, index), *body, "。" if last else "；"])


def _problems_and_plans(ctx: Context, b: _Builder, sections: list[LineSection], n: int) -> list[Candidate]:
    """二、存在的问题 (accepted candidates) and 三、工作打算 (plan phrases by group); returns all candidates."""
    library, headings, period = ctx.library, ctx.library.get("headings", {}), ctx.period
    # 存在的问题: data-driven candidates, most severe first; the lines' phrases, weakest growth first.
    # The lines' own candidates, and the unit's targets below schedule (of any line, with data or not).
    found = [c for s in sections for c in s.problems] + targets.shortfalls(ctx)
    generic_order = sorted(sections, key=lambda s: (s.ratio is None, s.ratio or 0, s.line.sort_order))
    generic = [s.generic[0] for s in generic_order if s.generic] + [c for s in generic_order for c in s.generic[1:]]
    candidates = problems.choose(found, generic, int(library.get("problems", {}).get("default_accepted", 3)))
    accepted = [c for c in candidates if c.accepted]
    n += 1
    b.add("heading1", f"{chinese_numeral(n)}、{headings.get('problems', '存在的问题')}", "heading:problems")
    problems_lead = _fill_words(ctx, str(library.get("problems_lead", "")))
    if problems_lead:
        b.add("body", problems_lead, "lead:problems")
    for i, cand in enumerate(accepted):
        b.add("body", problem_runs(library, cand.runs, i, i == len(accepted) - 1), f"problem:{cand.key}")

    n += 1
    plan_heading = headings.get("plans_year" if period.kind == "year" else "plans", "下一步工作打算")
    b.add("heading1", f"{chinese_numeral(n)}、" + _fill_words(ctx, str(plan_heading)), "heading:plans")
    plans_lead = _fill_words(ctx, str(library.get("plans_lead", "")))
    if plans_lead:
        b.add("body", plans_lead, "lead:plans")
    plan_groups = _groups(ctx, sections) if sections else []
    for i, (group, members) in enumerate(plan_groups):
        texts = list(dict.fromkeys(str(p) for s in members for p in (s.line.plan_phrases or [])[:1]
                                   if not phrases.literal_numbers(str(p))))[:3]
        lead = str(group.get("plan") or "")
        if not texts and not lead:
            continue
        body = f"{ordinal(library, i)}{lead}。" + "".join(texts)
        b.add("body", body, f"plan:{group.get('key')}")

    return candidates


def _likely_primary(ctx: Context, line: Any) -> Any:
    """Each line's primary metric as the phrases suggest before any figure is known (usually the right one)."""
    metrics = ctx.metrics_by_line.get(line.pk, [])
    keys = [k for text in line.phrases or [] for k in phrases.placeholders(str(text))] + [m.key for m in metrics]
    return next((ctx.metrics[k] for k in keys if k in ctx.metrics and comparable(ctx, ctx.metrics[k])), None)


def _prefetch(ctx: Context) -> None:
    """Every figure the draft may need, computed together (in parallel when possible): this period's values (the
    likely primary metrics broken down by unit at the same time), last year's values and the breakdowns of each
    line's primary metric."""
    minimum = int(ctx.library.get("rank", {}).get("min_peers", 4))
    peers_below = ctx.options.ranks and Unit.objects.filter(parent=ctx.unit, is_active=True).count() >= minimum
    if peers_below:
        ctx.prefetch([m for m in (_likely_primary(ctx, line) for line in ctx.lines) if m is not None],
                     by_unit=ctx.unit)
    ctx.prefetch([m for line in ctx.lines for m in ctx.metrics_by_line.get(line.pk, [])])
    primaries = [m for m in (primary_metric(ctx, line) for line in ctx.lines) if m is not None]
    if ctx.options.comparisons:
        ctx.prefetch(primaries, previous=True)
    if peers_below:
        ctx.prefetch(primaries, by_unit=ctx.unit)
    if ctx.options.ranks and ctx.unit.parent_id is not None:
        ctx.prefetch(primaries, by_unit=Unit.objects.get(pk=ctx.unit.parent_id))


def _issuer(unit: Unit, options: ComposeOptions) -> str:
    if options.issuer:
        return options.issuer
    department = str(getattr(settings, "TAIZHANG_DEPARTMENT_NAME", "") or "")
    return department if unit.parent_id is None and department else unit.name


def compose(unit: Unit, period: Period, *, options: ComposeOptions | None = None,
            library: dict[str, Any] | None = None) -> ComposeResult:
    """Compose the draft summary of `unit` (with its subtree) for `period` from approved ledger records."""
    options = options or ComposeOptions()
    if library is None:
        library = phrases.load_library()
    ctx = Context(unit=unit, period=period, library=library, options=options)
    _prefetch(ctx)
    words = ctx.words()
    sections = [s for s in (build_line(ctx, line) for line in ctx.lines) if s is not None]

    b = _Builder()
    headings = library.get("headings", {})
    b.add("body", _fill_words(ctx, str(library.get("opening", {}).get("root" if ctx.is_root else "unit", ""))),
          "opening")
    n = 0
    n += 1
    b.add("heading1", f"{chinese_numeral(n)}、" + _fill_words(ctx, str(headings.get("done", "{period}工作完成情况"))),
          "heading:done")
    if sections:
        lead = _fill_words(ctx, str(library.get("done_lead", "")))
        if lead:
            b.add("body", lead, "lead:done")
        for g_index, (group, members) in enumerate(_groups(ctx, sections), 1):
            b.add("heading2", f"（{chinese_numeral(g_index)}）{group.get('heading', '')}", f"group:{group.get('key')}")
            for i, section in enumerate(members):
                b.add("body", section.runs(ordinal(library, i) if len(members) > 1 else ""), f"line:{section.line.key}")
    else:
        b.add("body", f"【待核实：{period.label}台账中暂无已审核通过的记录】", "empty")

    candidates: list[Candidate] = []
    if sections:  # without any data there is nothing to find problems in or plan from
        candidates = _problems_and_plans(ctx, b, sections, n)

    titles = library.get("title", {})
    title = _fill_words(ctx, str(titles.get("root" if ctx.is_root else "unit", "{period}{unit}工作总结")))
    meta = {
        "kind": "summary",
        "unit": unit.code,
        "unit_name": unit.name,
        "period": {"spec": period.spec, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": period.label},
        "roles": b.roles,
        "next_id": ctx.next_id,
        "words": words,
        "notes": list(ctx.notes),  # for the writer (which value of a concept was written), not part of the text
    }
    document = Document(title=title, blocks=list(b.blocks), issuer=_issuer(unit, options),
                        date=options.date or period.end, meta=meta)
    if options.polish:
        from taizhang.reports.composer.polish import get_polisher, polish

        polisher = get_polisher()
        if polisher is None:
            ctx.notes.append("未配置润色模型（TAIZHANG_SUMMARY_POLISHER），未润色。")
        else:
            report = polish(document, polisher)
            ctx.notes.append(f"润色：采用 {report.accepted} 段，因改动数字等原因退回 {report.rejected} 段。")
    return ComposeResult(document, candidates, [s.line.key for s in sections], ctx.notes)
