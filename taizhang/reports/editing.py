"""Editing a paragraph of a draft without losing the figures' sources.

A paragraph is edited as text in which each figure is a token ``⟦f12：604场⟧`` (the browser shows it as a locked
chip; without scripts the token is visible and only its id counts: changing the words inside does nothing).
A new figure from the metric picker is ``⟦+lecture_events⟧`` (``⟦+placements@national⟧`` for one outlet level);
it is computed from the ledger when the paragraph is saved.

Plain text may not bring in numbers: :func:`unsourced_numbers` finds them (as the checker does), and saving
either refuses with a Chinese message or, when the user asks, turns each into 【待核实：原文“…”】.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from taizhang.reports.checker import PENDING_RE, bare_numbers
from taizhang.reports.composer.phrases import merge
from taizhang.reports.document import Figure, Run
from taizhang.reports.extract import extract

TOKEN_RE = re.compile(r"⟦(?P<ref>\+?[A-Za-z0-9_]+(?:@[a-z_]+)?)(?:[：:][^⟧]*)?⟧")


def runs_to_tokens(runs: list[Run]) -> str:
    return "".join(f"⟦{r.id}：{r.text}⟧" if isinstance(r, Figure) else r for r in runs)


@dataclass
class Parsed:
    runs: list[Run]
    unknown: list[str]


def tokens_to_runs(text: str, figures: Mapping[str, Figure], new_figure: Callable[[str], Figure | None]) -> Parsed:
    """Runs for edited text: known ids keep their figure, ``+metric`` refs get a new one, others are reported."""
    runs: list[Run] = []
    unknown: list[str] = []
    pos = 0
    for match in TOKEN_RE.finditer(text):
        runs.append(text[pos : match.start()])
        ref = match.group("ref")
        figure = new_figure(ref[1:]) if ref.startswith("+") else figures.get(ref)
        if figure is None:
            unknown.append(ref)
        else:
            runs.append(figure)
        pos = match.end()
    runs.append(text[pos:])
    cleaned: list[Run] = [r if isinstance(r, Figure) else r.replace("⟦", "").replace("⟧", "").replace("\n", "")
                          for r in runs]
    return Parsed(merge(cleaned), unknown)


def unsourced_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of numbers in plain text (figures as extract reads them, and bare Arabic numbers)."""
    masked = PENDING_RE.sub(lambda m: "·" * len(m.group()), text)
    figures = sorted(f.span for f in extract(masked))
    starts = [s for s, _e in figures]
    spans = list(figures)
    for start, end in bare_numbers(masked):
        # figures do not overlap: only the one starting at or before `start` can hold it (linear, not n × m)
        i = bisect_right(starts, start) - 1
        if i < 0 or not (figures[i][0] <= start < figures[i][1]):
            spans.append((start, end))
    return sorted(spans)


def mark_unsourced(runs: list[Run]) -> list[Run]:
    """Each number in the plain text replaced by 【待核实：原文“…”】."""
    out: list[Run] = []
    for run in runs:
        if isinstance(run, Figure):
            out.append(run)
            continue
        text = run
        for start, end in reversed(unsourced_numbers(text)):
            text = f"{text[:start]}【待核实：原文“{text[start:end]}”】{text[end:]}"
        out.append(text)
    return merge(out)


def numbers_in(runs: list[Run]) -> list[str]:
    found: list[str] = []
    for run in runs:
        if isinstance(run, str):
            found.extend(run[s:e] for s, e in unsourced_numbers(run))
    return found
