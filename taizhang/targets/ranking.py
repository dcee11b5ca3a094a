"""Ranking with explicit tie rules (pure functions).

- ``competition`` (default): equal scores share a rank and the next rank skips (1, 2, 2, 4).
- ``dense``: equal scores share a rank and the next rank follows (1, 2, 2, 3).
- ``secondary``: equal scores are separated by the secondary keys in order (each: higher is better); entries still
  equal on every key share a rank, competition style. Each entry records the key that fixed its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TIE_RULES = ("competition", "dense", "secondary")


@dataclass
class Entry:
    key: Any
    score: Decimal
    tie_values: Sequence[Decimal] = ()
    order: Any = 0  # display order among entries of equal rank (unit sort order, code)


@dataclass
class Ranked:
    key: Any
    score: Decimal
    rank: int
    tied: bool
    tie_broken_by: str = ""
    position: int = 0
    tie_values: list[Decimal] = field(default_factory=list)


def rank(entries: Sequence[Entry], rule: str = "competition", tie_keys: Sequence[str] = ()) -> list[Ranked]:
    """Entries ranked (best first). `tie_keys` names the entries' tie_values, in order (rule "secondary")."""
    if rule not in TIE_RULES:
        raise ValueError(f"未知的并列规则：{rule}")
    use_keys = rule == "secondary" and bool(tie_keys)
    n_keys = len(tie_keys) if use_keys else 0

    def full(e: Entry) -> tuple[Decimal, ...]:
        values = list(e.tie_values)[:n_keys]
        values += [Decimal(0)] * (n_keys - len(values))
        return (e.score, *values)

    ordered = sorted(entries, key=lambda e: (tuple(-v for v in full(e)), e.order))
    tuples = [full(e) for e in ordered]
    counts: dict[tuple[Decimal, ...], int] = {}
    for t in tuples:
        counts[t] = counts.get(t, 0) + 1
    by_score: dict[Decimal, list[int]] = {}
    for i, e in enumerate(ordered):
        by_score.setdefault(e.score, []).append(i)
    out: list[Ranked] = []
    first_of: dict[tuple[Decimal, ...], int] = {}
    dense_rank = 0
    previous_score: Decimal | None = None
    for i, e in enumerate(ordered):
        key_tuple = tuples[i]
        first_of.setdefault(key_tuple, i)
        if e.score != previous_score:
            dense_rank += 1
            previous_score = e.score
        position_rank = dense_rank if rule == "dense" else first_of[key_tuple] + 1
        broken_by = ""
        if use_keys and len(by_score[e.score]) > 1:
            broken_by = _broken_by(key_tuple, [tuples[j] for j in by_score[e.score] if j != i], tie_keys)
        out.append(Ranked(key=e.key, score=e.score, rank=position_rank, tied=counts[key_tuple] > 1,
                          tie_broken_by=broken_by, position=i + 1, tie_values=list(key_tuple[1:])))
    return out


def _broken_by(mine: tuple[Decimal, ...], others: list[tuple[Decimal, ...]], tie_keys: Sequence[str]) -> str:
    """The secondary key that set an entry apart from the others with its score (the last key that narrowed its
    group); "" when no key separated it from any of them."""
    used = ""
    group = others
    for k, name in enumerate(tie_keys, start=1):
        narrowed = [o for o in group if o[k] == mine[k]]
        if len(narrowed) < len(group):
            used = name
        group = narrowed
        if not group:
            break
    return used
