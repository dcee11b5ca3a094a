"""State changes of units and memberships. Each runs in one transaction and writes the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Membership, Unit
from taizhang.org.roles import ADMIN_ROLES, Cap, Role
from taizhang.org.scoping import forget, has_cap

UNIT_FIELDS = ["code", "name", "short_name", "kind", "sort_order", "population", "is_active"]
SORT_ORDER_MAX = 99999
SORT_ORDER_MESSAGE = f"排序应为 0 至 {SORT_ORDER_MAX} 之间的整数"
POPULATION_MAX = 100_000_000
POPULATION_MESSAGE = f"人口应为 0 至 {POPULATION_MAX} 之间的整数"


def _check_numbers(values: dict[str, Any]) -> None:
    """排序 and 人口 within what a unit can have (and an integer column holds on PostgreSQL)."""
    errors: dict[str, list[str]] = {}
    sort_order = values.get("sort_order", 0)
    if not isinstance(sort_order, int) or not 0 <= sort_order <= SORT_ORDER_MAX:
        errors["sort_order"] = [SORT_ORDER_MESSAGE]
    population = values.get("population")
    if population is not None and (not isinstance(population, int) or not 0 <= population <= POPULATION_MAX):
        errors["population"] = [POPULATION_MESSAGE]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors)


def _check(user: Any, cap: str) -> None:
    if user is not None and not has_cap(user, cap):
        raise NotPermitted("您没有管理单位和用户的权限。")


@transaction.atomic
def create_unit(
    *,
    acting_user: Any,
    code: str,
    name: str,
    kind: str = Unit.Kind.OTHER,
    parent: Unit | None = None,
    short_name: str = "",
    sort_order: int = 0,
    population: int | None = None,
) -> Unit:
    """Create a unit. acting_user None means a system task (demo, bootstrap)."""
    _check(acting_user, Cap.MANAGE_ORG)
    code = code.strip()
    if not code or not name.strip():
        raise InvalidInput("单位代码和单位名称不能为空")
    if Unit.objects.filter(code=code).exists():
        raise InvalidInput(f"单位代码“{code}”已存在", {"code": ["该代码已被使用"]})
    if parent is None and Unit.objects.filter(parent__isnull=True).exists():
        raise InvalidInput("只能有一个根单位，请选择上级单位", {"parent": ["请选择上级单位"]})
    _check_numbers({"sort_order": sort_order, "population": population})
    unit = Unit.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        parent=parent,
        short_name=short_name,
        sort_order=sort_order,
        population=population,
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit.record("create", unit, user=acting_user, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def update_unit(*, acting_user: Any, unit: Unit, expected_version: int, **values: Any) -> Unit:
    _check(acting_user, Cap.MANAGE_ORG)
    before = audit.snapshot(unit)
    unknown = set(values) - set(UNIT_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    if "code" in values and Unit.objects.filter(code=values["code"]).exclude(pk=unit.pk).exists():
        raise InvalidInput(f"单位代码“{values['code']}”已存在", {"code": ["该代码已被使用"]})
    _check_numbers({k: v for k, v in values.items() if k in ("sort_order", "population")})
    for key, value in values.items():
        setattr(unit, key, value)
    save_versioned(unit, expected_version, list(values))
    audit.record("update", unit, user=acting_user, before=before, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def move_unit(*, acting_user: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Re-parent a unit and its subtree (paths rewritten in one UPDATE)."""
    _check(acting_user, Cap.MANAGE_ORG)
    if new_parent.path.startswith(unit.path):
        raise InvalidInput("不能把单位移动到它自己的下级单位之下")
    before = audit.snapshot(unit)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk}/"
    depth_shift = new_parent.depth + 1 - unit.depth
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_shift
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent, version=F("version") + 1)
    unit.refresh_from_db()
    audit.record("update", unit, user=acting_user, before=before, after=audit.snapshot(unit), message="调整上级单位")
    return unit


def _separation_of_duties(*, acting_user: Any, user: Any, role: str) -> None:
    """三权分立, checked on every grant whoever asks (web, API, CLI, demo): nobody grants themselves a role, an
    administrator role is granted by the security administrator only, a person holds at most one administrator
    role, and administrators hold no business role (nor business users an administrator role)."""
    if acting_user is not None and getattr(acting_user, "pk", None) == user.pk:
        raise NotPermitted("不能给自己授予角色，请由另一位有权限的管理员办理。")
    held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    held_admin = held & set(ADMIN_ROLES)
    held_business = held - set(ADMIN_ROLES)
    if role in ADMIN_ROLES:
        if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_SECURITY):
            raise NotPermitted("管理员角色只能由安全管理员授予。")
        others = held_admin - {role}
        if others:
            labels = "、".join(Role(r).label for r in sorted(others))
            raise InvalidInput(f"{user} 已是{labels}：三权分立要求一人只担任一种管理员角色",
                               {"role": ["与现有管理员角色冲突"]})
        if held_business:
            raise InvalidInput(f"{user} 担任业务角色：管理员不能同时担任业务角色，请先撤销其业务角色",
                               {"role": ["与业务角色冲突"]})
    else:
        _check(acting_user, Cap.MANAGE_ORG)
        if held_admin:
            labels = "、".join(Role(r).label for r in sorted(held_admin))
            raise InvalidInput(f"{user} 是{labels}：管理员不能担任业务角色（三权分立）",
                               {"role": ["管理员不能担任业务角色"]})


@transaction.atomic
def grant_role(*, acting_user: Any, user: Any, unit: Unit, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(f"未知角色“{role}”", {"role": ["未知角色"]})
    _separation_of_duties(acting_user=acting_user, user=user, role=role)
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit.record(
            "permission",
            membership,
            user=acting_user,
            after={"user": user.username, "unit": unit.code, "role": role},
            message=f"授予 {user.username} 在 {unit.name} 的“{Role(role).label}”角色",
        )
    forget(user)
    return membership


@transaction.atomic
def revoke_role(*, acting_user: Any, membership: Membership) -> None:
    if membership.role in ADMIN_ROLES:
        if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_SECURITY):
            raise NotPermitted("管理员角色只能由安全管理员撤销。")
    else:
        _check(acting_user, Cap.MANAGE_ORG)
    before = {"user": membership.user.username, "unit": membership.unit.code, "role": membership.role}
    audit.record("permission", membership, user=acting_user, before=before, message="撤销角色")
    user = membership.user
    membership.delete()
    forget(user)


@transaction.atomic
def create_user(
    *,
    acting_user: Any,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    must_change_password: bool = True,
) -> Any:
    _check(acting_user, Cap.MANAGE_ORG)
    model = get_user_model()
    if model.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名“{username}”已存在", {"username": ["该用户名已被使用"]})
    user = model.objects.create_user(username=username, password=password, email=email)
    user.display_name = display_name
    user.must_change_password = must_change_password
    user.save(update_fields=["display_name", "must_change_password"])
    audit.record("create", user, user=acting_user, after=audit.snapshot(user))
    return user


def tree(queryset: Any = None) -> list[Unit]:
    """Units in tree order (root first, children by sort order then code)."""
    units = list(queryset if queryset is not None else Unit.objects.all())
    by_parent: dict[int | None, list[Unit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    for children in by_parent.values():
        children.sort(key=lambda u: (u.sort_order, u.code))
    ids = {u.pk for u in units}
    out: list[Unit] = []

    def walk(parent_id: int | None) -> None:
        for child in by_parent.get(parent_id, []):
            out.append(child)
            walk(child.pk)

    for u in sorted((u for u in units if u.parent_id is None or u.parent_id not in ids), key=lambda u: u.path):
        out.append(u)
        walk(u.pk)
    return out
