"""Score extract() and find_slots() on the hand-annotated real summaries in this folder (see README.md).

Pure Python: the metric vocabulary is the shipped taxonomy (load_metric_aliases()), no database.
``score(part)`` returns the figures bench/bench_extract_eval.py prints and test_extract_eval.py checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from taizhang.reports.extract import ExtractedFigure, extract, load_metric_aliases
from taizhang.reports.slots import find_slots

HERE: Final = Path(__file__).resolve().parent
PARTS: Final = ("dev", "heldout", "heldout2", "heldout3")
#: a mapping below this confidence is "unsure": the import page asks a person (same as actions.SURE_CONFIDENCE)
SURE: Final = 0.6


@dataclass
class Gold:
    text: str
    value: Decimal
    metric: str | None
    level: str | None
    change: bool
    approx: bool
    role: str
    part_of: str | None
    span: tuple[int, int]


@dataclass
class Counts:
    items: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    value_right: int = 0
    metric_mapped: int = 0  # sure mappings of matched figures whose gold metric is known (not "?")
    metric_right: int = 0
    metric_wanted: int = 0  # gold figures with a real metric
    metric_found: int = 0  # ... that got it, surely
    unsure: int = 0  # matched figures left for a person to confirm
    level_total: int = 0
    level_right: int = 0
    change_total: int = 0
    change_right: int = 0
    changes_gold: int = 0
    changes_found: int = 0
    approx_total: int = 0
    approx_right: int = 0
    role_total: int = 0
    role_right: int = 0
    nested_gold: int = 0
    nested_found: int = 0
    slots_equals: int = 0
    slots_equals_found: int = 0
    slots_blank: int = 0
    slots_blank_found: int = 0
    errors: list[str] = field(default_factory=list)

    def ratio(self, a: str, b: str) -> float:
        den = getattr(self, b)
        return getattr(self, a) / den if den else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "gold figures": self.gold,
            "figure precision": round(self.ratio("matched", "predicted"), 3),
            "figure recall": round(self.ratio("matched", "gold"), 3),
            "values right": round(self.ratio("value_right", "matched"), 3),
            "metric accuracy (of sure mappings)": round(self.ratio("metric_right", "metric_mapped"), 3),
            "sure mappings": self.metric_mapped,
            "metric coverage (right and sure / with a metric)": round(self.ratio("metric_found", "metric_wanted"), 3),
            "left to a person": self.unsure,
            "outlet level accuracy (placements)": round(self.ratio("level_right", "level_total"), 3),
            "placements with a level": self.level_total,
            "change vs level accuracy": round(self.ratio("change_right", "change_total"), 3),
            "changes found": f"{self.changes_found}/{self.changes_gold}",
            "approximate flag accuracy": round(self.ratio("approx_right", "approx_total"), 3),
            "result/requirement/first accuracy": round(self.ratio("role_right", "role_total"), 3),
            "nested figures recognised": f"{self.nested_found}/{self.nested_gold}",
            "slot recall (=== runs)": round(self.ratio("slots_equals_found", "slots_equals"), 3),
            "slot recall (blanks)": round(self.ratio("slots_blank_found", "slots_blank"), 3),
        }


def load(part: str) -> list[dict[str, Any]]:
    data = json.loads((HERE / f"{part}.json").read_text(encoding="utf-8"))
    return list(data["items"])


def _gold(item: dict[str, Any]) -> list[Gold]:
    text = item["text"]
    out = []
    cursor = 0
    for g in item["figures"]:
        at = text.find(g["text"], cursor)
        if at < 0:
            raise ValueError(f"{item['id']}: {g['text']!r} not in the text after {cursor}")
        cursor = at + len(g["text"])
        out.append(
            Gold(
                g["text"],
                Decimal(str(g["value"])),
                g.get("metric"),
                g.get("level"),
                bool(g.get("change")),
                bool(g.get("approx")),
                g.get("role", "result"),
                g.get("part_of"),
                (at, cursor),
            )
        )
    return out


def _sure(f: ExtractedFigure) -> bool:
    sure = getattr(f, "sure", None)
    if sure is not None:
        return bool(sure)
    return f.metric is not None and f.confidence >= SURE


def _score_figures(item: dict[str, Any], aliases: Any, c: Counts) -> None:
    gold = _gold(item)
    predicted = extract(item["text"], aliases)
    c.items += 1
    c.gold += len(gold)
    c.predicted += len(predicted)
    used: set[int] = set()
    for g in gold:
        match = next(
            (i for i, f in enumerate(predicted) if i not in used and f.span[0] < g.span[1] and g.span[0] < f.span[1]),
            None,
        )
        if g.metric not in (None, "?") and g.role == "result":
            c.metric_wanted += 1
        if g.change:
            c.changes_gold += 1
        if g.part_of:
            c.nested_gold += 1
        if match is None:
            c.errors.append(f"{item['id']} missed {g.text}")
            continue
        used.add(match)
        f = predicted[match]
        c.matched += 1
        c.value_right += f.value == g.value
        if f.value != g.value:
            c.errors.append(f"{item['id']} {g.text}: value {f.value} != {g.value}")
        role = getattr(f, "role", "result")
        c.role_total += 1
        c.role_right += (role == "result") == (g.role == "result")
        sure = _sure(f) and role == "result"
        if f.metric is not None and not sure:
            c.unsure += 1
        if g.metric != "?" and sure:
            c.metric_mapped += 1
            c.metric_right += f.metric == g.metric
            if f.metric != g.metric:
                c.errors.append(f"{item['id']} {g.text}: metric {f.metric} != {g.metric} ({f.subject})")
        if sure and g.metric not in (None, "?") and f.metric == g.metric and g.role == "result":
            c.metric_found += 1
        level = getattr(f, "outlet_level", None) or None
        if g.metric == "placements" and g.level not in (None, "?"):
            c.level_total += 1
            c.level_right += level == g.level
            if level != g.level:
                c.errors.append(f"{item['id']} {g.text}: level {level} != {g.level}")
        change = bool(getattr(f, "change", ""))
        c.change_total += 1
        c.change_right += change == g.change
        c.changes_found += change and g.change
        if change != g.change:
            c.errors.append(f"{item['id']} {g.text}: change {change} != {g.change}")
        approx = bool(getattr(f, "approximate", False))
        c.approx_total += 1
        c.approx_right += approx == g.approx
        if approx != g.approx:
            c.errors.append(f"{item['id']} {g.text}: approximate {approx} != {g.approx}")
        if g.part_of:
            c.nested_found += bool(getattr(f, "part_of", None) is not None)
    for i, f in enumerate(predicted):
        if i not in used:
            c.errors.append(f"{item['id']} extra {f.text}")


_DIGITS: Final = re.compile(r"\d+(?:\.\d+)?")


def _score_slots(item: dict[str, Any], c: Counts) -> None:
    """Templates made from the item: every Arabic figure's digits replaced by '=' (one per digit), then by a gap
    of spaces, as shared templates hide them. Recall: a slot overlaps the hidden digits."""
    text = item["text"]
    gold = [g for g in _gold(item) if _DIGITS.search(g.text)]
    for mark in ("=", " "):
        pieces = []
        cursor = 0
        hidden: list[tuple[int, int]] = []
        length = 0
        for g in gold:
            m = _DIGITS.search(g.text)
            assert m is not None
            start, end = g.span[0] + m.start(), g.span[0] + m.end()
            pieces.append(text[cursor:start])
            length += start - cursor
            digits = text[start:end]
            masked = "".join("." if ch == "." and mark == "=" else mark for ch in digits) if mark == "=" else "  "
            hidden.append((length, length + len(masked)))
            pieces.append(masked)
            length += len(masked)
            cursor = end
        pieces.append(text[cursor:])
        template = "".join(pieces)
        slots = find_slots(template)
        found = sum(any(s.span[0] < e and b < max(s.span[1], s.span[0] + 1) for s in slots) for b, e in hidden)
        if mark == "=":
            c.slots_equals += len(hidden)
            c.slots_equals_found += found
        else:
            c.slots_blank += len(hidden)
            c.slots_blank_found += found


def score(part: str) -> Counts:
    aliases = load_metric_aliases()
    counts = Counts()
    for item in load(part):
        _score_figures(item, aliases, counts)
        _score_slots(item, counts)
    return counts
