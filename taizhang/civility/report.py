"""The score report of a scope (CLI `taizhang civility score`, the API and the score page): the scope's score with
each project's points and the inspections, reviews and surveys behind them, the problem counts, and the same for
each child unit."""

from __future__ import annotations

from typing import Any

from taizhang.civility.scoring import ScoreResult, children_of, compute_scores, framework_for, problem_counts
from taizhang.core.periods import Period
from taizhang.org.models import Unit
from taizhang.org.scoping import subtree_ids


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _entry(result: ScoreResult, unit: Unit | None, period: Period) -> dict[str, Any]:
    counts = problem_counts(period, set(subtree_ids(unit)) if unit else None)
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
    framework = framework_for(period, framework_key)
    base: dict[str, Any] = {"period": period.spec, "period_label": period.label,
                            "unit": unit.code if unit else None, "unit_name": unit.name if unit else "全部"}
    if framework is None:
        return {**base, "framework": None, "score": None, "projects": [], "problems": {}, "children": []}
    children = children_of(unit) if with_children and unit is not None else []
    results = compute_scores(framework, period, [unit, *children])
    head = _entry(results[0], unit, period)
    out = {**base, "framework": {"key": framework.key, "name": framework.name, "edition": framework.edition},
           "score": head["score"], "earned": head["earned"], "max": head["max"], "projects": head["projects"],
           "problems": head["problems"], "problem_ids": head["problem_ids"], "children": []}
    for child, result in zip(children, results[1:], strict=True):
        entry = _entry(result, child, period)
        if entry["score"] is None and not any(entry["problems"].values()):
            continue
        out["children"].append(entry)
    return out
