"""Grading of incidents: 一般 / 较大 / 重大 (general / major / severe), with the rules kept as data.

The rules are a JSON document (default: ``taizhang/monitor/dict/grading.json``; ``PipelineConfig.grading_path`` or
``grading_rules`` override it). Five metrics are computed per incident — ``volume`` (items), ``velocity`` (most
items in one clock hour), ``negative_share``, ``reach`` (reprints: duplicates in the incident) and
``source_weight`` (the heaviest outlet level among its items: national > provincial > municipal > district >
other). Each is scaled to 0..1 (``log``: ln(1+x)/ln(1+full); ``linear``: x/full; capped at 1), the weighted sum is
the score, and the grade is the highest whose ``min_score`` the score reaches. Then every matching ``at_least``
rule raises the grade and every matching ``at_most`` rule caps it (caps win). A rule matches when all of its
conditions hold (``gte``, ``gt``, ``lte``, ``lt``, ``eq`` per metric).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .base import Context, Item
from .incidents import Incident

GRADING_PATH = Path(__file__).resolve().parent.parent / "dict" / "grading.json"
METRICS = ("volume", "velocity", "negative_share", "reach", "source_weight")
_OPS = {
    "gte": lambda x, v: x >= v,
    "gt": lambda x, v: x > v,
    "lte": lambda x, v: x <= v,
    "lt": lambda x, v: x < v,
    "eq": lambda x, v: x == v,
}


class GradingRulesError(ValueError):
    pass


class Grader:
    def __init__(self, rules: dict[str, Any]) -> None:
        self.rules = rules
        self._validate()
        levels = rules["source_levels"]
        self.level_weights = {k: float(v["weight"]) for k, v in levels.items()}
        self.default_level = rules.get("default_source_level", "other")
        self.source_names = dict(rules.get("source_names", {}))
        self.source_domains = dict(rules.get("source_domains", {}))
        self.grades = sorted(rules["grades"], key=lambda g: -float(g["min_score"]))
        self.rank = {g["key"]: i for i, g in enumerate(reversed(self.grades))}  # general 0 < major 1 < severe 2
        self.names = {g["key"]: g["name"] for g in self.grades}
        self._compile()

    def _compile(self) -> None:
        """The rules as tuples, read once: grading runs for every incident a batch touches."""
        r = self.rules
        # (metric, weight, full, ln(1+full) for the log scale else None)
        self._metric_specs = [
            (
                name,
                float(spec["weight"]),
                float(spec["full"]),
                math.log1p(float(spec["full"])) if spec.get("scale") == "log" else None,
            )
            for name, spec in r["metrics"].items()
        ]
        self._min_scores = [(float(g["min_score"]), g["key"]) for g in self.grades]
        self._key_of_rank = {rank: key for key, rank in self.rank.items()}
        self._rules: list[tuple[tuple[tuple[str, Any, float], ...], int | None, int | None]] = []
        for rule in r.get("rules", []):
            conditions = tuple(
                (metric, _OPS[op], float(v)) for metric, c in rule.get("when", {}).items() for op, v in c.items()
            )
            at_least = self.rank[rule["at_least"]] if rule.get("at_least") else None
            at_most = None if at_least is not None else self.rank[rule["at_most"]]
            self._rules.append((conditions, at_least, at_most))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Grader:
        p = Path(path) if path else GRADING_PATH
        try:
            with open(p, encoding="utf-8") as fh:
                rules = json.load(fh)
        except json.JSONDecodeError as exc:
            raise GradingRulesError(f"分级规则文件 {p} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列") from exc
        return cls(rules)

    def _validate(self) -> None:
        r = self.rules
        for key in ("source_levels", "metrics", "grades"):
            if key not in r:
                raise GradingRulesError(f"分级规则缺少 {key}")
        for name, spec in r["metrics"].items():
            if name not in METRICS:
                raise GradingRulesError(f"分级规则中的指标 {name} 未知（可用：{'、'.join(METRICS)}）")
            if spec.get("scale", "linear") not in ("log", "linear") or float(spec.get("full", 0)) <= 0:
                raise GradingRulesError(f"指标 {name} 的 scale 应为 log 或 linear，full 应为正数")
        keys = {g.get("key") for g in r["grades"]}
        for i, rule in enumerate(r.get("rules", []), 1):
            target = rule.get("at_least") or rule.get("at_most")
            if target not in keys:
                raise GradingRulesError(f"第 {i} 条规则的等级 {target} 未定义")
            for metric, conds in rule.get("when", {}).items():
                if metric not in METRICS:
                    raise GradingRulesError(f"第 {i} 条规则的指标 {metric} 未知")
                for op in conds:
                    if op not in _OPS:
                        raise GradingRulesError(f"第 {i} 条规则的比较符 {op} 未知（可用：gte、gt、lte、lt、eq）")

    # --- sources ----------------------------------------------------------------------------------------------
    def source_level(self, source: str = "", url: str = "") -> str:
        if source in self.source_names:
            return self.source_names[source]
        if url:
            host = (urlsplit(url).hostname or "").lower()
            while host:
                if host in self.source_domains:
                    return self.source_domains[host]
                _, _, host = host.partition(".")
        return self.default_level

    def level_weight(self, level: str | None) -> float:
        return self.level_weights.get(level or self.default_level, self.level_weights.get(self.default_level, 0.0))

    # --- grading ----------------------------------------------------------------------------------------------
    def metrics(self, inc: Incident) -> dict[str, float]:
        return {
            "volume": inc.size,
            "velocity": inc.peak_per_hour,
            "negative_share": inc.negative_share,
            "reach": inc.n_duplicates,
            "source_weight": max((self.level_weight(lv) for lv in inc.source_levels), default=0.0),
        }

    def score(self, metrics: dict[str, float]) -> float:
        total = 0.0
        log1p = math.log1p
        for name, weight, full, log_full in self._metric_specs:
            x = max(0.0, float(metrics.get(name, 0.0)))
            scaled = log1p(x) / log_full if log_full is not None else x / full
            total += weight * min(1.0, scaled)
        return total

    def grade(self, metrics: dict[str, float]) -> tuple[str, str, float]:
        """(key, Chinese name, score) for the metrics of one incident."""
        s = self.score(metrics)
        key = next((k for min_score, k in self._min_scores if s >= min_score), self.grades[-1]["key"])
        rank = self.rank[key]
        caps = []
        for conditions, at_least, at_most in self._rules:
            if all(op(float(metrics.get(m, 0.0)), v) for m, op, v in conditions):
                if at_least is not None:
                    rank = max(rank, at_least)
                elif at_most is not None:
                    caps.append(at_most)
        if caps:
            rank = min([rank, *caps])
        key = self._key_of_rank[rank]
        return key, self.names[key], round(s, 4)

    def grade_incident(self, inc: Incident) -> str:
        inc.grade, inc.grade_name, inc.score = self.grade(self.metrics(inc))
        return inc.grade


class GradingStep:
    name = "grading"

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool:
        return bool(batch)

    def run(self, batch: list[Item], ctx: Context) -> None:
        touched = {item.incident for item in batch if item.incident is not None}
        incidents = ctx.incidents.incidents
        for iid in touched:
            inc = incidents.get(iid)
            if inc is not None:
                ctx.grader.grade_incident(inc)
