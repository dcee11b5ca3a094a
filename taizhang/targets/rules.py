"""Scoring rule kinds as data: what each kind's JSON holds, how it is checked and how it reads in Chinese.

    metric             {"metric": "lecture_events", "points_per": "0.5", "cap": "20",
                        "outlet_levels": [], "activity_type": null}
    placement          {"metric": "placements", "points": {"national": "20", "provincial": "10", "municipal": "5",
                        "district": "1"}, "headline_multiplier": "2", "front_page_multiplier": "1.5",
                        "long_multiplier": "1", "multiplier_mode": "max", "dedupe": "story_key_highest_level",
                        "split_joint": true, "cap": null}
    target_completion  {"target": "placements_provincial", "points": "20", "max_ratio": "1"}
    bonus / deduction  {"max": "10"}   (entries are Adjustment rows, approved by staff)

Numbers are stored as strings so they stay exact Decimals. A rule never yields negative points except a deduction.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from taizhang.ledger.models import LEVEL_ORDER, ActivityType, MetricDefinition, Outlet

LEVELS = sorted(LEVEL_ORDER, key=LEVEL_ORDER.__getitem__)
LEVEL_LABELS = dict(Outlet.Level.choices)
KINDS = ("metric", "placement", "target_completion", "bonus", "deduction")
KIND_LABELS = {"metric": "按指标计分", "placement": "用稿计分", "target_completion": "目标完成率计分",
               "bonus": "加分项", "deduction": "减分项"}
DEDUPE = {"story_key_highest_level": "同一稿件按最高级别计一次", "none": "不合并"}
MULTIPLIER_MODES = {"max": "多项加成取最高", "product": "多项加成相乘"}
DEFAULT_PLACEMENT: dict[str, Any] = {
    "metric": "placements",
    "points": {"national": "20", "provincial": "10", "municipal": "5", "district": "1"},
    "headline_multiplier": "2", "front_page_multiplier": "1", "long_multiplier": "1", "multiplier_mode": "max",
    "dedupe": "story_key_highest_level", "split_joint": True, "cap": None,
}


def dec(value: Any) -> Decimal | None:
    """A Decimal from a rule value ("", None → None). Raises ValueError on anything else that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not result.is_finite():
        raise ValueError("not a number")
    return result


def _text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{value.normalize():f}"


class _Checker:
    def __init__(self, rule: dict[str, Any]) -> None:
        self.rule = rule
        self.errors: dict[str, list[str]] = {}

    def number(self, field: str, label: str, *, required: bool = False, minimum: Decimal = Decimal(0),
               strict: bool = False, default: Any = None) -> str | None:
        raw = self.rule.get(field, default)
        try:
            value = dec(raw)
        except ValueError:
            self.errors.setdefault(field, []).append(f"{label}应为数字")
            return None
        if value is None:
            if required:
                self.errors.setdefault(field, []).append(f"请填写{label}")
            return None
        if value < minimum or (strict and value == minimum):
            relation = "大于" if strict else "不小于"
            self.errors.setdefault(field, []).append(f"{label}应{relation} {_text(minimum)}")
            return None
        if value > Decimal("100000"):
            self.errors.setdefault(field, []).append(f"{label}过大")
            return None
        return _text(value)


def clean_rule(kind: str, rule: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The normalised rule and the errors (field → Chinese messages) for a rule of `kind`."""
    rule = dict(rule or {})
    if kind not in KINDS:
        return {}, {"kind": [f"未知的计分类型“{kind}”"]}
    c = _Checker(rule)
    out: dict[str, Any] = {}
    if kind == "metric":
        key = str(rule.get("metric") or "").strip()
        if not key:
            c.errors["metric"] = ["请选择指标"]
        elif not MetricDefinition.objects.filter(key=key).exists():
            c.errors["metric"] = [f"未知指标“{key}”"]
        out["metric"] = key
        out["points_per"] = c.number("points_per", "每单位分值", required=True)
        out["cap"] = c.number("cap", "封顶分")
        out["outlet_levels"] = _levels(rule.get("outlet_levels"), c)
        atype = str(rule.get("activity_type") or "").strip() or None
        if atype and not ActivityType.objects.filter(key=atype).exists():
            c.errors["activity_type"] = [f"未知活动类型“{atype}”"]
        out["activity_type"] = atype
    elif kind == "placement":
        key = str(rule.get("metric") or "placements").strip()
        if not MetricDefinition.objects.filter(key=key).exists():
            c.errors["metric"] = [f"未知指标“{key}”"]
        out["metric"] = key
        raw_points = rule.get("points") or {}
        if not isinstance(raw_points, dict):
            c.errors["points"] = ["各级别分值格式有误"]
            raw_points = {}
        points: dict[str, str] = {}
        for level in LEVELS:
            sub = _Checker({"v": raw_points.get(level, "0")})
            value = sub.number("v", f"{LEVEL_LABELS[level]}媒体每篇分值", default="0")
            for messages in sub.errors.values():
                c.errors.setdefault(f"points.{level}", []).extend(messages)
            points[level] = value or "0"
        out["points"] = points
        for field, label in (("headline_multiplier", "头条倍数"), ("front_page_multiplier", "头版倍数"),
                             ("long_multiplier", "长稿倍数")):
            out[field] = c.number(field, label, default="1") or "1"
        mode = str(rule.get("multiplier_mode") or "max")
        if mode not in MULTIPLIER_MODES:
            c.errors["multiplier_mode"] = ["加成方式只能是“取最高”或“相乘”"]
        out["multiplier_mode"] = mode
        dedupe = str(rule.get("dedupe") or "story_key_highest_level")
        if dedupe not in DEDUPE:
            c.errors["dedupe"] = ["未知的合并方式"]
        out["dedupe"] = dedupe
        out["split_joint"] = bool(rule.get("split_joint", True))
        out["cap"] = c.number("cap", "封顶分")
    elif kind == "target_completion":
        key = str(rule.get("target") or "").strip()
        if not key:
            c.errors["target"] = ["请填写目标标识"]
        out["target"] = key
        out["points"] = c.number("points", "满分", required=True)
        out["max_ratio"] = c.number("max_ratio", "完成率计分上限", default="1", strict=True) or "1"
    else:
        out["max"] = c.number("max", "每期累计上限", required=True, strict=True)
    return out, c.errors


def _levels(raw: Any, c: _Checker) -> list[str]:
    if not raw:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    bad = [v for v in values if v not in LEVEL_ORDER]
    if bad:
        c.errors["outlet_levels"] = [f"未知媒体级别：{'、'.join(map(str, bad))}"]
    return [v for v in LEVELS if v in values]


def describe(kind: str, rule: dict[str, Any], *, metric_names: dict[str, str] | None = None) -> str:
    """The rule in one Chinese sentence, as the scheme page and the bulletin show it."""
    names = metric_names or {}

    def n(value: Any) -> str:
        d = dec(value)
        return _text(d) or "0"

    cap = f"，最高{n(rule['cap'])}分" if rule.get("cap") not in (None, "") else ""
    if kind == "metric":
        metric = names.get(rule.get("metric", ""), rule.get("metric", ""))
        extra = ""
        if rule.get("outlet_levels"):
            extra = "（" + "、".join(LEVEL_LABELS.get(x, x) for x in rule["outlet_levels"]) + "媒体）"
        return f"{metric}{extra}每1个计{n(rule.get('points_per'))}分{cap}"
    if kind == "placement":
        pts = rule.get("points") or {}
        parts = [f"{LEVEL_LABELS[level]}每篇{n(pts.get(level, 0))}分" for level in LEVELS if dec(pts.get(level))]
        mult = []
        for field, label in (("headline_multiplier", "头条"), ("front_page_multiplier", "头版"),
                             ("long_multiplier", "千字以上长稿")):
            if dec(rule.get(field)) not in (None, Decimal(1)):
                mult.append(f"{label}×{n(rule.get(field))}")
        text = "，".join(parts) or "不计分"
        if mult:
            text += "；" + "、".join(mult) + (f"（{MULTIPLIER_MODES[rule.get('multiplier_mode', 'max')]}）"
                                              if len(mult) > 1 else "")
        if rule.get("dedupe") == "story_key_highest_level":
            text += "；同一稿件多级媒体刊发按最高级别计一次"
        text += "；联合署名按署名比例分摊" if rule.get("split_joint", True) else "；联合署名各单位均计全分"
        return text + cap
    if kind == "target_completion":
        over = dec(rule.get("max_ratio")) or Decimal(1)
        tail = "" if over == 1 else f"，超额完成最多按{_text(over * 100)}%计"
        return f"按目标“{rule.get('target', '')}”完成率计分，满分{n(rule.get('points'))}分{tail}"
    sign = "加" if kind == "bonus" else "减"
    return f"经审核的{sign}分事项，每期累计最多{sign}{n(rule.get('max'))}分"
