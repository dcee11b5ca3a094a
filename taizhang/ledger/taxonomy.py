"""Loading the shipped taxonomy and outlet registry, and editing metric definitions with versioning."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.numbers import NOT_A_NUMBER, column_bounds, digits_problem, to_decimal
from taizhang.ledger.models import (
    ActivityType,
    ActivityTypeMetric,
    LineOfWork,
    MetricDefinition,
    MetricDefinitionRevision,
    Outlet,
)
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap

logger = logging.getLogger(__name__)

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def read_taxonomy(path: Path | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path or DEFAULTS_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    return data


@transaction.atomic
def load_taxonomy(path: Path | None = None, *, acting_user: Any = None) -> dict[str, int]:
    """Create what is missing from the shipped taxonomy. Existing entries (maybe edited by staff) are kept."""
    data = read_taxonomy(path)
    counts = {"lines": 0, "metrics": 0, "activity_types": 0}
    for line_order, line_data in enumerate(data["lines"]):
        line, created = LineOfWork.objects.get_or_create(
            key=line_data["key"],
            defaults={
                "name": line_data["name"],
                "sort_order": line_data.get("order", line_order * 10),
                "phrases": line_data.get("phrases", []),
                "problem_phrases": line_data.get("problem_phrases", []),
                "plan_phrases": line_data.get("plan_phrases", []),
            },
        )
        counts["lines"] += created
        metrics: dict[str, MetricDefinition] = {}
        for order, m in enumerate(line_data.get("metrics", [])):
            metric, created = MetricDefinition.objects.get_or_create(
                key=m["key"],
                defaults={
                    "line": line,
                    "name": m["name"],
                    "measure_word": m["measure_word"],
                    "kind": m["kind"],
                    "value_type": m.get("value_type", "integer"),
                    "min_value": _dec(m.get("min")),
                    "max_value": _dec(m.get("max")),
                    "aggregation": m.get("aggregation", "sum"),
                    "aliases": m.get("aliases", []),
                    "sort_order": order,
                },
            )
            if created:
                MetricDefinitionRevision.objects.create(metric=metric, version=1, data=audit.snapshot(metric))
            counts["metrics"] += created
            metrics[m["key"]] = metric
        for order, t in enumerate(line_data.get("activity_types", [])):
            activity_type, created = ActivityType.objects.get_or_create(
                key=t["key"],
                defaults={
                    "line": line,
                    "name": t["name"],
                    "description": t.get("description", "")[:300],
                    "kind": t.get("kind", "activity"),
                    "sort_order": order,
                },
            )
            counts["activity_types"] += created
            if created:
                for link_order, link in enumerate(t.get("metrics", [])):
                    metric = metrics.get(link["metric"]) or MetricDefinition.objects.get(key=link["metric"])
                    ActivityTypeMetric.objects.create(
                        activity_type=activity_type,
                        metric=metric,
                        required=link.get("required", False),
                        default=_dec(link.get("default")),
                        sort_order=link_order,
                    )
    return counts


@transaction.atomic
def load_outlets(path: Path | None = None) -> int:
    data = json.loads((path or DEFAULTS_DIR / "outlets.json").read_text(encoding="utf-8"))
    created = 0
    for o in data["outlets"]:
        _, was_created = Outlet.objects.get_or_create(
            name=o["name"], defaults={"aliases": o.get("aliases", []), "level": o["level"], "kind": o["kind"]}
        )
        created += was_created
    return created


GROUP_LABELS = {"grassroots": "社区、村、学校、企业等基层单位", "street": "街道、镇和部门", "district": "区级及以上"}


@transaction.atomic
def load_rules(path: Path | None = None) -> int:
    """Create the shipped checks between figures and bounds by unit kind that are missing (`models.rules`);
    existing ones (maybe switched off by staff) are kept. Rules naming a metric that does not exist are skipped."""
    from taizhang.ledger.models import FigureBound, FigureRule

    data = json.loads((path or DEFAULTS_DIR / "rules.json").read_text(encoding="utf-8"))
    metrics = {m.key: m for m in MetricDefinition.objects.all()}
    created = 0
    for r in data["rules"]:
        left, right = metrics.get(r["left"]), metrics.get(r["right"])
        if left is None or right is None:
            continue
        _, was_created = FigureRule.objects.get_or_create(key=r["key"], defaults={
            "left": left, "op": r.get("op", "le"), "right": right, "factor": _dec(r.get("factor", 1)),
            "message": r.get("message", "")})
        created += was_created
    groups: dict[str, list[str]] = data["unit_groups"]
    for b in data["bounds"]:
        metric = metrics.get(b["metric"])
        if metric is None:
            continue
        for group, maximum in b["max"].items():
            value = Decimal(str(maximum))
            _, was_created = FigureBound.objects.get_or_create(key=f"{metric.key}_{group}", defaults={
                "metric": metric, "unit_kinds": groups[group], "max_value": value,
                "message": (f"{GROUP_LABELS[group]}的一条记录中，“{metric.name}”"
                            f"不能超过 {value:f}{metric.measure_word}")})
            created += was_created
    return created


def load_defaults() -> dict[str, int]:
    counts = load_taxonomy()
    counts["outlets"] = load_outlets()
    counts["rules"] = load_rules()
    counts["computed_metrics"] = sync_computed_metrics()
    return counts


def _computed_values(provider: Any, line: LineOfWork) -> dict[str, Any]:
    kind = MetricDefinition.Kind.PERCENT if provider.is_rate else (
        MetricDefinition.Kind.HOURS if provider.measure_word == "小时" else MetricDefinition.Kind.COUNT)
    return {
        "line": line,
        "name": provider.name,
        "measure_word": provider.measure_word,
        "kind": kind,
        "value_type": MetricDefinition.ValueType.DECIMAL,
        "aggregation": MetricDefinition.Aggregation.AVG if provider.is_rate else MetricDefinition.Aggregation.SUM,
        "source": MetricDefinition.Source.COMPUTED,
    }


@transaction.atomic
def sync_computed_metrics(keys: list[str] | None = None) -> int:
    """Create or update a metric row for every registered provider (`ledger.providers`), so dashboards, targets,
    assessment and summaries see computed metrics as ordinary metrics with a line of work, a name and a measure
    word. A computed row whose provider is no longer registered is deactivated (its history stays). A provider
    whose key is already a reported metric with figures is refused: its records would silently stop counting.
    Returns the number of rows created."""
    from taizhang.ledger import providers
    from taizhang.ledger.models import RecordFigure

    registered = providers.PROVIDERS if keys is None else {k: providers.PROVIDERS[k] for k in keys
                                                           if k in providers.PROVIDERS}
    lines = {line.key: line for line in LineOfWork.objects.filter(key__in={p.line for p in registered.values()})}
    created = 0
    for order, (key, provider) in enumerate(sorted(registered.items())):
        line = lines.get(provider.line)
        if line is None:
            logger.warning("computed metric %s: unknown line of work %s", key, provider.line)
            continue
        values = _computed_values(provider, line)
        metric = MetricDefinition.objects.filter(key=key).first()
        if metric is None:
            metric = MetricDefinition.objects.create(key=key, sort_order=1000 + order, **values)
            MetricDefinitionRevision.objects.create(metric=metric, version=1, data=audit.snapshot(metric))
            created += 1
            continue
        if metric.source != MetricDefinition.Source.COMPUTED and RecordFigure.objects.filter(metric=metric).exists():
            logger.warning("computed metric %s: a reported metric with records has this key; not replaced", key)
            continue
        changed = [f for f, v in values.items() if getattr(metric, f) != v]
        if not metric.is_active:
            metric.is_active = True
            changed.append("is_active")
        if changed:
            for f in changed:
                if f in values:
                    setattr(metric, f, values[f])
            metric.version += 1
            metric.save(update_fields=[*changed, "version", "updated_at"])
            MetricDefinitionRevision.objects.create(metric=metric, version=metric.version, data=audit.snapshot(metric))
    if keys is None:
        MetricDefinition.objects.filter(source=MetricDefinition.Source.COMPUTED, is_active=True).exclude(
            key__in=list(registered)).update(is_active=False)
    return created


SORT_ORDER_MAX = 99999  # 排序 on the taxonomy pages: 0..99999 (an integer column)
METRIC_FIELDS = [
    "name",
    "measure_word",
    "kind",
    "value_type",
    "min_value",
    "max_value",
    "aggregation",
    "aliases",
    "sort_order",
    "is_active",
]


@transaction.atomic
def update_metric(
    *, acting_user: Any, metric: MetricDefinition, expected_version: int, **values: Any
) -> MetricDefinition:
    """Change a metric definition. The old definition stays as a revision; stored figures are never rewritten."""
    if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_ORG):
        raise NotPermitted("您没有维护指标体系的权限。")
    unknown = set(values) - set(METRIC_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    sort_order = values.get("sort_order")
    if sort_order is not None and not (isinstance(sort_order, int) and 0 <= sort_order <= SORT_ORDER_MAX):
        message = f"排序应为 0 至 {SORT_ORDER_MAX} 之间的整数"
        raise InvalidInput(message, {"sort_order": [message]})
    for name, label in (("min_value", "最小值"), ("max_value", "最大值")):
        if values.get(name) is not None:
            try:
                number = to_decimal(values[name])
            except ValueError as exc:
                raise InvalidInput(f"{label}应填写数字", {name: [NOT_A_NUMBER]}) from exc
            max_digits, places = column_bounds(MetricDefinition._meta.get_field(name))
            problem = digits_problem(number or Decimal(0), max_digits=max_digits, decimal_places=places)
            if problem:
                raise InvalidInput(f"{label}{problem}", {name: [problem]})
    if (
        values.get("min_value") is not None
        and values.get("max_value") is not None
        and values["min_value"] > values["max_value"]
    ):
        raise InvalidInput("最小值不能大于最大值", {"min_value": ["最小值不能大于最大值"]})
    before = audit.snapshot(metric)
    for key, value in values.items():
        setattr(metric, key, value)
    save_versioned(metric, expected_version, list(values))
    MetricDefinitionRevision.objects.create(
        metric=metric,
        version=metric.version,
        data=audit.snapshot(metric),
        created_by_id=getattr(acting_user, "pk", None),
    )
    audit.record("update", metric, user=acting_user, before=before, after=audit.snapshot(metric))
    return metric


def outlet_for_name(name: str) -> Outlet | None:
    """Find an outlet by name or alias (exact, then contained)."""
    name = name.strip()
    if not name:
        return None
    exact = Outlet.objects.filter(name=name).first()
    if exact is not None:
        return exact
    for outlet in Outlet.objects.filter(is_active=True):
        if name in outlet.aliases:
            return outlet
    return None


@transaction.atomic
def update_figure_check(*, acting_user: Any, check: Any, expected_version: int, is_active: bool,
                        max_value: Any = None) -> Any:
    """Switch a relation rule or a bound on or off, or change a bound's maximum (versioned, audited)."""
    from taizhang.ledger.models import FigureBound

    if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_ORG):
        raise NotPermitted("您没有维护数据校验规则的权限。")
    before = audit.snapshot(check)
    fields = ["is_active"]
    check.is_active = bool(is_active)
    if isinstance(check, FigureBound) and max_value not in (None, ""):
        label = FigureBound._meta.get_field("max_value").verbose_name
        typed = str(max_value).strip()[:30]
        try:
            value = to_decimal(max_value)
        except ValueError as exc:
            raise InvalidInput(f"{label}应填写数字（填写的是“{typed}”）", {"max_value": [NOT_A_NUMBER]}) from exc
        if value is None or value < 0:
            raise InvalidInput(f"{label}应为不小于 0 的数字（填写的是“{typed}”）",
                               {"max_value": ["请填写不小于 0 的数字"]})
        max_digits, places = column_bounds(FigureBound._meta.get_field("max_value"))
        problem = digits_problem(value, max_digits=max_digits, decimal_places=places)
        if problem:
            raise InvalidInput(f"{label}{problem}（填写的是“{typed}”）", {"max_value": [problem]})
        check.max_value = value
        fields.append("max_value")
    save_versioned(check, expected_version, fields)
    audit.record("update", check, user=acting_user, before=before, after=audit.snapshot(check))
    return check
