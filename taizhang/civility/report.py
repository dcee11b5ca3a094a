"""The score report of a scope (CLI `taizhang civility score`, the API and the score page): the scope's score with
each project's points and the inspections, reviews and surveys behind them, the problem counts, and the same for
each child unit."""

from __future__ import annotations

from typing import Any

from taizhang.civility.models import Framework
from taizhang.civility.scoring import (
    ProblemCounts,
    ScoreResult,
    children_of,
    compute_scores,
    framework_for,
    problem_counts_of,
    scope_ids,
)
from taizhang.core.periods import Period
from taizhang.org.models import Unit


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _entry(result: ScoreResult, unit: Unit | None, counts: ProblemCounts) -> dict[str, Any]:
    return {
        "unit": unit.code if unit else None, "unit_name": unit.name if unit else "全部",
        "score": _num(result.score), "earned": _num(result.earned), "max": _num(result.max),
        "projects": [{**p.to_dict(), "points": float(p.points), "max": float(p.max), "full": float(p.full)}
                     for p in result.projects],
        "problems": counts.to_dict(),
        "problem_ids": {"found": counts.found, "rectified": counts.rectified, "overdue": counts.overdue,
                        "recurring": counts.recurring},
    }


def score_report(period: Period, unit: Unit | None, *, framework_key: str | None = None,
                 with_children: bool = True) -> dict[str, Any]:
    report, _head, _ids = build_score_report(period, unit, framework_for(period, framework_key),
                                             with_children=with_children)
    return report


def build_score_report(period: Period, unit: Unit | None, framework: Framework | None, *,
                       with_children: bool = True) -> tuple[dict[str, Any], ScoreResult | None, set[int] | None]:
    """`score_report` with the edition chosen by the caller; with an edition, also the scope's own `ScoreResult`
    and its subtree's ids (None: everything), for a page that shows more of them. The same few queries whatever
    the number of children: the subtrees read once (`scope_ids`), the scores rolled up from one pass
    (`compute_scores`), the problems of every child from one query (`problem_counts_of`)."""
    base: dict[str, Any] = {"period": period.spec, "period_label": period.label,
                            "unit": unit.code if unit else None, "unit_name": unit.name if unit else "全部"}
    if framework is None:
        report = {**base, "framework": None, "score": None, "projects": [], "problems": {}, "children": []}
        return report, None, None
    children = children_of(unit) if with_children and unit is not None else []
    units: list[Unit | None] = [unit, *children]
    scopes = scope_ids(units)
    results = compute_scores(framework, period, units, scopes=scopes)
    counts = problem_counts_of(period, [scopes[u.pk if u else None] for u in units])
    head = _entry(results[0], unit, counts[0])
    out = {**base, "framework": {"key": framework.key, "name": framework.name, "edition": framework.edition},
           "score": head["score"], "earned": head["earned"], "max": head["max"], "projects": head["projects"],
           "problems": head["problems"], "problem_ids": head["problem_ids"], "children": []}
    for child, result, child_counts in zip(children, results[1:], counts[1:], strict=True):
        entry = _entry(result, child, child_counts)
        if entry["score"] is None and not any(entry["problems"].values()):
            continue
        out["children"].append(entry)
    return out, results[0], scopes[unit.pk if unit else None]
