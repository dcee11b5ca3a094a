"""Named highlights: the largest event of a line, the headline placements, the most-read post.

Which line gets which highlight, and its wording, is data (``highlights`` in the phrase library). The records are
chosen among the approved, current records of the scope and period (the same rows compute() counts), ties broken
by record id so the draft is deterministic. Each number is a Figure of kind "record" that cites the record id;
titles are quoted in the source (``quote``) so the checker does not take digits in a title for a figure.
"""

from __future__ import annotations

from typing import Any

from taizhang.ledger.models import LEVEL_ORDER, Placement, Record, RecordFigure
from taizhang.reports import sources
from taizhang.reports.composer import phrases
from taizhang.reports.composer.context import Context
from taizhang.reports.document import Figure, Run


def _scoped_figures(ctx: Context, metric_key: str) -> Any:
    qs = RecordFigure.objects.filter(
        metric__key=metric_key, effective=True, date__gte=ctx.period.start, date__lte=ctx.period.end
    )
    if not ctx.is_root:
        qs = qs.filter(unit__path__startswith=ctx.unit.path)
    return qs


def quote_title(title: str) -> str:
    """A record title for the running text (the caller wraps it in “”): quotation marks the user typed around the
    whole title are dropped and inner ones become ‘’, so nesting reads correctly and nothing is doubled."""
    from taizhang.core.text import inner_quotes, unwrap

    return inner_quotes(unwrap(title)).rstrip("。")


def _record_sentence(ctx: Context, spec: dict[str, Any], activity_types: list[str] | None) -> list[Run] | None:
    metric = ctx.metrics.get(str(spec.get("metric")))
    if metric is None:
        return None
    qs = _scoped_figures(ctx, metric.key)
    if activity_types:
        qs = qs.filter(record__activity_type__key__in=activity_types)
    best = qs.order_by("-value", "record_id").values_list("record_id", "value").first()
    if best is None or best[1] <= 0:
        return None
    record = Record.objects.select_related("unit").get(pk=best[0])
    title = quote_title(record.title)
    source = sources.record_source(record.pk, metric, best[1], title, record.unit, record.start_date)
    figure = ctx.source_figure(best[1], source)
    return phrases.fill(str(spec.get("template", "")), {**ctx.words(), "title": title, "value": figure})


def _placement_sentences(ctx: Context, spec: dict[str, Any]) -> list[list[Run]]:
    metric = ctx.metrics.get("placements")
    if metric is None:
        return []
    out: list[list[Run]] = []
    level_words = spec.get("level_items") or {
        "national": "中央级媒体用稿{value}", "provincial": "省级媒体用稿{value}", "municipal": "市级媒体用稿{value}",
    }
    from taizhang.ledger.figures import compute

    by_level = compute(metric, period=ctx.period, unit=ctx.unit, by="level")
    items: list[Run] = []
    for row in by_level.breakdown:
        template = level_words.get(row.key)
        if not template or row.value <= 0:
            continue
        figure = ctx.row_figure(by_level, row, filters={"outlet_level": row.key})
        filled = phrases.fill(str(template), {"value": figure})
        if filled:
            items.extend((["、"] if items else []) + filled)
    if len(items) > 1:
        out.append(phrases.merge(["其中，", *items, "。"]))
    placements = Placement.objects.filter(
        record__status=Record.Status.APPROVED, record__start_date__gte=ctx.period.start,
        record__start_date__lte=ctx.period.end, outlet_level__in=["national", "provincial"],
    ).select_related("outlet", "record")
    if not ctx.is_root:
        placements = placements.filter(record__unit__path__startswith=ctx.unit.path)
    chosen = sorted(
        placements.order_by("-is_headline", "-is_front_page", "-is_long", "record__start_date", "id")[:50],
        key=lambda p: (LEVEL_ORDER.get(p.outlet_level, 9), not p.is_headline, not p.is_front_page, not p.is_long,
                       p.record.start_date, p.pk),
    )[: int(spec.get("max_titles", 3))]
    if chosen:
        outlets = list(dict.fromkeys(p.outlet.name for p in chosen))
        titles = "".join(f"《{p.article_title.strip('《》')}》" for p in chosen)
        filled = phrases.fill(str(spec.get("titles", "")), {**ctx.words(), "outlets": "、".join(outlets),
                                                           "titles": titles})
        if filled:
            out.append(filled)
    return out


def line_highlights(ctx: Context, line_key: str) -> list[list[Run]]:
    """Highlight sentences for a line (possibly none)."""
    if not ctx.options.highlights:
        return []
    spec = ctx.library.get("highlights", {}).get(line_key)
    if not isinstance(spec, dict):
        return []
    kind = spec.get("type")
    if kind == "largest_event":
        sentence = _record_sentence(ctx, spec, None)
        return [sentence] if sentence else []
    if kind == "top_post":
        sentence = _record_sentence(ctx, spec, list(spec.get("activity_types") or []))
        return [sentence] if sentence else []
    if kind == "placements":
        return _placement_sentences(ctx, spec)
    return []


def highlight_figures(sentences: list[list[Run]]) -> list[Figure]:
    return [r for s in sentences for r in s if isinstance(r, Figure)]

