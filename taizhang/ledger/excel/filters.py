"""The record-list filters, parsed from GET parameters (or CLI options) and applied to a record queryset.

Parameters (all optional, all combinable):
  period  SPEC of core.periods (2024, 2024H1, 2024Q1-Q3, 2024Q2, 2024-05, a..b): records whose date lies in it
  unit    unit code: that unit and its subtree
  line    line-of-work key;  type  activity-type key
  status  draft | submitted | approved | returned | superseded (several: comma-separated or repeated)
  source  manual | import | api | monitoring | summary | demo (several allowed, as status)
  q       text in the title, description, location or placement article title
  ids     record ids, comma-separated
  metric  a metric key (with period, optionally unit and level): exactly the records behind that figure, as the
          dashboard counts them (`ledger.drill`); level  an outlet level (national … district) or none (未分级)
  batch   an ImportBatch id: the records that import created

The queryset passed in must already be scoped (`Record.objects.visible_to(user, "view")`); filters only narrow it.
Bad values raise InvalidInput with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import parse_period
from taizhang.ledger.drill import figure_filter
from taizhang.ledger.models import ActivityType, LineOfWork, Record
from taizhang.org.models import Unit

FILTER_KEYS = ("period", "unit", "line", "type", "status", "source", "q", "ids", "batch", "metric", "level")
MAX_IDS = 5000


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    """Every value of `key`: QueryDict lists, comma-separated strings, Python lists."""
    getlist = getattr(params, "getlist", None)
    raw: Any = getlist(key) if callable(getlist) else params.get(key)
    if raw is None:
        return []
    items = [str(v) for v in raw if v is not None] if isinstance(raw, (list, tuple)) else [str(raw)]
    return [part.strip() for item in items for part in item.replace("，", ",").split(",") if part.strip()]


def _one(params: Mapping[str, Any], key: str) -> str:
    values = _values(params, key)
    return values[0] if values else ""


def clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The filters actually given, as a plain dict (for audit rows, links and templates)."""
    out: dict[str, str] = {}
    for key in FILTER_KEYS:
        if key == "q":
            text = str(params.get("q") or "").strip()
            if text:
                out["q"] = text
            continue
        values = _values(params, key)
        if values:
            out[key] = ",".join(values)
    return out


def filter_records(qs: QuerySet[Record], params: Mapping[str, Any]) -> QuerySet[Record]:
    spec = _one(params, "period")
    period = None
    if spec:
        period = parse_period(spec)
        qs = qs.filter(start_date__gte=period.start, start_date__lte=period.end)
    code = _one(params, "unit")
    unit = None
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise InvalidInput(f"单位代码“{code}”不存在", {"unit": [f"单位代码“{code}”不存在"]})
        qs = qs.filter(unit__path__startswith=unit.path)
    metric, level = _one(params, "metric"), _one(params, "level")
    if metric or level:  # the records behind one figure (the scope comes with `qs`)
        qs = figure_filter(metric, period=period, unit=unit, level=level).apply(qs)
    line = _one(params, "line")
    if line:
        if not LineOfWork.objects.filter(key=line).exists():
            raise InvalidInput(f"工作线“{line}”不存在", {"line": [f"工作线“{line}”不存在"]})
        qs = qs.filter(activity_type__line__key=line)
    type_keys = _values(params, "type")
    if type_keys:
        known = set(ActivityType.objects.filter(key__in=type_keys).values_list("key", flat=True))
        unknown = [k for k in type_keys if k not in known]
        if unknown:
            raise InvalidInput(f"活动类型“{unknown[0]}”不存在", {"type": [f"活动类型“{unknown[0]}”不存在"]})
        qs = qs.filter(activity_type__key__in=type_keys)
    qs = _choice(qs, params, "status", Record.Status.values, "状态")
    qs = _choice(qs, params, "source", Record.Source.values, "来源")
    text = str(params.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text) | Q(description__icontains=text) | Q(location__icontains=text)
            | Q(placement__article_title__icontains=text)
        )
    ids = _values(params, "ids")
    if ids:
        try:
            numbers = sorted({int(v) for v in ids})
        except ValueError as exc:
            raise InvalidInput("记录编号应为数字，用逗号分隔", {"ids": ["记录编号应为数字，用逗号分隔"]}) from exc
        if len(numbers) > MAX_IDS:
            raise InvalidInput(f"一次最多指定 {MAX_IDS} 个记录编号")
        qs = qs.filter(pk__in=numbers)
    batch = _one(params, "batch")
    if batch:
        if not batch.isdigit():
            raise InvalidInput("导入批次编号应为数字", {"batch": ["导入批次编号应为数字"]})
        qs = qs.filter(pk__in=batch_record_ids(int(batch)))
    return qs


def _choice(qs: QuerySet[Record], params: Mapping[str, Any], key: str, allowed: list[str], label: str
            ) -> QuerySet[Record]:
    values = _values(params, key)
    if not values:
        return qs
    bad = [v for v in values if v not in allowed]
    if bad:
        message = f"{label}“{bad[0]}”无效，可选：{'、'.join(allowed)}"
        raise InvalidInput(message, {key: [message]})
    return qs.filter(**{f"{key}__in": values})


def batch_record_ids(batch_id: int) -> Any:
    """A subquery of the ids of the records an import batch created."""
    return Record.objects.filter(import_batch_id=batch_id).values("pk")
