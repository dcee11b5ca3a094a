"""The anomaly rules (刷票识别) as pure functions over a poll's valid votes: each returns {vote id: Chinese reason}.

Parameters come from `AnomalyRule.params` (data, editable by the district's staff; defaults in models.DEFAULT_RULES):

* burst (短时激增): votes for one option in a window of `window_minutes` >= `min_votes` and >= `factor` times the
  option's average per window over the rest of the poll (at least 1): the votes for it in that window from
  addresses that sent at least `min_per_source` of them (1: every vote in the window).
* address (同一网络地址): >= `max_votes` votes from one address digest within any `window_minutes`.
* device (同一设备): one device digest voting for >= `max_per_day` different people in one day.
* timing (间隔规律): from one address in a day, `min_votes` consecutive votes whose intervals have a coefficient
  of variation below `max_cv` (or are all identical): a script, not people.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.utils import timezone

PARAMS: dict[str, dict[str, tuple[type, float, float]]] = {
    "burst": {"window_minutes": (int, 1, 1440), "min_votes": (int, 2, 1_000_000), "factor": (float, 1, 10_000),
              "min_per_source": (int, 1, 1_000_000)},
    "address": {"window_minutes": (int, 1, 1440), "max_votes": (int, 2, 1_000_000)},
    "device": {"max_per_day": (int, 2, 1_000_000)},
    "timing": {"min_votes": (int, 3, 100_000), "max_cv": (float, 0, 10)},
}


class VoteRow(NamedTuple):
    id: int
    option_id: int
    cast_at: datetime.datetime
    address_hash: str
    device_hash: str
    voter_key: str


def clean_params(key: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The rule's parameters converted to numbers, and the Chinese errors of those that are missing or out of range."""
    errors: list[str] = []
    cleaned: dict[str, Any] = {}
    for name, (kind, low, high) in PARAMS.get(key, {}).items():
        try:
            value = kind(params[name])
        except (KeyError, TypeError, ValueError, OverflowError):
            errors.append(f"缺少或无效的参数：{name}")
            continue
        if not low <= value <= high:  # NaN fails too
            errors.append(f"参数 {name} 应在 {low:g} 至 {high:g} 之间")
        cleaned[name] = value
    return cleaned, errors


def _ts(v: VoteRow) -> float:
    return v.cast_at.timestamp()


def burst(votes: list[VoteRow], params: dict[str, Any], opens_at: datetime.datetime) -> dict[int, str]:
    width = int(params["window_minutes"]) * 60
    min_votes, factor = int(params["min_votes"]), float(params["factor"])
    per_source = int(params.get("min_per_source", 1))
    if not votes:
        return {}
    start = opens_at.timestamp()
    last_bucket = int((max(_ts(v) for v in votes) - start) // width)
    buckets: dict[tuple[int, int], list[VoteRow]] = defaultdict(list)
    per_option: dict[int, int] = defaultdict(int)
    for v in votes:
        buckets[(v.option_id, int((_ts(v) - start) // width))].append(v)
        per_option[v.option_id] += 1
    out: dict[int, str] = {}
    for (option_id, b), rows in buckets.items():
        n = len(rows)
        baseline = max(1.0, (per_option[option_id] - n) / max(1, last_bucket))
        if n >= min_votes and n >= factor * baseline:
            at = timezone.localtime(datetime.datetime.fromtimestamp(start + b * width, tz=datetime.UTC))
            reason = (f"{at:%m-%d %H:%M} 起{width // 60}分钟内得 {n} 票，"
                      f"为平常每{width // 60}分钟 {baseline:.1f} 票的 {n / baseline:.0f} 倍")
            # within the burst, the votes of sources (addresses) that sent at least per_source of them: people who
            # happened to vote in those minutes from their own address keep their vote
            sources = Counter(r.address_hash for r in rows)
            out.update({r.id: reason for r in rows if not r.address_hash or sources[r.address_hash] >= per_source})
    return out


def _groups(votes: Iterable[VoteRow], attr: str) -> dict[str, list[VoteRow]]:
    groups: dict[str, list[VoteRow]] = defaultdict(list)
    for v in votes:
        key = getattr(v, attr)
        if key:
            groups[key].append(v)
    for rows in groups.values():
        rows.sort(key=lambda r: (r.cast_at, r.id))
    return groups


def address(votes: list[VoteRow], params: dict[str, Any], opens_at: datetime.datetime) -> dict[int, str]:
    width, limit = int(params["window_minutes"]) * 60, int(params["max_votes"])
    out: dict[int, str] = {}
    for digest, rows in _groups(votes, "address_hash").items():
        if len(rows) < limit:
            continue
        times = [_ts(r) for r in rows]
        j = 0
        flagged: set[int] = set()
        most = 0
        for i in range(len(rows)):
            j = max(j, i)
            while j < len(rows) and times[j] < times[i] + width:
                j += 1
            if j - i >= limit:
                flagged.update(range(i, j))
                most = max(most, j - i)
        if flagged:
            reason = f"同一网络地址（{digest[:6]}…）{width // 60}分钟内投票 {most} 次，达到上限 {limit}"
            out.update({rows[k].id: reason for k in flagged})
    return out


def device(votes: list[VoteRow], params: dict[str, Any], opens_at: datetime.datetime) -> dict[int, str]:
    limit = int(params["max_per_day"])
    out: dict[int, str] = {}
    by_day: dict[tuple[str, datetime.date], list[VoteRow]] = defaultdict(list)
    for v in votes:
        if v.device_hash:
            by_day[(v.device_hash, timezone.localdate(v.cast_at))].append(v)
    for (digest, day), rows in by_day.items():
        people = len({r.voter_key for r in rows})
        if people >= limit:
            reason = f"同一设备（{digest[:6]}…）{day:%m-%d} 为 {people} 个手机号投票，达到上限 {limit}"
            out.update({r.id: reason for r in rows})
    return out


def timing(votes: list[VoteRow], params: dict[str, Any], opens_at: datetime.datetime) -> dict[int, str]:
    k, max_cv = int(params["min_votes"]), float(params["max_cv"])
    out: dict[int, str] = {}
    by_day: dict[tuple[str, datetime.date], list[VoteRow]] = defaultdict(list)
    for digest, rows in _groups(votes, "address_hash").items():
        for r in rows:
            by_day[(digest, timezone.localdate(r.cast_at))].append(r)
    for (digest, _day), rows in by_day.items():
        if len(rows) < k:
            continue
        gaps = [_ts(b) - _ts(a) for a, b in itertools.pairwise(rows)]
        m = k - 1  # intervals in a run of k votes
        s = sum(gaps[:m])
        sq = sum(g * g for g in gaps[:m])
        flagged: set[int] = set()
        lowest = math.inf
        for start in range(len(gaps) - m + 1):
            if start:
                old, new = gaps[start - 1], gaps[start + m - 1]
                s += new - old
                sq += new * new - old * old
            mean = s / m
            var = max(0.0, sq / m - mean * mean)
            cv = 0.0 if mean <= 1e-9 else math.sqrt(var) / mean
            if cv < max_cv or mean <= 1e-9:
                flagged.update(range(start, start + k))
                lowest = min(lowest, cv)
        if flagged:
            reason = (f"同一网络地址（{digest[:6]}…）连续 {k} 票以上间隔几乎相同"
                      f"（变异系数 {lowest:.2f}，阈值 {max_cv:g}）")
            out.update({rows[i].id: reason for i in flagged})
    return out


RULES = {"burst": burst, "address": address, "device": device, "timing": timing}


def evaluate(rules: Iterable[Any], votes: list[VoteRow], *, opens_at: datetime.datetime) -> dict[str, dict[int, str]]:
    """{rule key: {vote id: reason}}; a vote appears under the first rule (in order) that flags it."""
    taken: set[int] = set()
    out: dict[str, dict[int, str]] = {}
    for rule in rules:
        fn = RULES.get(rule.key)
        if fn is None:
            continue
        hits = {vid: reason for vid, reason in fn(votes, rule.params, opens_at).items() if vid not in taken}
        taken.update(hits)
        out[rule.key] = hits
    return out
