"""One value per concept: which metrics of a line of work count the same thing, and which one a document writes.

A line of work may hold a metric units report in the ledger (``source`` REPORTED: 志愿服务队伍数, 新闻发布会场次)
and a metric an app computes from its own rows (``source`` COMPUTED: 志愿服务队伍, 召开新闻发布会). Both are right
about their own source, but a summary that writes both says two things about one concept. The rule:

- Two metrics of the **same line**, one reported and one computed, are the same concept when their normalised
  names are equal or one's normalised name equals a normalised alias of the other; any two metrics are when the
  phrase library pairs them
  (``same_concept``: names alone cannot tell that 粉丝数 and 政务新媒体关注总数 count the same followers).
  Normalising drops a leading verb (召开, 开展 …) and a trailing counting word (人数, 次数, 场次, 数 …).
- A document writes **one** of them: the computed one, from the system of record (each value opens the rows that
  make it), else the first in the taxonomy's order. It takes the other's place in the line's phrases, so the
  sentence written for the reported metric carries the computed value ("现有志愿服务队伍{vol_teams}" →
  the team register's count). The value left out is reported to the writer (``ComposeResult.notes``), and a rate
  of the source that gave way goes too (it was computed from the counts no longer written). The library's
  ``concept_prefer: "reported"`` makes the units' reports win instead (a department whose apps cover only part
  of its units).

Metrics that are not achievements (an individual's points, internal self-checks, shortfalls such as 长期未更新
账号 or 逾期未整改问题数) are never written into the paragraph of achievements: the library's ``unwritten_metrics``
lists them (the taxonomy has no flag for it).

The checker uses :func:`concept_of` to warn when a document states two different values for one concept in the
same scope and period (for instance after a figure was inserted by hand in the editor).

A metric may count a **part** of what another counts (评选表彰好人 within 选树典型人数): the library's ``part_of``
declares it (:func:`part_relations`), the composer writes the part after its total as “其中…” (:func:`parts_in`),
and the checker warns when a part exceeds its total or is added to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

_VERBS = ("召开", "开展", "组织", "举办")
_COUNT_SUFFIXES = ("数量", "总数", "人数", "人次", "次数", "场次", "条数", "篇数", "件数", "项数", "个数", "数")
_PUNCT_RE = re.compile(r"[\s（）()“”\"'、，,·]")


class MetricLike(Protocol):
    key: str
    name: str
    aliases: Any
    source: str
    line_id: int


def normalise(name: str) -> str:
    """A metric name without punctuation, a leading verb or a trailing counting word: 召开新闻发布会 and
    新闻发布会场次 are both 新闻发布会; 注册志愿者人数 is 注册志愿者."""
    text = _PUNCT_RE.sub("", str(name or ""))
    for verb in _VERBS:
        if text.startswith(verb) and len(text) > len(verb) + 1:
            text = text[len(verb):]
            break
    for suffix in _COUNT_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text


def _names(metric: MetricLike) -> set[str]:
    return {n for n in (normalise(metric.name), *(normalise(str(a)) for a in (metric.aliases or []) if a)) if n}


def same_concept(a: MetricLike, b: MetricLike, pairs: Iterable[Iterable[str]] = ()) -> bool:
    """Whether two metrics of one line count the same thing (see the module's rule)."""
    if a.key == b.key:
        return True
    if a.line_id != b.line_id:
        return False
    if any({a.key, b.key} <= set(pair) for pair in pairs):
        return True
    if _is_computed(a) == _is_computed(b):  # two fields units report (or two providers) are distinct by design
        return False
    own_a, own_b = normalise(a.name), normalise(b.name)
    return own_a == own_b or own_a in _names(b) or own_b in _names(a)


def library_pairs(library: Mapping[str, Any]) -> list[list[str]]:
    return [[str(k) for k in group] for group in library.get("same_concept", []) if isinstance(group, list)]


def _is_computed(metric: MetricLike) -> bool:
    return str(metric.source) == "computed"


def groups(metrics: list[Any], pairs: Iterable[Iterable[str]] = ()) -> list[list[Any]]:
    """The metrics (in their order) grouped by concept: each group's metrics count the same thing."""
    pairs = [list(p) for p in pairs]
    out: list[list[Any]] = []
    for metric in metrics:
        home = next((g for g in out if any(same_concept(metric, other, pairs) for other in g)), None)
        if home is None:
            out.append([metric])
        else:
            home.append(metric)
    return out


def preferred(group: list[Any], prefer: str = "computed") -> Any:
    """The metric a document writes for a concept: by default the system of record (computed), else the first;
    `prefer="reported"` (library ``concept_prefer``) writes what the units report instead."""
    want_computed = prefer != "reported"
    return next((m for m in group if _is_computed(m) == want_computed), group[0])


def one_per_concept(data: dict[str, Any], pairs: Iterable[Iterable[str]] = (), prefer: str = "computed",
                    ) -> tuple[dict[str, Any], list[tuple[Any, Any | None]]]:
    """`data` (metric key → metric, in the line's order) with one metric per concept.

    The kept metric stands in the place (and under the key) of the first metric of its group, so a phrase naming
    the reported metric is filled with the computed one. A rate of the source that lost a concept is left out too
    (units' 采用率 is their 采用条数 over their 报送条数: beside the system's counts it would contradict them).
    Returns the new mapping and the (left out, written) pairs."""
    metrics = list(data.values())
    dropped: list[tuple[Any, Any | None]] = []
    stand_in: dict[str, Any] = {}
    skip: set[str] = set()
    for group in groups(metrics, pairs):
        if len(group) < 2:
            continue
        kept = preferred(group, prefer)
        stand_in[group[0].key] = kept
        for metric in group:
            if metric is not kept:
                dropped.append((metric, kept))
            if metric is not group[0]:
                skip.add(metric.key)
    losing = {str(m.source) for m, kept in dropped if kept is not None and str(m.source) != str(kept.source)}
    written = set(map(id, stand_in.values()))
    out: dict[str, Any] = {}
    for key, metric in data.items():
        if key in skip:
            continue
        if str(metric.source) in losing and str(metric.kind) == "percent" and id(metric) not in written:
            dropped.append((metric, None))
            continue
        out[key] = stand_in.get(key, metric)
    return out, dropped


def concept_of(metric: Any, all_metrics: Iterable[Any], pairs: Iterable[Iterable[str]] = ()) -> str:
    """A key shared by every metric of the same concept: the key of the first metric (in the given order) of its
    group among the metrics of its line."""
    line = [m for m in all_metrics if m.line_id == metric.line_id]
    if not any(m.key == metric.key for m in line):
        line.append(metric)
    for group in groups(line, pairs):
        if any(m.key == metric.key for m in group):
            return str(group[0].key)
    return str(metric.key)


# ---- parts of a total ------------------------------------------------------------------------------------------
# Some metrics count a part of what another counts: 评选表彰好人 are among the people 选树典型人数 counts. The
# library declares it (``part_of``: part key → total key; data, edited in 总结句式库 like ``same_concept``). A draft
# writes a part after its total as “其中…” (选树典型12名，其中评选表彰好人8名), never as a separate figure that reads
# as if it were added; the checker warns when a part is larger than its total in one scope and period, and when a
# part and its total are added up.


def part_relations(library: Mapping[str, Any]) -> dict[str, str]:
    """The library's ``part_of``: part metric key → the key of the total it is within."""
    raw = library.get("part_of") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str) and v and str(k) != v}


def totals_of(key: str, relations: Mapping[str, str]) -> list[str]:
    """The totals `key` is within, nearest first (a part of a part is within both); a cycle stops the chain."""
    out: list[str] = []
    seen = {key}
    current = relations.get(key)
    while current is not None and current not in seen:
        out.append(current)
        seen.add(current)
        current = relations.get(current)
    return out


def parts_in(data: Mapping[str, Any], relations: Mapping[str, str]) -> dict[str, str]:
    """Of the metrics a paragraph may write (key → metric, as ``one_per_concept`` returns them), each part whose
    total is written too: part key → the key of its nearest total among them. A key stands for both the metric
    it names and the metric written in its place."""
    owner: dict[str, str] = {}
    for key, metric in data.items():
        owner.setdefault(str(key), str(key))
        owner.setdefault(str(getattr(metric, "key", key)), str(key))
    out: dict[str, str] = {}
    for key, metric in data.items():
        for name in dict.fromkeys((str(key), str(getattr(metric, "key", key)))):
            total = next((owner[t] for t in totals_of(name, relations) if t in owner and owner[t] != key), None)
            if total is not None:
                out[str(key)] = total
                break
    return out
