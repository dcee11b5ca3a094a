"""The metric vocabulary extraction and slot mapping use, read from the database (staff may have edited names and
aliases) and falling back to the shipped taxonomy when the database has none."""

from __future__ import annotations

from taizhang.reports.extract import MetricInfo, load_metric_aliases


def metric_aliases() -> dict[str, MetricInfo]:
    from taizhang.ledger.models import MetricDefinition

    out: dict[str, MetricInfo] = {}
    for metric in MetricDefinition.objects.filter(is_active=True).select_related("line").order_by(
        "line__sort_order", "sort_order", "key"
    ):
        aliases = [str(a) for a in (metric.aliases or []) if a]
        out[metric.key] = {
            "name": metric.name,
            "measure_word": metric.measure_word,
            "aliases": list(dict.fromkeys([*aliases, metric.name])),
            "kind": metric.kind,
            "line": metric.line.key,
        }
    return out or load_metric_aliases()


def metric_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Metrics grouped by line of work, for a <select> (value: key, label: 名称（量词）)."""
    from taizhang.ledger.models import MetricDefinition

    groups: dict[str, list[tuple[str, str]]] = {}
    for metric in MetricDefinition.objects.filter(is_active=True).select_related("line").order_by(
        "line__sort_order", "sort_order", "key"
    ):
        groups.setdefault(metric.line.name, []).append((metric.key, metric.label))
    return list(groups.items())
