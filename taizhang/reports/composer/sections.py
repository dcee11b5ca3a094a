"""One paragraph per line of work: its phrases filled with figures, the comparison, the rank, the highlights and
the target completion; plus the problems each line suggests.

Phrase choice is deterministic: the line's phrases in order, each taken when every metric it names has data and
none is already used in the paragraph; metrics with data left over get their fallback clause from the library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from taizhang.ledger.models import LineOfWork, MetricDefinition
from taizhang.reports import concepts
from taizhang.reports.composer import compare, highlights, phrases, problems, targets
from taizhang.reports.composer.context import Context
from taizhang.reports.composer.problems import Candidate
from taizhang.reports.document import Figure, Run
from taizhang.reports.numbers import format_number


@dataclass
class LineSection:
    line: LineOfWork
    lead: str
    sentences: list[list[Run]]
    primary: MetricDefinition | None = None
    ratio: Decimal | None = None
    problems: list[Candidate] = field(default_factory=list)
    generic: list[Candidate] = field(default_factory=list)

    def runs(self, ordinal: str = "") -> list[Run]:
        body: list[Run] = [f"{ordinal}{self.lead}。"] if ordinal else []
        for sentence in self.sentences:
            body.extend(sentence)
        return phrases.merge(body)


def _adapt(ctx: Context, text: str) -> str:
    """Period words in a phrase ("全年…") follow the period being summarised (上半年, 前三季度 …)."""
    word = ctx.period_short
    for fixed in ctx.library.get("replace_in_phrases", []):
        if fixed != word:
            text = text.replace(fixed, word)
    return text


def _metric_clause(ctx: Context, metric: MetricDefinition) -> list[Run] | None:
    template = ctx.library.get("metrics", {}).get(metric.key)
    figure = ctx.figure(ctx.current(metric))
    if template:
        return phrases.fill(_adapt(ctx, str(template)), {**ctx.words(), metric.key: figure})
    return phrases.fill(str(ctx.library.get("metric_default", "{name}{value}")), {"name": metric.name, "value": figure})


def _all_parts(ctx: Context, data: dict[str, MetricDefinition]) -> dict[str, str]:
    """The line's parts whose total has data too (library ``part_of``, ``concepts.parts_in``): part → total."""
    return concepts.parts_in(data, concepts.part_relations(ctx.library))


def _larger(ctx: Context, data: dict[str, MetricDefinition], parts: dict[str, str]) -> list[tuple[str, str]]:
    """(part, total) where the part's figure is larger than its total's: the two sources disagree."""
    return [(p, t) for p, t in parts.items() if ctx.current(data[p]).value > ctx.current(data[t]).value]


def _parts(ctx: Context, data: dict[str, MetricDefinition]) -> dict[str, str]:
    """The parts written within their total (“其中…”): part → total. A total that one of its parts exceeds has none
    (“选树典型3名，其中评选表彰好人8名” would state a falsehood): its figures are written as they would be without
    ``part_of``, each in its own clause or phrase, and the writer is told (``_note_larger_parts``)."""
    parts = _all_parts(ctx, data)
    disputed = {t for _p, t in _larger(ctx, data, parts)}
    return {p: t for p, t in parts.items() if t not in disputed}


def _chosen_phrases(ctx: Context, line: LineOfWork, data: dict[str, MetricDefinition]) -> list[tuple[str, list[str]]]:
    """The line's phrases taken, with their metric keys: every metric named has data, none is used twice, and a
    part whose total is written is named only in a phrase that names its total too (else it is written after its
    total as “其中…”, ``_place_parts``)."""
    chosen: list[tuple[str, list[str]]] = []
    used: set[str] = set()
    parts = _parts(ctx, data)
    for text in line.phrases or []:
        keys = list(dict.fromkeys(k for k in phrases.placeholders(str(text)) if k in ctx.metrics))
        if not keys or any(k not in data for k in keys) or used.intersection(keys):
            continue
        if any(k in parts and parts[k] not in keys for k in keys):
            continue
        if phrases.literal_numbers(str(text)):  # an edited phrase with a number typed in: never composed
            continue
        if phrases.fill(str(text), {**ctx.words(), **dict.fromkeys(keys, "")}) is None:
            continue
        chosen.append((str(text), keys))
        used.update(keys)
    return chosen


def _line_data(ctx: Context, line: LineOfWork) -> tuple[dict[str, MetricDefinition],
                                                         list[tuple[MetricDefinition, MetricDefinition | None]]]:
    unwritten = set(ctx.library.get("unwritten_metrics", []))
    data = {m.key: m for m in ctx.metrics_by_line.get(line.pk, [])
            if m.key not in unwritten and ctx.current(m).value != 0}
    return concepts.one_per_concept(data, concepts.library_pairs(ctx.library),
                                    str(ctx.library.get("concept_prefer", "computed")))


def line_data(ctx: Context, line: LineOfWork) -> dict[str, MetricDefinition]:
    """The line's metrics with data that the paragraph may write, one per concept (``reports.concepts``): key →
    metric, where a reported metric's key may stand for the computed metric of the same concept; metrics that are
    not achievements (library ``unwritten_metrics``) are left out."""
    return _line_data(ctx, line)[0]


def _clause_rank(ctx: Context, metric: MetricDefinition) -> int:
    """Which leftover figures a paragraph writes first: those with their own clause in the library, then counts,
    then rates, averages and scores (a 62.8% 办结率 is a measure of work, not an achievement to list)."""
    if metric.key in ctx.library.get("metrics", {}):
        return 0
    rate_like = (metric.kind == MetricDefinition.Kind.PERCENT or metric.aggregation == MetricDefinition.Aggregation.AVG
                 or metric.measure_word in ("%", "分") or "平均" in metric.name or metric.name.endswith("率"))
    return 2 if rate_like else 1


def _note_dropped(ctx: Context, dropped: list[tuple[MetricDefinition, MetricDefinition | None]]) -> None:
    template = str(ctx.library.get("concept_note", ""))
    for left_out, written in dropped:
        if written is None:  # a rate that went with its counts
            continue
        words = {"name": written.name, "other_name": left_out.name,
                 "written": format_number(ctx.current(written).value, written.measure_word),
                 "other": format_number(ctx.current(left_out).value, left_out.measure_word),
                 "written_source": written.get_source_display(), "other_source": left_out.get_source_display()}
        runs = phrases.fill(template, words) if template else None
        if runs:
            ctx.notes.append(phrases.text_of(runs))


def primary_metric(ctx: Context, line: LineOfWork) -> MetricDefinition | None:
    """The metric the line's paragraph compares and ranks (known before the paragraph is written)."""
    data = line_data(ctx, line)
    chosen = _chosen_phrases(ctx, line, data)
    used = [k for _text, keys in chosen for k in keys]
    parts = _parts(ctx, data)
    order = used + [k for k in data if k not in used and k not in parts]
    return next((data[k] for k in order if comparable(ctx, data[k])), None)


def _sentences(ctx: Context, line: LineOfWork, data: dict[str, MetricDefinition]) -> list[list[Run]]:
    sentences: list[list[Run]] = []
    used: set[str] = set()
    for text, keys in _chosen_phrases(ctx, line, data):
        values: dict[str, phrases.Value] = dict(ctx.words())
        values.update({k: ctx.figure(ctx.current(data[k])) for k in keys})
        runs = phrases.fill(_adapt(ctx, text), values)
        if runs:
            sentences.append(runs)
            used.update(keys)
    clauses: list[Run] = []
    # The figures no phrase took: the most telling few (library "more_max"), not every number the line has. A
    # part whose total is written goes after its total (“其中…”), so it is not one of them; a total with parts
    # comes first among its kind.
    parts = {k: t for k, t in _parts(ctx, data).items() if k not in used}
    totals = set(parts.values())
    rest = sorted((k for k in data if k not in used and k not in parts),
                  key=lambda k: (_clause_rank(ctx, data[k]), k not in totals))
    most = int(ctx.library.get("more_max", 4))
    written = rest[:most]
    placed = used | set(written)
    orphans = [k for k in parts if parts[k] not in placed]  # the total was left out: the part on its own
    written += orphans[: max(0, most - len(written))]
    for key in written:
        clause = _metric_clause(ctx, data[key])
        if clause:
            clauses.extend((["，"] if clauses else []) + clause)
    if clauses:
        if sentences:
            more = phrases.fill(str(ctx.library.get("more", "{clauses}。")), {"clauses": clauses})
            if more:
                sentences.append(more)
        else:
            sentences.append(phrases.merge([*clauses, "。"]))
    _place_parts(ctx, sentences, data, {k: t for k, t in parts.items() if t in placed})
    return sentences


def _figure_of(sentences: list[list[Run]], metric: MetricDefinition) -> tuple[int, Figure] | None:
    for index, sentence in enumerate(sentences):
        for run in sentence:
            if isinstance(run, Figure) and run.source.get("kind") == "ledger" \
                    and run.source.get("metric") == metric.key:
                return index, run
    return None


def _place_parts(ctx: Context, sentences: list[list[Run]], data: dict[str, MetricDefinition],
                 parts: dict[str, str]) -> None:
    """Each part right after its total's figure: “选树典型12名，其中评选表彰好人8名、评选表彰道德模范2名”
    (library ``parts.clause``); when the total's figure is not followed by a comma or a full stop, as a sentence
    of its own after the total's (``parts.sentence``). No part here is larger than its total (``_parts``)."""
    texts = ctx.library.get("parts", {}) or {}
    by_total: dict[str, list[str]] = {}
    for part, total in parts.items():
        by_total.setdefault(total, []).append(part)
    for total, members in by_total.items():
        found = _figure_of(sentences, data[total])
        runs: list[Run] = []
        for part in members:
            clause = _metric_clause(ctx, data[part])
            if clause:
                joiner = str(texts.get("joiner", "、")) if found else "，"
                runs.extend(([joiner] if runs else []) + phrases.strip_end(clause))
        if not runs:
            continue
        if found is None:  # the total's clause could not be written: the parts on their own, not lost
            sentences.append(phrases.merge([*runs, "。"]))
            continue
        index, figure = found
        addition = phrases.fill(str(texts.get("clause", "，其中{parts}")), {"parts": runs})
        if addition and _insert_after(sentences[index], figure, addition):
            continue
        sentence = phrases.fill(str(texts.get("sentence", "其中，{parts}。")), {"parts": runs})
        if sentence:
            sentences.insert(index + 1, sentence)


def _note_larger_parts(ctx: Context, data: dict[str, MetricDefinition]) -> None:
    """Tell the writer of each part larger than its total (library ``parts.note``): the draft wrote them apart."""
    template = str((ctx.library.get("parts", {}) or {}).get("note", ""))
    if not template:
        return
    for key, total_key in _larger(ctx, data, _all_parts(ctx, data)):
        part, total = data[key], data[total_key]
        runs = phrases.fill(template, {
            "part": part.name, "total": total.name,
            "part_value": format_number(ctx.current(part).value, part.measure_word),
            "total_value": format_number(ctx.current(total).value, total.measure_word)})
        if runs:
            ctx.notes.append(phrases.text_of(runs))


def comparable(ctx: Context, metric: MetricDefinition) -> bool:
    """Counted metrics where more is better: compared with last year and ranked (not rates, not incidents)."""
    return metric.kind != MetricDefinition.Kind.PERCENT and metric.key not in ctx.library.get("neutral_metrics", [])


def _primary(ctx: Context, sentences: list[list[Run]]) -> tuple[MetricDefinition | None, Figure | None, int]:
    """The first figure of a comparable metric: the one compared and ranked."""
    for index, sentence in enumerate(sentences):
        for run in sentence:
            if isinstance(run, Figure) and run.source.get("kind") == "ledger":
                metric = ctx.metrics.get(str(run.source.get("metric")))
                if metric is not None and comparable(ctx, metric):
                    return metric, run, index
    return None, None, -1


def _insert_after(sentence: list[Run], figure: Figure, addition: list[Run]) -> bool:
    for i, run in enumerate(sentence):
        if run is figure:
            after = sentence[i + 1] if i + 1 < len(sentence) else None
            if isinstance(after, str) and after[:1] in "，。；":
                sentence[i + 1 : i + 1] = addition
                return True
            return False
    return False


def _comparison(ctx: Context, section: LineSection, figure: Figure, index: int) -> None:
    metric = section.primary
    if metric is None or not ctx.options.comparisons:
        return
    change = compare.year_on_year(ctx, metric)
    if change is None:
        return
    section.ratio = change.ratio
    texts = ctx.library.get("comparison", {})
    if change.ratio >= Decimal(str(texts.get("min_up", "0.1"))):
        addition = phrases.fill(str(texts.get("up", "")), {"change": change.figure})
        if addition and _insert_after(section.sentences[index], figure, addition):
            return
        sentence = phrases.fill(str(texts.get("up_sentence", "")), {"metric": metric.name, "change": change.figure})
        if sentence:
            section.sentences.insert(index + 1, sentence)
        return
    candidate = problems.falling(ctx, section.line, metric, change.ratio, change.figure)
    if candidate:
        section.problems.append(candidate)


def _other_falls(ctx: Context, section: LineSection, data: dict[str, MetricDefinition]) -> None:
    """Falls of the line's other counted metrics: candidate problems only (library "falls": "all"; by default only
    the primary metric is compared, which halves the work on a large ledger)."""
    if not ctx.options.comparisons or ctx.library.get("comparison", {}).get("falls") != "all":
        return
    for metric in data.values():
        if metric is section.primary or not comparable(ctx, metric):
            continue
        change = compare.year_on_year(ctx, metric)
        if change is not None:
            candidate = problems.falling(ctx, section.line, metric, change.ratio, change.figure)
            if candidate:
                section.problems.append(candidate)


def _ranks(ctx: Context, section: LineSection) -> None:
    metric = section.primary
    if metric is None or not ctx.options.ranks:
        return
    texts = ctx.library.get("rank", {})
    if not ctx.is_root:
        rank = compare.unit_rank(ctx, metric)
        if rank is not None:
            if rank.rank <= int(texts.get("max_rank", 3)):
                sentence = phrases.fill(str(texts.get("unit", "")), {
                    **ctx.words(), "metric": metric.name, "peers": rank.label, "rank": rank.figure,
                })
                if sentence:
                    section.sentences.append(sentence)
            else:
                candidate = problems.rank_low(ctx, section.line, metric, rank)
                if candidate:
                    section.problems.append(candidate)
    peers = compare.child_peers(ctx, metric)
    if peers is None:
        return
    top = compare.top_units(ctx, metric, peers) if ctx.area else None
    if top is not None:
        sentence = phrases.fill(str(texts.get("top_units", "")), {
            **ctx.words(), "metric": metric.name, "unit1": top[0], "unit2": top[1], "value1": top[2],
            "value2": top[3],
        })
        if sentence:
            section.sentences.append(sentence)
    candidate = problems.lagging(ctx, section.line, metric, peers)
    if candidate:
        section.problems.append(candidate)


def build_line(ctx: Context, line: LineOfWork) -> LineSection | None:
    """The line's paragraph, or None when the line has no data in the scope and period."""
    data, dropped = _line_data(ctx, line)
    if not data:
        return None
    _note_dropped(ctx, dropped)
    _note_larger_parts(ctx, data)
    lead = str(ctx.library.get("lines", {}).get(line.key) or f"{line.name}工作扎实推进")
    section = LineSection(line, lead, _sentences(ctx, line, data))
    if not section.sentences:
        return None
    metric, figure, index = _primary(ctx, section.sentences)
    section.primary = metric
    if figure is not None:
        _comparison(ctx, section, figure, index)
    _other_falls(ctx, section, data)
    section.sentences.extend(highlights.line_highlights(ctx, line.key))
    _ranks(ctx, section)
    section.sentences.extend(targets.line_targets(ctx, line))  # shortfalls: composer.targets.shortfalls
    section.generic = problems.line_phrases(ctx, line, section.primary)
    return section
