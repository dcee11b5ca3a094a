"""Data staff maintain: the dispatch catalogue (category × area/place → unit) and the place list."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

from .models import Category, DispatchRule, Place


def _pk(data: Any, name: str) -> int:
    """The id in a form field, 0 (matches nothing) when missing or not a number."""
    value = str(data.get(name) or "").strip()
    return int(value) if value.isdigit() else 0


@transaction.atomic
def save_rule(*, acting_user: Any, data: Any) -> DispatchRule:
    errors: dict[str, list[str]] = {}
    category = Category.objects.filter(pk=_pk(data, "category")).first()
    unit = Unit.objects.filter(pk=_pk(data, "unit")).first()
    area = Unit.objects.filter(pk=_pk(data, "area")).first() if _pk(data, "area") else None
    place = Place.objects.filter(pk=_pk(data, "place")).first() if _pk(data, "place") else None
    if category is None:
        errors["category"] = ["请选择类别"]
    if unit is None:
        errors["unit"] = ["请选择责任单位"]
    if errors:
        raise InvalidInput("派单规则填写有误", errors)
    assert category is not None and unit is not None
    scope = area or (place.area if place else None)
    if acting_user is not None and not can_in_unit(acting_user, Cap.MANAGE_WORK, scope or unit):
        raise NotPermitted("您没有维护该片区派单目录的权限。")
    rule = DispatchRule.objects.create(category=category, unit=unit, area=area, place=place,
                                       note=str(data.get("note") or "")[:200])
    audit.record("citizen.dispatch_rule_create", rule, user=acting_user, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def delete_rule(*, acting_user: Any, rule_id: int) -> None:
    rule = DispatchRule.objects.filter(pk=rule_id).select_related("area", "unit").first()
    if rule is None:
        raise InvalidInput("派单规则不存在")
    if acting_user is not None and not can_in_unit(acting_user, Cap.MANAGE_WORK, rule.area or rule.unit):
        raise NotPermitted("您没有维护该片区派单目录的权限。")
    audit.record("citizen.dispatch_rule_delete", rule, user=acting_user, before=audit.snapshot(rule))
    rule.delete()


def _coord(data: Any, name: str, low: float, high: float, errors: dict[str, list[str]]) -> float | None:
    text = str(data.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = ["应为数字"]
        return None
    if not low <= value <= high:
        errors[name] = ["超出范围"]
    return value


@transaction.atomic
def save_place(*, acting_user: Any, data: Any) -> Place:
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写地点名称"]
    kind = str(data.get("kind") or Place.Kind.LANDMARK)
    if kind not in Place.Kind.values:
        errors["kind"] = ["类型无效"]
    area = Unit.objects.filter(pk=_pk(data, "area")).first()
    if area is None:
        errors["area"] = ["请选择所属街道/片区"]
    lat = _coord(data, "lat", -90, 90, errors)
    lng = _coord(data, "lng", -180, 180, errors)
    if errors:
        raise InvalidInput("地点填写有误", errors)
    assert area is not None
    if acting_user is not None and not can_in_unit(acting_user, Cap.MANAGE_WORK, area):
        raise NotPermitted("您没有维护该片区地点的权限。")
    existing = Place.objects.filter(pk=_pk(data, "id")).first() if _pk(data, "id") else None
    try:
        with transaction.atomic():
            if existing is None:
                place = Place.objects.create(name=name[:80], kind=kind, area=area, lat=lat, lng=lng)
                audit.record("citizen.place_create", place, user=acting_user, after=audit.snapshot(place))
            else:
                before = audit.snapshot(existing)
                existing.name, existing.kind, existing.area = name[:80], kind, area
                existing.lat, existing.lng = lat, lng
                existing.active = str(data.get("active", "1")) in ("1", "on", "true")
                existing.version += 1
                existing.save()
                place = existing
                audit.record("citizen.place_update", place, user=acting_user, before=before,
                             after=audit.snapshot(place))
    except IntegrityError as exc:
        raise InvalidInput("该片区已有同名地点", {"name": ["该片区已有同名地点"]}) from exc
    return place
