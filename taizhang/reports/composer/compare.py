"""Comparisons with the same period last year and ranks among peer units: computed, never typed.

- Year on year: ``change_ratio`` of two ``compute`` results; the percentage is a Figure of kind "change".
- A unit's rank among its peers (siblings of the same kind family, e.g. streets and towns) from
  ``compute(by="unit")`` on the parent; the rank is a Figure of kind "rank" written in Chinese numerals.
- For a scope with enough peer children (the district): the top two units, each value a ledger Figure for that
  unit, and the units far below the peers' average (candidate problems).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from taizhang.ledger.figures import BreakdownRow, change_ratio
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.reports import sources
from taizhang.reports.composer.context import Context
from taizhang.reports.document import Figure


@dataclass
class Change:
    ratio: Decimal
    figure: Figure


def year_on_year(ctx: Context, metric: MetricDefinition) -> Change | None:
    """The change against the same period last year, or None without a base (last year zero)."""
    current, previous = ctx.current(metric), ctx.previous(metric)
    ratio = change_ratio(current.value, previous.value)
    if ratio is None:
        return None
    return Change(ratio, ctx.source_figure(ratio, sources.change_source(current, previous, ratio)))


def peer_group(ctx: Context, unit: Unit) -> dict[str, Any]:
    for group in ctx.library.get("peer_groups", []):
        if unit.kind in group.get("kinds", []):
            return dict(group)
    return {"kinds": [unit.kind], "label": "同级单位"}


@dataclass
class Rank:
    rank: int
    peers: int
    label: str
    figure: Figure


def unit_rank(ctx: Context, metric: MetricDefinition) -> Rank | None:
    """The scope unit's rank among its peer siblings, when it has enough peers."""
    unit = ctx.unit
    if unit.parent_id is None:
        return None
    parent = Unit.objects.get(pk=unit.parent_id)
    group = peer_group(ctx, unit)
    kinds = set(group["kinds"])
    peers = [u.code for u in Unit.objects.filter(parent=parent, is_active=True) if u.kind in kinds]
    if len(peers) < int(ctx.library.get("rank", {}).get("min_peers", 4)) or unit.code not in peers:
        return None
    result = ctx.by_unit(metric, parent)
    values = {row.key: row.value for row in result.breakdown if row.key in peers}
    if unit.code not in values or values[unit.code] <= 0:
        return None
    rank = 1 + sum(1 for v in values.values() if v > values[unit.code])
    source = sources.rank_source(result, unit, peers, rank)
    return Rank(rank, len(peers), str(group.get("label", "同级单位")), ctx.source_figure(Decimal(rank), source))


@dataclass
class PeerRows:
    label: str
    rows: list[tuple[Unit, BreakdownRow]]
    result: Any


def child_peers(ctx: Context, metric: MetricDefinition) -> PeerRows | None:
    """The scope's children in its largest peer group, with their values (None below min_peers)."""
    children = list(Unit.objects.filter(parent=ctx.unit, is_active=True).order_by("sort_order", "code"))
    if not children:
        return None
    minimum = int(ctx.library.get("rank", {}).get("min_peers", 4))
    groups: dict[str, list[Unit]] = {}
    labels: dict[str, str] = {}
    for child in children:
        group = peer_group(ctx, child)
        key = ",".join(group["kinds"])
        groups.setdefault(key, []).append(child)
        labels[key] = str(group.get("label", "同级单位"))
    # The first peer group of the library (streets and towns before bureaus …) with enough members.
    order = [",".join(g.get("kinds", [])) for g in ctx.library.get("peer_groups", [])]
    ranked_keys = sorted(groups, key=lambda k: order.index(k) if k in order else len(order))
    key = next((k for k in ranked_keys if len(groups[k]) >= minimum), "")
    if not key:
        return None
    members = groups[key]
    result = ctx.by_unit(metric, ctx.unit)
    rows = {row.key: row for row in result.breakdown}
    pairs = [(u, rows[u.code]) for u in members if u.code in rows]
    return PeerRows(labels[key], pairs, result)


def top_units(ctx: Context, metric: MetricDefinition, peers: PeerRows) -> list[Figure | str] | None:
    """The two peers with the highest values, as [name1, name2, figure1, figure2]; None when not meaningful."""
    ranked = sorted((p for p in peers.rows if p[1].value > 0), key=lambda p: (-p[1].value, p[0].sort_order, p[0].code))
    if len(ranked) < 3 or ranked[1][1].value <= ranked[-1][1].value:
        return None
    (u1, r1), (u2, r2) = ranked[0], ranked[1]
    return [u1.label, u2.label, ctx.row_figure(peers.result, r1, u1), ctx.row_figure(peers.result, r2, u2)]


def lagging_units(ctx: Context, peers: PeerRows) -> list[tuple[Unit, BreakdownRow]]:
    """Peers below `lagging_ratio` of the peers' average (at most two, lowest first)."""
    values = [row.value for _u, row in peers.rows]
    if not values or not any(values):
        return []
    mean = sum(values, Decimal(0)) / len(values)
    ratio = Decimal(str(ctx.library.get("problems", {}).get("lagging_ratio", "0.5")))
    low = [(u, row) for u, row in peers.rows if 0 < row.value < mean * ratio]
    low.sort(key=lambda p: (p[1].value, p[0].sort_order, p[0].code))
    return low[:2]
