"""Organisation administration (units, users, roles) and the permission helpers every app's views use.

NetBox semantics: anonymous → login page; authenticated without the capability anywhere → 403; an object outside
the user's scope → 404 (core.querysets.get_scoped / `unit_in_scope` here); `NotPermitted` from an action → 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from taizhang.core.errors import InvalidInput, NotPermitted, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.core.redirects import is_local_path
from taizhang.org import actions
from taizhang.org.forms import GrantRoleForm, UnitForm, UnitMoveForm, UserCreateForm
from taizhang.org.models import Membership, Unit
from taizhang.org.roles import ADMIN_ROLES, Cap, Role
from taizhang.org.scoping import has_cap, unit_ids_for

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


# ---------------------------------------------------------------------------------------------------------------
# Permission helpers (shared by the ledger views)
# ---------------------------------------------------------------------------------------------------------------
def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    """The 403 page, with the action's Chinese message when there is one."""
    return render(request, "org/forbidden.html", {"message": message or "您没有执行此操作的权限。"}, status=403)


def cap_required(cap: str) -> Callable[[V], V]:
    """Login required; the capability must be held somewhere (else 403); NotPermitted from actions → 403."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_cap(request.user, cap):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except NotPermitted as exc:
                return forbidden(request, exc.message)

        return cast(V, wrapper)

    return decorator


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter if it points to this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if is_local_path(request, target):
        return target
    return fallback


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def unit_in_scope(user: Any, cap: str, pk: int) -> Unit:
    """A unit the user holds `cap` over (404 otherwise: units outside one's scope do not exist for them)."""
    if pk not in unit_ids_for(user, cap):
        raise Http404("未找到该单位，或您无权管理。")
    return Unit.objects.get(pk=pk)


def indent(depth: int) -> str:
    return "　" * depth + ("└ " if depth else "")


def _scope_units(user: Any) -> Any:
    return Unit.objects.filter(pk__in=unit_ids_for(user, Cap.MANAGE_ORG)).order_by("path")


# ---------------------------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------------------------
@cap_required(Cap.MANAGE_ORG)
def unit_list(request: HttpRequest) -> HttpResponse:
    units = actions.tree(_scope_units(request.user).annotate(member_count=Count("memberships")))
    base = min((u.depth for u in units), default=0)
    rows = [{"unit": u, "indent": indent(u.depth - base)} for u in units]
    return render(request, "org/unit_list.html", {"rows": rows})


@cap_required(Cap.MANAGE_ORG)
def unit_create(request: HttpRequest) -> HttpResponse:
    parents = _scope_units(request.user).filter(is_active=True)
    if request.method == "POST":
        form = UnitForm(request.POST, parents=parents, creating=True)
        if form.is_valid():
            d = form.cleaned_data
            try:
                unit = actions.create_unit(
                    acting_user=request.user, code=d["code"], name=d["name"], kind=d["kind"], parent=d.get("parent"),
                    short_name=d.get("short_name") or "", sort_order=d.get("sort_order") or 0,
                    population=d.get("population"),
                )
            except InvalidInput as exc:
                place_action_errors(form, exc, with_message=True)
            else:
                messages.success(request, f"已新增单位“{unit.name}”。")
                return redirect("org:unit_list")
    else:
        initial: dict[str, Any] = {"sort_order": 0}
        parent_id = request.GET.get("parent", "")
        if parent_id.isdigit():
            initial["parent"] = int(parent_id)
        form = UnitForm(initial=initial, parents=parents, creating=True)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@cap_required(Cap.MANAGE_ORG)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_in_scope(request.user, Cap.MANAGE_ORG, pk)
    status = 200
    if request.method == "POST":
        form = UnitForm(request.POST, creating=False)
        if form.is_valid():
            values = {f: form.cleaned_data.get(f) for f in UnitForm.EDIT_FIELDS}
            values["short_name"] = values["short_name"] or ""
            values["sort_order"] = values["sort_order"] or 0
            try:
                actions.update_unit(acting_user=request.user, unit=unit,
                                    expected_version=form.cleaned_data.get("version") or 0, **values)
            except StaleObjectError as exc:
                unit = Unit.objects.get(pk=pk)
                data = request.POST.copy()
                data["version"] = str(unit.version)
                form = UnitForm(data, creating=False)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except InvalidInput as exc:
                unit = Unit.objects.get(pk=pk)
                place_action_errors(form, exc, with_message=True)
            else:
                messages.success(request, f"单位“{unit.name}”已保存。")
                return redirect("org:unit_list")
    else:
        form = UnitForm(initial={**{f: getattr(unit, f) for f in UnitForm.EDIT_FIELDS}, "version": unit.version},
                        creating=False)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit}, status=status)


@cap_required(Cap.MANAGE_ORG)
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_in_scope(request.user, Cap.MANAGE_ORG, pk)
    if unit.parent_id is None:
        messages.error(request, "根单位不能移动。")
        return redirect("org:unit_list")
    parents = _scope_units(request.user).exclude(path__startswith=unit.path).exclude(pk=unit.parent_id)
    if request.method == "POST":
        form = UnitMoveForm(request.POST, parents=parents)
        if form.is_valid():
            try:
                actions.move_unit(acting_user=request.user, unit=unit, new_parent=form.cleaned_data["new_parent"])
            except InvalidInput as exc:
                place_action_errors(form, exc, with_message=True)
            else:
                new_parent = form.cleaned_data["new_parent"]
                messages.success(request, f"已将“{unit.name}”（含下级单位）移动到“{new_parent.name}”之下。")
                return redirect("org:unit_list")
    else:
        form = UnitMoveForm(parents=parents)
    return render(request, "org/unit_move.html", {"form": form, "unit": unit})


# ---------------------------------------------------------------------------------------------------------------
# Users and roles
# ---------------------------------------------------------------------------------------------------------------
def _visible_users(user: Any) -> Any:
    """Users with a role in the admin's units, and users with no role yet (just created)."""
    scope = unit_ids_for(user, Cap.MANAGE_ORG)
    return (
        get_user_model().objects.filter(Q(memberships__unit_id__in=scope) | Q(memberships__isnull=True)).distinct()
    )


def _user_in_scope(request: HttpRequest, pk: int) -> Any:
    found = _visible_users(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该用户，或您无权管理。")
    return found


@cap_required(Cap.MANAGE_ORG)
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    qs = _visible_users(request.user).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("unit__path", "role"))
    ).order_by("username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "org/user_list.html", {"page": page, "q": q})


@cap_required(Cap.MANAGE_ORG)
def user_create(request: HttpRequest) -> HttpResponse:
    units = _scope_units(request.user).filter(is_active=True)
    if request.method == "POST":
        form = UserCreateForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                password_validation.validate_password(d["password"])
            except ValidationError as exc:
                form.add_error("password", list(exc.messages))
            else:
                try:
                    with transaction.atomic():
                        new_user = actions.create_user(
                            acting_user=request.user, username=d["username"], password=d["password"],
                            display_name=d.get("display_name") or "", email=d.get("email") or "",
                        )
                        if d.get("unit") and d.get("role"):
                            actions.grant_role(acting_user=request.user, user=new_user, unit=d["unit"], role=d["role"])
                except InvalidInput as exc:
                    place_action_errors(form, exc, with_message=True)
                except NotPermitted as exc:
                    form.add_error("role", exc.message)
                else:
                    messages.success(request, f"已创建用户“{new_user.username}”。首次登录时须修改密码。")
                    return redirect("org:user_detail", pk=new_user.pk)
    else:
        form = UserCreateForm(units=units)
    return render(request, "org/user_form.html", {"form": form})


@cap_required(Cap.MANAGE_ORG)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_in_scope(request, pk)
    scope = unit_ids_for(request.user, Cap.MANAGE_ORG)
    memberships = [
        {"m": m, "in_scope": m.unit_id in scope, "admin": m.role in ADMIN_ROLES}
        for m in Membership.objects.filter(user=target).select_related("unit").order_by("unit__path", "role")
    ]
    form = GrantRoleForm(units=_scope_units(request.user).filter(is_active=True))
    return render(request, "org/user_detail.html", {"target": target, "memberships": memberships, "form": form})


@require_POST
@cap_required(Cap.MANAGE_ORG)
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_in_scope(request, pk)
    form = GrantRoleForm(request.POST, units=_scope_units(request.user).filter(is_active=True))
    if not form.is_valid():
        messages.error(request, "请选择单位和角色。")
        return redirect("org:user_detail", pk=target.pk)
    unit, role = form.cleaned_data["unit"], form.cleaned_data["role"]
    try:
        actions.grant_role(acting_user=request.user, user=target, unit=unit, role=role)
    except (NotPermitted, InvalidInput) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已授予 {target} 在“{unit.name}”的“{Role(role).label}”角色。")
    return redirect("org:user_detail", pk=target.pk)


@require_POST
@cap_required(Cap.MANAGE_ORG)
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.select_related("user", "unit").filter(pk=pk).first()
    if membership is None or membership.unit_id not in unit_ids_for(request.user, Cap.MANAGE_ORG):
        raise Http404("未找到该授权，或您无权管理。")
    target = membership.user
    label = f"“{membership.unit.name}”的“{membership.get_role_display()}”"
    try:
        actions.revoke_role(acting_user=request.user, membership=membership)
    except NotPermitted as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销 {target} 在{label}角色。")
    return redirect(safe_next(request, reverse("org:user_detail", kwargs={"pk": target.pk})))
