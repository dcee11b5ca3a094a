"""Scoring a scheme version over a period: every peer unit's points per item, its score and its rank.

Where the numbers come from:
- ``metric`` items: `ledger.figures.compute(..., by="unit")` on the peers' parent (one call per outlet level).
- ``placement`` items: the per-record detail the points need (level, headline, front page, long piece, story key,
  credited units and shares) read from Placement / PlacementCredit rows of the records whose placement figure is
  effective in the period: the same approved-and-current rule as the figures function, record ids kept.
- ``target_completion`` items: `targets.progress` (itself over `compute`) against each peer's allocation.
- ``bonus`` / ``deduction`` items: approved Adjustment entries dated in the period.

Peers: the direct children of the version's `peer_parent` (default: the scheme's owner), each with its subtree,
split into ranking groups by unit kind. All arithmetic is Decimal; item points are rounded half-up to 0.01 and the
score is the sum of the rounded item points, so a unit's items always add up to its score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from taizhang.core.periods import Period
from taizhang.ledger.figures import compute, resolve_metric
from taizhang.ledger.models import LEVEL_ORDER, PlacementCredit, RecordFigure
from taizhang.org.models import Unit
from taizhang.targets import ranking
from taizhang.targets.allocation import split
from taizhang.targets.models import Adjustment, SchemeItem, SchemeVersion, Target
from taizhang.targets.rules import LEVEL_LABELS, dec

CENT = Decimal("0.01")
ZERO = Decimal(0)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    kinds: tuple[str, ...] = ()
    index: int = 0


@dataclass
class ItemScore:
    key: str
    name: str
    kind: str
    line_key: str
    value: Decimal = ZERO
    raw: Decimal = ZERO
    weight: Decimal = Decimal(1)
    points: Decimal = ZERO
    records: list[int] = field(default_factory=list)
    adjustments: list[int] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.key, "name": self.name, "points": str(self.points), "records": self.records,
                **({"adjustments": self.adjustments} if self.adjustments else {})}


@dataclass
class UnitScore:
    unit: Unit
    group: Group
    items: list[ItemScore]
    score: Decimal = ZERO
    tie_values: list[Decimal] = field(default_factory=list)
    rank: int = 0
    tied: bool = False
    tie_broken_by: str = ""
    position: int = 0

    @property
    def records(self) -> list[int]:
        return sorted({r for item in self.items for r in item.records})

    def item(self, key: str) -> ItemScore | None:
        return next((i for i in self.items if i.key == key), None)


@dataclass
class Assessment:
    version: SchemeVersion
    period: Period
    parent: Unit
    groups: list[Group]
    units: list[UnitScore]
    tie_rule: str
    tie_keys: list[str]

    def for_unit(self, code: str) -> UnitScore | None:
        return next((u for u in self.units if u.unit.code == code), None)

    def group_units(self, key: str) -> list[UnitScore]:
        return sorted((u for u in self.units if u.group.key == key), key=lambda u: u.position)

    def ordered(self) -> list[UnitScore]:
        """Group by group (in the scheme's order), best first within each."""
        return sorted(self.units, key=lambda u: (u.group.index, u.position))


# ---------------------------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------------------------
def groups_of(version: SchemeVersion) -> list[Group]:
    raw = version.groups or []
    groups = [Group(str(g.get("key") or f"g{i}"), str(g.get("name") or "参评单位"), tuple(g.get("kinds") or ()), i)
              for i, g in enumerate(raw, 1)]
    return groups or [Group("all", "参评单位")]


def peers(version: SchemeVersion) -> tuple[Unit, list[tuple[Unit, Group]]]:
    """The parent of the peers and each peer with its ranking group (units in no group are not assessed)."""
    parent = version.peer_parent or version.scheme.owner
    groups = groups_of(version)
    out: list[tuple[Unit, Group]] = []
    for child in Unit.objects.filter(parent=parent, is_active=True).order_by("sort_order", "code"):
        group = next((g for g in groups if not g.kinds or child.kind in g.kinds), None)
        if group is not None:
            out.append((child, group))
    return parent, out


def peer_of_units(parent: Unit, peer_ids: Iterable[int]) -> dict[int, int]:
    """unit id → the id of the peer (a child of `parent`) whose subtree holds it, for the whole subtree."""
    wanted = set(peer_ids)
    index = parent.depth + 2  # "/1/7/42/".split("/") → ["", "1", "7", "42", ""]
    out: dict[int, int] = {}
    for uid, path in Unit.objects.filter(path__startswith=parent.path).values_list("id", "path"):
        parts = path.split("/")
        if len(parts) > index + 1:
            peer = int(parts[index])
            if peer in wanted:
                out[uid] = peer
    return out


# ---------------------------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class _Acc:
    value: Decimal = ZERO
    raw: Decimal = ZERO
    records: list[int] = field(default_factory=list)
    adjustments: list[int] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


def _cap(acc: _Acc, cap: Decimal | None) -> None:
    if cap is not None and acc.raw > cap:
        acc.detail["capped_from"] = str(acc.raw)
        acc.raw = cap


def _metric_item(rule: dict[str, Any], period: Period, parent: Unit, peer_units: list[Unit]) -> dict[int, _Acc]:
    codes = {u.code: u.pk for u in peer_units}
    out = {u.pk: _Acc() for u in peer_units}
    for level in rule.get("outlet_levels") or [None]:
        result = compute(rule["metric"], period=period, unit=parent, by="unit", outlet_level=level,
                         activity_type=rule.get("activity_type") or None)
        for row in result.breakdown:
            if row.key in codes:
                acc = out[codes[row.key]]
                acc.value += row.value
                acc.records.extend(row.records)
    per = dec(rule.get("points_per")) or ZERO
    cap = dec(rule.get("cap"))
    for acc in out.values():
        acc.records.sort()
        acc.raw = acc.value * per
        _cap(acc, cap)
    return out


@dataclass(slots=True)
class PlacementRow:
    record_id: int
    level: str
    is_headline: bool
    is_front_page: bool
    is_long: bool
    story_key: str
    credits: list[tuple[int, Decimal]]  # (unit id, share)


def _raw(queryset: Any) -> list[tuple[Any, ...]]:
    """Rows straight from the cursor (no model or converter overhead on a year of placements)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def placement_rows(metric: str, period: Period) -> list[PlacementRow]:
    """Placements whose figure of `metric` is effective (approved, current) and dated in the period."""
    m = resolve_metric(metric)
    effective = RecordFigure.objects.filter(metric_id=m.pk, effective=True, date__gte=period.start,
                                            date__lte=period.end).values("record_id")
    # One row per credited unit (a placement without credits earns nothing, so the inner join loses nothing).
    credits = PlacementCredit.objects.filter(placement__record_id__in=effective).values_list(
        "placement_id", "placement__record_id", "placement__outlet_level", "placement__is_headline",
        "placement__is_front_page", "placement__is_long", "placement__story_key", "unit_id", "share")
    rows: dict[int, PlacementRow] = {}
    for pid, rid, level, headline, front, long_, story, uid, share in _raw(credits):
        row = rows.get(pid)
        if row is None:
            row = rows[pid] = PlacementRow(rid, level or "", bool(headline), bool(front), bool(long_), story or "", [])
        row.credits.append((uid, share if isinstance(share, Decimal) else Decimal(str(share))))
    for row in rows.values():
        if len(row.credits) > 1:
            row.credits.sort()
    return sorted(rows.values(), key=lambda r: r.record_id)


class PointTable:
    """A placement rule's points, computed once per combination of level and flags."""

    def __init__(self, rule: dict[str, Any]) -> None:
        self.base = {level: dec(v) or ZERO for level, v in (rule.get("points") or {}).items()}
        self.mults = [dec(rule.get(f)) or Decimal(1) for f in ("headline_multiplier", "front_page_multiplier",
                                                                "long_multiplier")]
        self.product = rule.get("multiplier_mode") == "product"
        self.cache: dict[tuple[str, bool, bool, bool], Decimal] = {}

    def points(self, row: PlacementRow) -> Decimal:
        key = (row.level, row.is_headline, row.is_front_page, row.is_long)
        found = self.cache.get(key)
        if found is None:
            mults = [m for m, on in zip(self.mults, key[1:], strict=True) if on]
            if not mults:
                factor = Decimal(1)
            elif self.product:
                factor = Decimal(1)
                for m in mults:
                    factor *= m
            else:
                factor = max(mults)
            found = self.cache[key] = q2(self.base.get(row.level, ZERO) * factor)
        return found


def placement_points(rule: dict[str, Any], row: PlacementRow) -> Decimal:
    """One placement's points before any split: the level's points times the applicable multipliers (all of them
    multiplied with multiplier_mode "product", else the largest)."""
    return PointTable(rule).points(row)


def dedupe_stories(rule: dict[str, Any], rows: list[PlacementRow],
                   table: PointTable | None = None) -> tuple[list[PlacementRow], dict[int, int]]:
    """The rows that count, and {dropped record id: kept record id}: one placement per story key, at its highest
    outlet level (then most points, then the earliest record)."""
    if rule.get("dedupe", "story_key_highest_level") != "story_key_highest_level":
        return rows, {}
    table = table or PointTable(rule)

    def key(r: PlacementRow) -> tuple[int, Decimal, int]:
        return (-LEVEL_ORDER.get(r.level, 9), table.points(r), -r.record_id)

    best: dict[str, PlacementRow] = {}
    singles: list[PlacementRow] = []
    for row in rows:
        if not row.story_key:
            singles.append(row)
            continue
        known = best.get(row.story_key)
        if known is None or key(row) > key(known):
            best[row.story_key] = row
    dropped = {row.record_id: best[row.story_key].record_id for row in rows
               if row.story_key and best[row.story_key] is not row}
    kept = sorted([*singles, *best.values()], key=lambda r: r.record_id)
    return kept, dropped


def credit_split(rule: dict[str, Any], points: Decimal, credits: list[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """A placement's points per credited unit: split by share to the cent (adding up exactly) or, without
    split_joint, the full points to each."""
    if len(credits) == 1:
        return {credits[0][0]: points}
    if not credits:
        return {}
    merged: dict[int, Decimal] = {}
    for uid, share in credits:
        merged[uid] = merged.get(uid, ZERO) + max(share, ZERO)
    if not rule.get("split_joint", True) or len(merged) == 1:
        return dict.fromkeys(merged, points)
    return split(points, list(merged.items()), CENT)


def _placement_item(rule: dict[str, Any], period: Period, peer_map: dict[int, int],
                    peer_units: list[Unit]) -> dict[int, _Acc]:
    out = {u.pk: _Acc(detail={"levels": {}}) for u in peer_units}
    table = PointTable(rule)
    kept, dropped = dedupe_stories(rule, placement_rows(rule.get("metric") or "placements", period), table)
    split_joint = bool(rule.get("split_joint", True))
    levels: dict[int, dict[str, int]] = {pk: defaultdict(int) for pk in out}
    headlines: dict[int, int] = defaultdict(int)

    def add(peer: int, portion: Decimal, row: PlacementRow) -> None:
        acc = out[peer]
        acc.raw += portion
        acc.value += 1
        acc.records.append(row.record_id)
        levels[peer][row.level] += 1
        if row.is_headline:
            headlines[peer] += 1

    for row in kept:
        pts = table.points(row)
        if len(row.credits) == 1:  # the common case: one credited unit, the full points
            peer = peer_map.get(row.credits[0][0])
            if peer is not None and peer in out:
                add(peer, pts, row)
            continue
        per_peer: dict[int, Decimal] = {}
        for uid, portion in credit_split(rule, pts, row.credits).items():
            peer = peer_map.get(uid)
            if peer is None or peer not in out:
                continue
            # Shares of several units under one peer add up; unsplit, a peer gets the full points once.
            per_peer[peer] = per_peer.get(peer, ZERO) + portion if split_joint else portion
        for peer, portion in per_peer.items():
            add(peer, portion, row)
    for peer, acc in out.items():
        acc.detail["levels"] = dict(sorted(levels[peer].items(), key=lambda kv: LEVEL_ORDER.get(kv[0], 9)))
        if headlines.get(peer):
            acc.detail["headlines"] = headlines[peer]
    cap = dec(rule.get("cap"))
    by_kept: dict[int, list[int]] = defaultdict(list)
    for dropped_id, kept_id in dropped.items():
        by_kept[kept_id].append(dropped_id)
    for acc in out.values():
        merged = sorted(rid for kept_id in acc.records for rid in by_kept.get(kept_id, ()))
        if merged:
            acc.detail["merged"] = merged
        _cap(acc, cap)
    return out


def _target_item(rule: dict[str, Any], period: Period, peer_units: list[Unit]) -> dict[int, _Acc]:
    from taizhang.targets import progress

    out = {u.pk: _Acc() for u in peer_units}
    target = Target.objects.filter(key=rule.get("target", ""), year=period.start.year).select_related(
        "metric", "activity_type").first()
    if target is None:
        for acc in out.values():
            acc.detail["missing"] = f"{period.start.year}年没有标识为“{rule.get('target')}”的目标"
        return out
    allocations = {a.unit_id: a.value for a in target.allocations.filter(unit_id__in=list(out))}
    with_target = [u for u in peer_units if u.pk in allocations]
    clipped = Period(max(period.start, period.start.replace(month=1, day=1)),
                     min(period.end, period.start.replace(month=12, day=31)), period.spec, period.kind)
    actuals = progress.actuals_by_unit(target, clipped, with_target)
    fraction = progress.plan_fraction(target, clipped.start, clipped.end)
    full = dec(rule.get("points")) or ZERO
    max_ratio = dec(rule.get("max_ratio")) or Decimal(1)
    for u in peer_units:
        acc = out[u.pk]
        if u.pk not in allocations:
            acc.detail["missing"] = "未分解目标"
            continue
        planned = allocations[u.pk] * fraction
        act = actuals[u.pk]
        acc.value = act.value
        acc.records = act.records
        ratio = min(act.value / planned, max_ratio) if planned > 0 else (max_ratio if act.value > 0 else ZERO)
        acc.raw = full * ratio
        acc.detail.update({"target": target.key, "planned": str(q2(planned)),
                           "completion": str((ratio * 100).quantize(Decimal("0.1"), ROUND_HALF_UP))})
    return out


def _manual_item(item: SchemeItem, rule: dict[str, Any], period: Period, version: SchemeVersion,
                 peer_map: dict[int, int], peer_units: list[Unit]) -> dict[int, _Acc]:
    out = {u.pk: _Acc() for u in peer_units}
    rows = Adjustment.objects.filter(
        scheme_id=version.scheme_id, item_key=item.key, direction=item.kind, status=Adjustment.Status.APPROVED,
        date__gte=period.start, date__lte=period.end,
    ).order_by("id").values_list("id", "unit_id", "points", "record_id")
    for aid, uid, pts, record_id in rows:
        peer = peer_map.get(uid)
        if peer is None or peer not in out:
            continue
        acc = out[peer]
        acc.value += Decimal(pts)
        acc.adjustments.append(aid)
        if record_id:
            acc.records.append(record_id)
    cap = dec(rule.get("max"))
    for acc in out.values():
        acc.raw = min(acc.value, cap) if cap is not None else acc.value
        if cap is not None and acc.value > cap:
            acc.detail["capped_from"] = str(acc.value)
        if item.kind == SchemeItem.Kind.DEDUCTION:
            acc.raw = -acc.raw
        acc.records.sort()
    return out


# ---------------------------------------------------------------------------------------------------------------
# The assessment
# ---------------------------------------------------------------------------------------------------------------
def tie_key_label(key: str, items: dict[str, str]) -> str:
    kind, _sep, arg = key.partition(":")
    if kind == "item":
        return f"{items.get(arg, arg)}得分"
    if kind == "placements":
        return f"{LEVEL_LABELS.get(arg, arg)}媒体用稿数"
    return key


def _tie_value(key: str, unit: UnitScore) -> Decimal:
    kind, _sep, arg = key.partition(":")
    if kind == "item":
        found = unit.item(arg)
        return found.points if found else ZERO
    if kind == "placements":
        return Decimal(sum(i.detail.get("levels", {}).get(arg, 0) for i in unit.items if i.kind == "placement"))
    return ZERO


def assess(version: SchemeVersion, period: Period) -> Assessment:
    """Score and rank every peer unit for the period with this scheme version (reads only)."""
    parent, peer_list = peers(version)
    peer_units = [u for u, _g in peer_list]
    peer_map = peer_of_units(parent, [u.pk for u in peer_units])
    items = list(version.items.select_related("line").order_by("sort_order", "id"))
    per_item: list[tuple[SchemeItem, dict[int, _Acc]]] = []
    for item in items:
        rule = item.rule or {}
        if item.kind == SchemeItem.Kind.METRIC:
            accs = _metric_item(rule, period, parent, peer_units)
        elif item.kind == SchemeItem.Kind.PLACEMENT:
            accs = _placement_item(rule, period, peer_map, peer_units)
        elif item.kind == SchemeItem.Kind.TARGET:
            accs = _target_item(rule, period, peer_units)
        else:
            accs = _manual_item(item, rule, period, version, peer_map, peer_units)
        per_item.append((item, accs))
    units: list[UnitScore] = []
    for unit, group in peer_list:
        scores = []
        for item, accs in per_item:
            acc = accs[unit.pk]
            line_key = item.line.key if item.line is not None else ""
            weight = version.weight_for(line_key) if line_key else Decimal(1)
            scores.append(ItemScore(
                key=item.key, name=item.name, kind=item.kind, line_key=line_key, value=acc.value, raw=acc.raw,
                weight=weight, points=q2(acc.raw * weight), records=acc.records, adjustments=acc.adjustments,
                detail=acc.detail,
            ))
        units.append(UnitScore(unit=unit, group=group, items=scores, score=sum((s.points for s in scores), ZERO)))
    tie_keys = list(version.tie_keys or []) if version.tie_rule == "secondary" else []
    for u in units:
        u.tie_values = [_tie_value(k, u) for k in tie_keys]
    names = {i.key: i.name for i in items}
    groups = groups_of(version)
    for group in groups:
        members = [u for u in units if u.group.key == group.key]
        entries = [ranking.Entry(key=u.unit.pk, score=u.score, tie_values=u.tie_values,
                                 order=(u.unit.sort_order, u.unit.code)) for u in members]
        by_id = {u.unit.pk: u for u in members}
        for r in ranking.rank(entries, version.tie_rule, tie_keys):
            u = by_id[r.key]
            u.rank, u.tied, u.position = r.rank, r.tied, r.position
            u.tie_broken_by = tie_key_label(r.tie_broken_by, names) if r.tie_broken_by else ""
    return Assessment(version=version, period=period, parent=parent, groups=[g for g in groups if any(
        u.group.key == g.key for u in units)], units=units, tie_rule=version.tie_rule, tie_keys=tie_keys)


def level_counts(unit: UnitScore) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in unit.items:
        for level, n in item.detail.get("levels", {}).items():
            counts[level] += n
    return dict(counts)
