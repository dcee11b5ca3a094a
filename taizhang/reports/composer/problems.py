"""Candidate problems (存在的问题) for the user to accept or drop.

Found in the data: a figure falling against the same period last year, peer units far below average, a unit's
low rank, a target behind schedule. Each becomes a sentence from the library (``problems``) with its figures.
The lines' own ``problem_phrases`` are offered as well (qualitative, no figures). The first few, most severe
first, are accepted by default so a draft never has an empty 存在的问题; the user changes that in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from taizhang.ledger.models import LineOfWork, MetricDefinition
from taizhang.reports.composer import phrases
from taizhang.reports.composer.compare import PeerRows, Rank, lagging_units
from taizhang.reports.composer.context import Context
from taizhang.reports.document import Figure, Run


@dataclass
class Candidate:
    key: str
    kind: str  # falling | lagging | rank_low | target | phrase
    line: str
    runs: list[Run]
    severity: Decimal = Decimal(0)
    accepted: bool = False
    figures: list[Figure] = field(default_factory=list)

    @property
    def text(self) -> str:
        return phrases.text_of(self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "line": self.line, "accepted": self.accepted,
            "severity": str(self.severity), "text": self.text,
            "runs": [{"figure": r.to_dict()} if isinstance(r, Figure) else r for r in self.runs],
        }

    @staticmethod
    def runs_from_dict(data: dict[str, Any]) -> list[Run]:
        out: list[Run] = []
        for item in data.get("runs") or []:
            out.append(Figure.from_dict(item["figure"]) if isinstance(item, dict) else str(item))
        return out


def _template(ctx: Context, name: str) -> str:
    return str(ctx.library.get("problems", {}).get(name, ""))


def falling(ctx: Context, line: LineOfWork, metric: MetricDefinition, ratio: Decimal,
            change: Figure) -> Candidate | None:
    threshold = Decimal(str(ctx.library.get("problems", {}).get("min_fall", "5")))
    if ratio > -threshold:
        return None
    runs = phrases.fill(_template(ctx, "falling"), {
        **ctx.words(), "line": line.name, "metric": metric.name, "value": ctx.figure(ctx.current(metric)),
        "change": change,
    })
    if runs is None:
        return None
    return Candidate(f"falling:{metric.key}", "falling", line.key, runs, severity=-ratio)


def lagging(ctx: Context, line: LineOfWork, metric: MetricDefinition, peers: PeerRows) -> Candidate | None:
    low = lagging_units(ctx, peers)
    if not low:
        return None
    values: dict[str, Any] = {**ctx.words(), "line": line.name, "metric": metric.name, "peers": peers.label}
    for i, (unit, row) in enumerate(low, 1):
        values[f"unit{i}"] = unit.label
        values[f"value{i}"] = ctx.row_figure(peers.result, row, unit)
    runs = phrases.fill(_template(ctx, "lagging_one" if len(low) == 1 else "lagging_many"), values)
    if runs is None:
        return None
    mean = sum((row.value for _u, row in peers.rows), Decimal(0)) / max(1, len(peers.rows))
    severity = (Decimal(1) - low[0][1].value / mean) * 20 if mean else Decimal(0)
    return Candidate(f"lagging:{metric.key}", "lagging", line.key, runs, severity=severity.quantize(Decimal("0.1")))


def rank_low(ctx: Context, line: LineOfWork, metric: MetricDefinition, rank: Rank) -> Candidate | None:
    if rank.rank * 3 <= rank.peers * 2:
        return None
    runs = phrases.fill(_template(ctx, "rank_low"), {
        **ctx.words(), "line": line.name, "metric": metric.name, "peers": rank.label, "rank": rank.figure,
    })
    if runs is None:
        return None
    return Candidate(f"rank:{metric.key}", "rank_low", line.key, runs, severity=Decimal(rank.rank * 10 // rank.peers))


def line_phrases(ctx: Context, line: LineOfWork, primary: MetricDefinition | None) -> list[Candidate]:
    out = []
    for i, text in enumerate(line.problem_phrases or []):
        if phrases.literal_numbers(str(text)):
            continue
        values = {**ctx.words(), "line": line.name, "metric": primary.name if primary else line.name}
        runs = phrases.fill(str(text), values)
        if runs:
            out.append(Candidate(f"phrase:{line.key}:{i}", "phrase", line.key, runs))
    return out


def choose(candidates: list[Candidate], generic: list[Candidate], default_accepted: int) -> list[Candidate]:
    """Data-driven candidates (most severe first), then the phrases; the first `default_accepted` accepted."""
    ranked = sorted(candidates, key=lambda c: (-c.severity, c.key))
    # The most severe of each kind first (a target behind schedule: what the unit is assessed on; a fall, a low
    # rank, lagging units), then the rest; one problem per line of work among those.
    kinds = ["target", "falling", "rank_low", "lagging"]
    heads = [next(c for c in ranked if c.kind == k) for k in kinds if any(c.kind == k for c in ranked)]
    seen_lines: set[str] = set()
    first: list[Candidate] = []
    rest: list[Candidate] = []
    for cand in heads + [c for c in ranked if c not in heads]:
        (rest if cand.line in seen_lines else first).append(cand)
        seen_lines.add(cand.line)
    ordered = first + rest
    fill_lines = [c for c in generic if c.line not in {x.line for x in ordered[:default_accepted]}]
    unique_generic: list[Candidate] = []
    used: set[str] = set()
    for cand in fill_lines + [c for c in generic if c not in fill_lines]:
        if cand.key not in used:
            unique_generic.append(cand)
            used.add(cand.key)
    result = ordered + unique_generic
    for i, cand in enumerate(result):
        cand.accepted = i < default_accepted
    return result
