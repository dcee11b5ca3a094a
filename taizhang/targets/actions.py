"""Every state change of targets, allocations, schemes, bonus/deduction entries, assessment runs and bulletins.

Each function takes a keyword-only `acting_user` (None = system: demo, cron), validates first, runs in one
transaction, writes the audit log and raises core.errors exceptions with Chinese messages.

Capabilities: staff (`manage_work` in the owner unit) manage targets, schemes, runs, bulletins and approve
bonus/deduction entries; liaisons (`edit_records` in a unit) may propose entries for their unit with evidence.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import json
import re
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.numbers import column_bounds, digits_problem
from taizhang.core.periods import Period
from taizhang.ledger.models import LEVEL_ORDER, ActivityType, LineOfWork, MetricDefinition, Record
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.targets import allocation, progress, rules, scoring
from taizhang.targets.models import (
    Adjustment,
    Allocation,
    AssessmentItemResult,
    AssessmentResult,
    AssessmentRun,
    Bulletin,
    Scheme,
    SchemeItem,
    SchemeVersion,
    Target,
)

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TARGET_FIELDS = ["key", "name", "metric", "outlet_levels", "activity_type", "value", "plan_kind", "monthly_plan",
                 "allow_over_allocation", "note", "sort_order"]
R = AssessmentRun.Status
SORT_ORDER_MAX = 99999


def _require(user: Any, cap: str, unit: Unit, message: str) -> None:
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def _who(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _decimal(raw: Any, field: str, label: str, errors: dict[str, list[str]], *, column: Any) -> Decimal | None:
    """`raw` as a Decimal that fits the DecimalField `column` (its max_digits and decimal_places), or None with a
    Chinese message in `errors`: a number past the column would save on SQLite and break every page reading it."""
    try:
        value = rules.dec(raw)
    except ValueError:
        errors.setdefault(field, []).append(f"{label}应填写数字")
        return None
    if value is None:
        errors.setdefault(field, []).append(f"请填写{label}")
        return None
    max_digits, places = column_bounds(column)
    problem = digits_problem(value, max_digits=max_digits, decimal_places=places)
    if problem:
        errors.setdefault(field, []).append(f"{label}{problem}")
        return None
    return value


def _sort_order(raw: Any, errors: dict[str, list[str]]) -> int:
    """排序 within 0..99999 (an integer column; the forms offer the same range)."""
    try:
        value = int(raw or 0)
    except (TypeError, ValueError, OverflowError):
        value = -1
    if not 0 <= value <= SORT_ORDER_MAX:
        errors["sort_order"] = [f"排序应为 0 至 {SORT_ORDER_MAX} 之间的整数"]
        return 0
    return value


# ---------------------------------------------------------------------------------------------------------------
# Targets and allocations
# ---------------------------------------------------------------------------------------------------------------
def _clean_target(values: dict[str, Any], *, year: int, exclude_pk: int | None) -> dict[str, list[str]]:
    others = Target.objects.filter(year=year)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    key = str(values.get("key") or "").strip()
    if not KEY_RE.match(key):
        errors["key"] = ["标识只能由小写英文字母、数字和下划线组成，以字母开头"]
    elif others.filter(key=key).exists():
        errors["key"] = [f"{year}年已有标识为“{key}”的目标"]
    if not str(values.get("name") or "").strip():
        errors["name"] = ["请填写目标名称"]
    metric = values.get("metric")
    if not isinstance(metric, MetricDefinition):
        errors["metric"] = ["请选择统计指标"]
    value = _decimal(values.get("value"), "value", "年度目标值", errors, column=Target._meta.get_field("value"))
    if value is not None:
        if value <= 0:
            errors["value"] = ["年度目标值应大于0"]
        elif isinstance(metric, MetricDefinition) and metric.value_type == "integer" and value != int(value):
            errors["value"] = [f"“{metric.name}”以整数计，目标值应为整数"]
    if "sort_order" in values:
        _sort_order(values.get("sort_order"), errors)
    bad = [x for x in values.get("outlet_levels") or [] if x not in LEVEL_ORDER]
    if bad:
        errors["outlet_levels"] = ["未知的媒体级别"]
    atype = values.get("activity_type")
    if atype is not None and not isinstance(atype, ActivityType):
        errors["activity_type"] = ["未知的活动类型"]
    if values.get("plan_kind") not in Target.PlanKind.values:
        errors["plan_kind"] = ["请选择进度计划"]
    if values.get("plan_kind") == Target.PlanKind.MONTHLY:
        plan = values.get("monthly_plan") or []
        try:
            shares = [Decimal(str(x)) for x in plan]
        except (ArithmeticError, ValueError):
            shares = []
        if len(shares) != 12 or any(s < 0 for s in shares):
            errors["monthly_plan"] = ["月度计划须为12个不小于0的百分数（1月至12月）"]
        elif abs(sum(shares, Decimal(0)) - 100) > Decimal("0.01"):
            errors["monthly_plan"] = [f"月度计划合计应为100%，现为{sum(shares, Decimal(0)).normalize():f}%"]
    return errors


@transaction.atomic
def create_target(
    *, acting_user: Any, year: int, key: str, name: str, owner: Unit, metric: MetricDefinition, value: Any,
    outlet_levels: Sequence[str] = (), activity_type: ActivityType | None = None,
    plan_kind: str = Target.PlanKind.LINEAR, monthly_plan: Sequence[Any] = (), allow_over_allocation: bool = False,
    note: str = "", sort_order: int = 0,
) -> Target:
    _require(acting_user, Cap.MANAGE_WORK, owner, "您没有下达目标任务的权限。")
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput("年度无效", {"year": ["请填写 2000 至 2100 之间的年度"]})
    values = {"key": key, "name": name, "metric": metric, "value": value, "outlet_levels": list(outlet_levels),
              "activity_type": activity_type, "plan_kind": plan_kind, "monthly_plan": list(monthly_plan),
              "sort_order": sort_order}
    errors = _clean_target(values, year=int(year), exclude_pk=None)
    amount = rules.dec(value)
    if errors or amount is None:
        raise InvalidInput("目标任务填写有误，请按提示修改。", errors)
    target = Target.objects.create(
        year=int(year), key=key.strip(), name=name.strip(), owner=owner, metric=metric, value=amount,
        outlet_levels=list(outlet_levels), activity_type=activity_type, plan_kind=plan_kind,
        monthly_plan=[str(x) for x in monthly_plan] if plan_kind == Target.PlanKind.MONTHLY else [],
        allow_over_allocation=allow_over_allocation, note=note, sort_order=sort_order, created_by=_who(acting_user),
    )
    audit.record("create", target, user=acting_user, after=audit.snapshot(target))
    return target


@transaction.atomic
def update_target(*, acting_user: Any, target: Target, expected_version: int, **values: Any) -> Target:
    _require(acting_user, Cap.MANAGE_WORK, target.owner, "您没有修改该目标任务的权限。")
    unknown = set(values) - set(TARGET_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    before = audit.snapshot(target)
    merged = {f: getattr(target, f) for f in TARGET_FIELDS} | values
    errors = _clean_target(merged, year=target.year, exclude_pk=target.pk)
    if errors:
        raise InvalidInput("目标任务填写有误，请按提示修改。", errors)
    for field, value in values.items():
        setattr(target, field, rules.dec(value) if field == "value" else value)
    if target.plan_kind != Target.PlanKind.MONTHLY:
        target.monthly_plan = []
    fields = [f if f not in ("metric", "activity_type") else f"{f}_id" for f in values]
    save_versioned(target, expected_version, sorted({*fields, "monthly_plan"}))
    total = sum((a.value for a in target.allocations.all()), Decimal(0))
    message = ""
    if target.allocations.exists():
        problem = allocation.check_sum(target.value, [total], allow_over=target.allow_over_allocation)
        message = f"注意：{problem}，请重新分解。" if problem else ""
    audit.record("update", target, user=acting_user, before=before, after=audit.snapshot(target), message=message)
    return target


@transaction.atomic
def delete_target(*, acting_user: Any, target: Target) -> None:
    _require(acting_user, Cap.MANAGE_WORK, target.owner, "您没有删除该目标任务的权限。")
    audit.record("delete", target, user=acting_user, before={
        **audit.snapshot(target), "allocations": {a.unit.code: str(a.value) for a in target.allocations.all()}})
    target.allocations.all().delete()
    target.delete()


def split_target(target: Target, units: Sequence[Unit], method: str) -> dict[Unit, Decimal]:
    """A proposed allocation of the target among `units` by a rule (nothing is saved)."""
    if not units:
        raise InvalidInput("请选择要分解到的单位", {"units": ["请至少选择一个单位"]})
    if method == Target.Method.POPULATION:
        weights = [(u, Decimal(u.population or 0)) for u in units]
        if not any(w for _u, w in weights):
            raise InvalidInput("所选单位都没有填写人口，无法按人口分解", {"method": ["所选单位都没有人口数据"]})
        missing = [u.name for u, w in weights if not w]
        if missing:
            raise InvalidInput(f"以下单位没有填写人口：{'、'.join(missing)}", {"method": ["部分单位没有人口数据"]})
    elif method == Target.Method.LAST_YEAR:
        previous = copy.copy(target)
        previous.year = target.year - 1
        actuals = progress.actuals_by_unit(previous, progress.year_period(previous.year), list(units))
        weights = [(u, actuals[u.pk].value) for u in units]
        if not any(w for _u, w in weights):
            raise InvalidInput(f"所选单位{previous.year}年均无完成数，无法按上年占比分解",
                               {"method": ["上年没有完成数据"]})
    elif method == Target.Method.EQUAL:
        weights = allocation.equal_weights(list(units))
    else:
        raise InvalidInput("未知的分解方式", {"method": ["请选择分解方式"]})
    return allocation.split(target.value, weights, allocation.step_for(target.metric.value_type))


@transaction.atomic
def save_allocations(
    *, acting_user: Any, target: Target, expected_version: int, values: Mapping[Unit, Any],
    method: str = Target.Method.MANUAL,
) -> list[Allocation]:
    """Replace the target's allocations with `values` (unit → amount); the sum is checked against the total."""
    _require(acting_user, Cap.MANAGE_WORK, target.owner, "您没有分解该目标任务的权限。")
    if method not in Target.Method.values:
        raise InvalidInput("未知的分解方式", {"method": ["请选择分解方式"]})
    errors: dict[str, list[str]] = {}
    clean: dict[Unit, Decimal] = {}
    integer = target.metric.value_type == "integer"
    for unit, raw in values.items():
        field = f"unit_{unit.code}"
        if raw in (None, ""):
            continue
        value = _decimal(raw, field, f"{unit.name}的分解目标", errors, column=Allocation._meta.get_field("value"))
        if value is None:
            continue
        if value < 0:
            errors[field] = [f"{unit.name}的分解目标不能为负数"]
        elif integer and value != int(value):
            errors[field] = [f"{unit.name}的分解目标应为整数"]
        elif unit.pk == target.owner_id or not unit.path.startswith(target.owner.path):
            errors[field] = [f"{unit.name}不是{target.owner.name}的下级单位"]
        else:
            clean[unit] = value
    ordered = sorted(clean, key=lambda u: u.path)
    for i, outer in enumerate(ordered):
        for inner in ordered[i + 1:]:
            if inner.path.startswith(outer.path):
                errors[f"unit_{inner.code}"] = [f"{inner.name}是{outer.name}的下级单位，不能同时分解（会重复计算）"]
    if not errors and clean:
        problem = allocation.check_sum(target.value, list(clean.values()), allow_over=target.allow_over_allocation)
        if problem:
            errors["__all__"] = [problem]
    if errors:
        message = errors["__all__"][0] if "__all__" in errors else "分解目标填写有误，请按提示修改。"
        raise InvalidInput(message, errors)
    before = {a.unit.code: str(a.value) for a in target.allocations.select_related("unit")}
    target.allocation_method = method
    save_versioned(target, expected_version, ["allocation_method"])
    Allocation.objects.filter(target=target).delete()
    rows = Allocation.objects.bulk_create([Allocation(target=target, unit=u, value=v) for u, v in clean.items()])
    audit.record("update", target, user=acting_user, before={"allocations": before},
                 after={"allocations": {u.code: str(v) for u, v in clean.items()}, "method": method},
                 message="目标分解")
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Schemes (content in versions; a version used by a published run is never changed)
# ---------------------------------------------------------------------------------------------------------------
def _check_scheme_manager(user: Any, scheme: Scheme) -> None:
    _require(user, Cap.MANAGE_WORK, scheme.owner, "您没有维护该考核方案的权限。")


def _clean_item(version: SchemeVersion, data: Mapping[str, Any], *, original_key: str | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    key = str(data.get("key") or "").strip()
    if not KEY_RE.match(key):
        errors["key"] = ["标识只能由小写英文字母、数字和下划线组成，以字母开头"]
    elif key != original_key and version.items.filter(key=key).exists():
        errors["key"] = [f"已有标识为“{key}”的评分项"]
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写评分项名称"]
    kind = str(data.get("kind") or "")
    rule, rule_errors = rules.clean_rule(kind, data.get("rule") or {})
    errors.update({f"rule.{k}" if k != "kind" else k: v for k, v in rule_errors.items()})
    line = data.get("line")
    if line is not None and not isinstance(line, LineOfWork):
        errors["line"] = ["未知的工作线"]
    sort_order = _sort_order(data.get("sort_order"), errors)
    if errors:
        raise InvalidInput("评分项填写有误，请按提示修改。", errors)
    return {"key": key, "name": name[:100], "kind": kind, "rule": rule, "line": line, "sort_order": sort_order}


def _clean_ranking(data: Mapping[str, Any], item_keys: set[str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    weights: dict[str, str] = {}
    known_lines = set(LineOfWork.objects.values_list("key", flat=True))
    for line_key, raw in (data.get("weights") or {}).items():
        if raw in (None, ""):
            continue
        try:
            w = rules.dec(raw)
        except ValueError:
            w = None
        if line_key not in known_lines:
            errors.setdefault("weights", []).append(f"未知的工作线“{line_key}”")
        elif w is None or w < 0 or w > 100:
            errors.setdefault("weights", []).append(f"工作线“{line_key}”的权重应为 0 至 100 之间的数")
        elif w != 1:
            weights[line_key] = f"{w.normalize():f}"
    groups = []
    seen: set[str] = set()
    for g in data.get("groups") or []:
        key, name = str(g.get("key") or "").strip(), str(g.get("name") or "").strip()
        kinds = [k for k in g.get("kinds") or [] if k]
        if not KEY_RE.match(key) or key in seen:
            errors.setdefault("groups", []).append(f"排名分组标识“{key}”无效或重复")
        if not name:
            errors.setdefault("groups", []).append("请填写排名分组名称")
        bad = [k for k in kinds if k not in Unit.Kind.values]
        if bad:
            errors.setdefault("groups", []).append(f"未知的单位类型：{'、'.join(bad)}")
        seen.add(key)
        groups.append({"key": key, "name": name, "kinds": kinds})
    tie_rule = str(data.get("tie_rule") or SchemeVersion.TieRule.COMPETITION)
    if tie_rule not in SchemeVersion.TieRule.values:
        errors["tie_rule"] = ["未知的并列规则"]
    tie_keys = [str(k).strip() for k in data.get("tie_keys") or [] if str(k).strip()]
    for k in tie_keys:
        kind, _sep, arg = k.partition(":")
        if not ((kind == "item" and arg in item_keys) or (kind == "placements" and arg in LEVEL_ORDER)):
            errors.setdefault("tie_keys", []).append(
                f"无法识别的次要指标“{k}”（可用 item:评分项标识 或 placements:national 等）")
    if tie_rule == SchemeVersion.TieRule.SECONDARY and not tie_keys:
        errors.setdefault("tie_keys", []).append("按次要指标区分并列时，请至少填写一个次要指标")
    out: dict[str, Any] = {"weights": weights, "groups": groups, "tie_rule": tie_rule, "tie_keys": tie_keys}
    for field, label in (("praise_top", "表扬名额"), ("lagging_bottom", "督促名额")):
        try:
            out[field] = int(data.get(field, 3 if field == "praise_top" else 2))
        except (TypeError, ValueError):
            out[field] = -1
        if not 0 <= out[field] <= 50:
            errors[field] = [f"{label}应为 0 至 50 之间的整数"]
    if errors:
        raise InvalidInput("排名设置有误，请按提示修改。", errors)
    return out


@transaction.atomic
def create_scheme(
    *, acting_user: Any, key: str, name: str, subject: str, owner: Unit, description: str = "",
    items: Sequence[Mapping[str, Any]] = (), ranking: Mapping[str, Any] | None = None,
    peer_parent: Unit | None = None,
) -> Scheme:
    _require(acting_user, Cap.MANAGE_WORK, owner, "您没有制定考核方案的权限。")
    errors: dict[str, list[str]] = {}
    if not KEY_RE.match(key or ""):
        errors["key"] = ["标识只能由小写英文字母、数字和下划线组成，以字母开头"]
    elif Scheme.objects.filter(key=key).exists():
        errors["key"] = [f"已有标识为“{key}”的方案"]
    if not (name or "").strip():
        errors["name"] = ["请填写方案名称"]
    if not (subject or "").strip():
        errors["subject"] = ["请填写考核内容（用于通报标题）"]
    if peer_parent is not None and not peer_parent.path.startswith(owner.path):
        errors["peer_parent"] = ["参评单位的上级须在考核单位范围内"]
    if errors:
        raise InvalidInput("考核方案填写有误，请按提示修改。", errors)
    scheme = Scheme.objects.create(key=key, name=name.strip(), subject=subject.strip(), owner=owner,
                                   description=description, created_by=_who(acting_user))
    version = SchemeVersion.objects.create(scheme=scheme, number=1, peer_parent=peer_parent,
                                           created_by=_who(acting_user), note="初始版本")
    for i, data in enumerate(items):
        clean = _clean_item(version, {"sort_order": (i + 1) * 10, **data}, original_key=None)
        SchemeItem.objects.create(version=version, **clean)
    if ranking:
        clean_r = _clean_ranking(ranking, set(version.items.values_list("key", flat=True)))
        SchemeVersion.objects.filter(pk=version.pk).update(**clean_r)
    audit.record("create", scheme, user=acting_user, after={**audit.snapshot(scheme), "definition": definition(
        scheme.current)})
    return scheme


def definition(version: SchemeVersion) -> dict[str, Any]:
    """A version's content as data (for the audit log, the API and comparisons)."""
    return {
        "number": version.number, "weights": version.weights, "groups": version.groups,
        "peer_parent": version.peer_parent.code if version.peer_parent is not None else None,
        "tie_rule": version.tie_rule, "tie_keys": version.tie_keys, "praise_top": version.praise_top,
        "lagging_bottom": version.lagging_bottom,
        "items": [{"key": i.key, "name": i.name, "kind": i.kind, "line": i.line.key if i.line is not None else None,
                   "rule": i.rule} for i in version.items.select_related("line").order_by("sort_order", "id")],
    }


def _editable_version(scheme: Scheme, user: Any, note: str) -> SchemeVersion:
    """The current version if it is still a draft; otherwise (used by a published run) a new version copied from
    it, so results published with the old one keep their rules."""
    current = scheme.current
    if current.frozen_at is None:
        if note:
            SchemeVersion.objects.filter(pk=current.pk).update(note=note[:300])
        return current
    new = SchemeVersion.objects.create(
        scheme=scheme, number=current.number + 1, weights=current.weights, peer_parent=current.peer_parent,
        groups=current.groups, tie_rule=current.tie_rule, tie_keys=current.tie_keys, praise_top=current.praise_top,
        lagging_bottom=current.lagging_bottom, note=(note or f"由第{current.number}版修改")[:300],
        created_by=_who(user),
    )
    SchemeItem.objects.bulk_create([
        SchemeItem(version=new, key=i.key, name=i.name, line_id=i.line_id, kind=i.kind, rule=i.rule,
                   sort_order=i.sort_order) for i in current.items.all()
    ])
    return new


def _touch(scheme: Scheme, expected_version: int) -> None:
    save_versioned(scheme, expected_version, [])


@transaction.atomic
def update_scheme(*, acting_user: Any, scheme: Scheme, expected_version: int, name: str, subject: str,
                  description: str = "", is_active: bool = True) -> Scheme:
    _check_scheme_manager(acting_user, scheme)
    if not name.strip() or not subject.strip():
        raise InvalidInput("请填写方案名称和考核内容", {"name": ["必填"], "subject": ["必填"]})
    before = audit.snapshot(scheme)
    scheme.name, scheme.subject, scheme.description, scheme.is_active = name.strip(), subject.strip(), description, \
        is_active
    save_versioned(scheme, expected_version, ["name", "subject", "description", "is_active"])
    audit.record("update", scheme, user=acting_user, before=before, after=audit.snapshot(scheme))
    return scheme


@transaction.atomic
def save_item(*, acting_user: Any, scheme: Scheme, expected_version: int, data: Mapping[str, Any],
              original_key: str | None = None, note: str = "") -> SchemeVersion:
    """Add an item (original_key None) or change one. Returns the version now current (maybe a new one)."""
    _check_scheme_manager(acting_user, scheme)
    before = definition(scheme.current)
    version = scheme.current
    if original_key is not None and not version.items.filter(key=original_key).exists():
        raise InvalidInput(f"评分项“{original_key}”不存在")
    clean = _clean_item(version, data, original_key=original_key)
    if original_key and original_key != clean["key"] and original_key in [
            k.partition(":")[2] for k in version.tie_keys or []]:
        raise InvalidInput("该评分项被用作区分并列的次要指标，不能修改其标识", {"key": ["被排名设置引用"]})
    _touch(scheme, expected_version)
    label = f"修改评分项“{clean['name']}”" if original_key else f"新增评分项“{clean['name']}”"
    version = _editable_version(scheme, acting_user, note or label)
    if original_key is None:
        if "sort_order" not in data or not data.get("sort_order"):
            clean["sort_order"] = (max(version.items.values_list("sort_order", flat=True), default=0) or 0) + 10
        SchemeItem.objects.create(version=version, **clean)
    else:
        version.items.filter(key=original_key).update(**dict(clean.items()))
    version.save(update_fields=["updated_at"])
    audit.record("update", scheme, user=acting_user, before=before, after=definition(version), message=label)
    return version


@transaction.atomic
def delete_item(*, acting_user: Any, scheme: Scheme, expected_version: int, key: str) -> SchemeVersion:
    _check_scheme_manager(acting_user, scheme)
    current = scheme.current
    item = current.items.filter(key=key).first()
    if item is None:
        raise InvalidInput(f"评分项“{key}”不存在")
    if key in [k.partition(":")[2] for k in current.tie_keys or []]:
        raise InvalidInput("该评分项被用作区分并列的次要指标，请先修改排名设置", {"key": ["被排名设置引用"]})
    before = definition(current)
    _touch(scheme, expected_version)
    version = _editable_version(scheme, acting_user, f"删除评分项“{item.name}”")
    version.items.filter(key=key).delete()
    version.save(update_fields=["updated_at"])
    audit.record("update", scheme, user=acting_user, before=before, after=definition(version),
                 message=f"删除评分项“{item.name}”")
    return version


@transaction.atomic
def update_ranking(*, acting_user: Any, scheme: Scheme, expected_version: int, data: Mapping[str, Any],
                   peer_parent: Unit | None = None, note: str = "") -> SchemeVersion:
    """Weights per line of work, ranking groups, tie rule and secondary keys, praise/lagging counts."""
    _check_scheme_manager(acting_user, scheme)
    if peer_parent is not None and not peer_parent.path.startswith(scheme.owner.path):
        raise InvalidInput("参评单位的上级须在考核单位范围内", {"peer_parent": ["超出考核单位范围"]})
    current = scheme.current
    clean = _clean_ranking(data, set(current.items.values_list("key", flat=True)))
    before = definition(current)
    _touch(scheme, expected_version)
    version = _editable_version(scheme, acting_user, note or "修改权重与排名设置")
    for field, value in clean.items():
        setattr(version, field, value)
    version.peer_parent = peer_parent
    version.save(update_fields=[*clean, "peer_parent", "updated_at"])
    audit.record("update", scheme, user=acting_user, before=before, after=definition(version),
                 message="修改权重与排名设置")
    return version


# ---------------------------------------------------------------------------------------------------------------
# Bonus and deduction entries
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def propose_adjustment(
    *, acting_user: Any, scheme: Scheme, item_key: str, unit: Unit, date: datetime.date, points: Any, reason: str,
    evidence_file: Any = None, evidence_url: str = "", record: Record | None = None, approve: bool = False,
) -> Adjustment:
    """A bonus or deduction for a unit, with evidence (a file or a link). Liaisons propose for their unit; staff
    may enter and approve in one step (`approve=True`)."""
    from taizhang.core.uploads import EVIDENCE_TYPES, check_upload

    if acting_user is not None and not (can_in_unit(acting_user, Cap.EDIT_RECORDS, unit)
                                        or can_in_unit(acting_user, Cap.MANAGE_WORK, unit)):
        raise NotPermitted("您不能为该单位申报加减分。")
    if approve:
        _require(acting_user, Cap.MANAGE_WORK, unit, "您没有审核加减分的权限。")
    errors: dict[str, list[str]] = {}
    item = scheme.current.items.filter(key=item_key).first()
    if item is None or not item.is_manual:
        errors["item_key"] = ["请选择方案中的加分项或减分项"]
    parent, _peers = scoring.peers(scheme.current)
    if unit.pk == parent.pk or not unit.path.startswith(parent.path):
        errors["unit"] = [f"{unit.name}不是该方案的参评单位"]
    value = _decimal(points, "points", "分值", errors, column=Adjustment._meta.get_field("points"))
    if value is not None:
        if value <= 0:
            errors["points"] = ["分值应大于0（减分项也填写正数）"]
        elif value != value.quantize(Decimal("0.01")):
            errors["points"] = ["分值最多保留两位小数"]
        elif item is not None and (limit := rules.dec((item.rule or {}).get("max"))) is not None and value > limit:
            errors["points"] = [f"该项每期累计最多{item.rule['max']}分"]
    if not (reason or "").strip():
        errors["reason"] = ["请填写事由"]
    elif len(reason) > 1000:
        errors["reason"] = ["事由不能超过 1000 字"]
    if date is None:
        errors["date"] = ["请填写发生日期"]
    elif date > timezone.localdate():
        errors["date"] = ["发生日期不能晚于今天"]
    url = (evidence_url or "").strip()
    checked = None
    if evidence_file is not None:
        try:
            checked = check_upload(evidence_file, EVIDENCE_TYPES)
        except InvalidInput as exc:
            errors["evidence"] = [exc.message]
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except Exception:
            errors["evidence_url"] = ["链接格式不正确，请填写以 http:// 或 https:// 开头的完整网址"]
    if evidence_file is None and not url and record is None:
        errors["evidence"] = ["请上传佐证材料、填写佐证链接或关联台账记录"]
    if errors:
        raise InvalidInput("加减分填写有误，请按提示修改。", errors)
    assert item is not None
    assert value is not None
    adj = Adjustment(
        scheme=scheme, item_key=item.key, item_name=item.name, direction=item.kind, unit=unit, date=date,
        points=value, reason=reason.strip(), evidence_url=url, record=record, proposed_by=_who(acting_user),
    )
    if checked is not None:
        evidence_file.seek(0)
        adj.evidence.save(checked.safe_name, evidence_file, save=False)
        adj.evidence_name, adj.evidence_type, adj.evidence_sha256 = checked.safe_name, checked.content_type, \
            checked.sha256
    if approve:
        adj.status, adj.reviewed_by, adj.reviewed_at = Adjustment.Status.APPROVED, _who(acting_user), timezone.now()
    try:
        adj.save()
    except Exception:
        if adj.evidence:
            adj.evidence.delete(save=False)
        raise
    audit.record("create", adj, user=acting_user, after=audit.snapshot(adj))
    if approve:
        audit.record("approve", adj, user=acting_user, after={"status": adj.status})
    return adj


@transaction.atomic
def review_adjustment(*, acting_user: Any, adjustment: Adjustment, approve: bool, comment: str = "") -> Adjustment:
    _require(acting_user, Cap.MANAGE_WORK, adjustment.unit, "您没有审核加减分的权限。")
    if not approve and not comment.strip():
        raise InvalidInput("不通过时请填写原因", {"comment": ["请填写原因"]})
    to = Adjustment.Status.APPROVED if approve else Adjustment.Status.REJECTED
    now = timezone.now()
    changed = Adjustment.objects.filter(pk=adjustment.pk, status=Adjustment.Status.PROPOSED).update(
        status=to, reviewed_by=_who(acting_user), reviewed_at=now, review_comment=comment.strip(), updated_at=now)
    if changed != 1:
        raise InvalidTransition("该加减分已被审核，不能重复审核，请刷新后查看。")
    adjustment.refresh_from_db()
    audit.record("approve" if approve else "return", adjustment, user=acting_user,
                 before={"status": Adjustment.Status.PROPOSED}, after={"status": to, "comment": comment.strip()})
    return adjustment


@transaction.atomic
def withdraw_adjustment(*, acting_user: Any, adjustment: Adjustment) -> None:
    _require(acting_user, Cap.EDIT_RECORDS, adjustment.unit, "您不能撤回该单位的加减分申报。")
    if adjustment.status != Adjustment.Status.PROPOSED:
        raise InvalidTransition("只有待审核的加减分可以撤回。")
    audit.record("withdraw", adjustment, user=acting_user, before=audit.snapshot(adjustment))
    if adjustment.evidence:
        adjustment.evidence.delete(save=False)
    adjustment.delete()


# ---------------------------------------------------------------------------------------------------------------
# Runs: computed, published (frozen), re-run as a new version with a change log
# ---------------------------------------------------------------------------------------------------------------
def _change_log(old: AssessmentRun, new_units: list[scoring.UnitScore], new_version: SchemeVersion) -> dict[str, Any]:
    before = {r.unit_id: r for r in old.results.select_related("unit").prefetch_related("items")}
    units = []
    seen: set[int] = set()
    for u in sorted(new_units, key=lambda x: (x.group.index, x.position)):
        seen.add(u.unit.pk)
        prev = before.get(u.unit.pk)
        if prev is not None and prev.score == u.score and prev.rank == u.rank:
            continue
        old_items = {i.item_key: i.points for i in prev.items.all()} if prev is not None else {}
        items = [{"item": i.key, "name": i.name, "before": str(old_items[i.key]) if i.key in old_items else None,
                  "after": str(i.points)} for i in u.items if old_items.get(i.key) != i.points]
        units.append({"unit": u.unit.code, "name": u.unit.name,
                      "score": [str(prev.score) if prev else None, str(u.score)],
                      "rank": [prev.rank if prev else None, u.rank], "items": items})
    for uid, prev in before.items():
        if uid not in seen:
            units.append({"unit": prev.unit.code, "name": prev.unit.name, "score": [str(prev.score), None],
                          "rank": [prev.rank, None], "items": []})
    return {"from_run": old.pk, "from_number": old.number,
            "scheme_version": [old.scheme_version.number, new_version.number], "units": units}


@transaction.atomic
def run_assessment(*, acting_user: Any, scheme: Scheme, period: Period, note: str = "",
                   publish: bool = False) -> AssessmentRun:
    """Score the peers for the period with the scheme's current version and store a draft run.

    A draft of the same period is replaced. After a published run, this makes the next version (n+1) with a log of
    what changed against the published one; the published results themselves never change.
    """
    _check_scheme_manager(acting_user, scheme)
    if not scheme.is_active:
        raise InvalidTransition("该考核方案已停用。")
    if period.start > timezone.localdate():
        raise InvalidInput("考核期尚未开始", {"period": ["不能考核未来的时间段"]})
    version = scheme.current
    if not version.items.exists():
        raise InvalidInput("该方案还没有评分项", {"scheme": ["请先添加评分项"]})
    runs = AssessmentRun.objects.filter(scheme=scheme, period_spec=period.spec)
    last_published = runs.exclude(status=R.DRAFT).order_by("-number").first()
    drafts = list(runs.filter(status=R.DRAFT))
    number = (last_published.number + 1) if last_published else 1
    started = time.perf_counter()
    result = scoring.assess(version, period)
    elapsed = int((time.perf_counter() - started) * 1000)
    for draft in drafts:
        AssessmentItemResult.objects.filter(result__run=draft).delete()
        AssessmentResult.objects.filter(run=draft).delete()
        draft.delete()
    try:
        with transaction.atomic():
            run = AssessmentRun.objects.create(
                scheme=scheme, scheme_version=version, period_spec=period.spec, period_kind=period.kind,
                period_start=period.start, period_end=period.end, period_label=period.label, number=number,
                tie_rule=result.tie_rule, tie_keys=result.tie_keys, supersedes=last_published, note=note[:300],
                duration_ms=elapsed, created_by=_who(acting_user),
            )
    except IntegrityError as exc:
        raise StaleObjectError("另一位工作人员刚刚运行了同一考核，请刷新后查看。") from exc
    _store_results(run, result)
    if last_published is not None:
        run.change_log = _change_log(last_published, result.units, version)
        run.save(update_fields=["change_log"])
    audit.record("run", run, user=acting_user, after={
        "scheme": scheme.key, "scheme_version": version.number, "period": period.spec, "number": number,
        "units": len(result.units), "replaced_drafts": [d.number for d in drafts]})
    if publish:
        publish_run(acting_user=acting_user, run=run)
    return run


def _store_results(run: AssessmentRun, result: scoring.Assessment) -> None:
    rows = AssessmentResult.objects.bulk_create([
        AssessmentResult(run=run, unit=u.unit, group_key=u.group.key, group_name=u.group.name,
                         group_index=u.group.index, score=u.score,
                         rank=u.rank, tied=u.tied, tie_broken_by=u.tie_broken_by,
                         tie_values={k: str(v) for k, v in zip(result.tie_keys, u.tie_values, strict=True)},
                         position=u.position)
        for u in result.units
    ], batch_size=500)
    # Item rows go in with one executemany: thousands of rows carrying hundreds of thousands of record ids, where
    # bulk_create's per-field preparation would cost seconds on a 500-unit run.
    columns = ("result_id", "item_key", "item_name", "kind", "line_key", "value", "raw_points", "weight", "points",
               "records", "adjustments", "detail", "position")
    values = []
    for row, u in zip(rows, result.units, strict=True):
        for pos, i in enumerate(u.items):
            values.append((
                row.pk, i.key, i.name, i.kind, i.line_key, str(i.value), str(i.raw.quantize(Decimal("0.0001"))),
                str(i.weight), str(i.points), json.dumps(i.records), json.dumps(i.adjustments),
                json.dumps(i.detail, ensure_ascii=False, default=str), pos,
            ))
    table = AssessmentItemResult._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(values), 1000):
            cursor.executemany(sql, values[start:start + 1000])


@transaction.atomic
def publish_run(*, acting_user: Any, run: AssessmentRun) -> AssessmentRun:
    """Publish a draft: its results are frozen from now on; the run it supersedes is marked as such."""
    _check_scheme_manager(acting_user, run.scheme)
    now = timezone.now()
    changed = AssessmentRun.objects.filter(pk=run.pk, status=R.DRAFT).update(
        status=R.PUBLISHED, published_at=now, published_by=_who(acting_user), updated_at=now)
    if changed != 1:
        raise InvalidTransition("只有草稿状态的考核可以发布（可能已被他人发布），请刷新后查看。")
    if run.supersedes_id:
        AssessmentRun.objects.filter(pk=run.supersedes_id, status=R.PUBLISHED).update(status=R.SUPERSEDED,
                                                                                       updated_at=now)
    SchemeVersion.objects.filter(pk=run.scheme_version_id, frozen_at__isnull=True).update(frozen_at=now)
    run.refresh_from_db()
    audit.record("publish", run, user=acting_user, before={"status": R.DRAFT}, after={
        "status": run.status, "supersedes": run.supersedes_id, "scheme_version": run.scheme_version.number})
    return run


@transaction.atomic
def discard_run(*, acting_user: Any, run: AssessmentRun) -> None:
    _check_scheme_manager(acting_user, run.scheme)
    if run.status != R.DRAFT:
        raise InvalidTransition("已发布的考核结果不能删除；如需更正请重新运行生成新版本。")
    audit.record("delete", run, user=acting_user, before={"period": run.period_spec, "number": run.number})
    run.delete()


# ---------------------------------------------------------------------------------------------------------------
# Bulletins
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def create_bulletin(*, acting_user: Any, run: AssessmentRun, issued_on: datetime.date | None = None) -> Bulletin:
    """Write the 通报 of a published run (official .docx with provenance) and keep it for every unit to read."""
    from taizhang.reports.docwriter import write_docx
    from taizhang.targets.bulletin import build_document

    _check_scheme_manager(acting_user, run.scheme)
    if run.status != R.PUBLISHED:
        raise InvalidTransition("只能为已发布（且未被取代）的考核生成通报。")
    day = issued_on or timezone.localdate()
    doc = build_document(run, issued_on=day)
    buffer = io.BytesIO()
    write_docx(doc, buffer, provenance=True, appendix=True)
    data = buffer.getvalue()
    filename = f"{doc.title.replace(chr(10), '')}.docx"
    bulletin = Bulletin(run=run, title=doc.title.replace("\n", ""), issued_on=day, document=doc.to_dict(),
                        filename=filename[:200], sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                        created_by=_who(acting_user))
    bulletin.file.save(filename, ContentFile(data), save=False)
    try:
        bulletin.save()
    except Exception:
        bulletin.file.delete(save=False)
        raise
    audit.record("create", bulletin, user=acting_user, after={"run": run.pk, "title": bulletin.title,
                                                                "sha256": bulletin.sha256})
    return bulletin
